#!/usr/bin/env bash
# Remove what install-linux.sh installed for the current user: the app folder, the command
# symlink, the menu entry, the icons and the schedule file type. Your schedule files and the
# app's settings (~/.config/lr-schedule-designer/) are left alone.
set -euo pipefail

NAME=lr-designer
MIME_TYPE=application/x-lr-schedule

die() { echo "uninstall-linux.sh: $*" >&2; exit 1; }

case "${1:-}" in
  -h|--help) sed -n '2,4p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  "") ;;
  *) die "unknown option '$1' (try --help)" ;;
esac

DATA_HOME="${XDG_DATA_HOME:-$HOME/.local/share}"
BIN_HOME="${XDG_BIN_HOME:-$HOME/.local/bin}"
CONFIG_HOME="${XDG_CONFIG_HOME:-$HOME/.config}"
APP_DIR="$DATA_HOME/$NAME"

removed=0
remove() {
  if [[ -e "$1" || -L "$1" ]]; then
    rm -rf -- "$1"
    removed=1
  fi
}

# Only a symlink into our own app folder is ours to delete.
if [[ -L "$BIN_HOME/$NAME" && "$(readlink "$BIN_HOME/$NAME")" == "$APP_DIR/$NAME" ]]; then
  remove "$BIN_HOME/$NAME"
fi
if [[ -e "$APP_DIR" ]]; then
  [[ -x "$APP_DIR/$NAME" ]] || die "$APP_DIR is not an $NAME install; not removing it"
  remove "$APP_DIR"
fi
remove "$DATA_HOME/applications/$NAME.desktop"
for icon in "$DATA_HOME"/icons/hicolor/*/apps/"$NAME".*; do
  remove "$icon"
done
remove "$DATA_HOME/mime/packages/$NAME-mime.xml"

# The default-application line install-linux.sh had xdg-mime write, and nothing else.
if [[ -f "$CONFIG_HOME/mimeapps.list" ]]; then
  sed -i "\\|^$MIME_TYPE=$NAME.desktop;\\{0,1\\}\$|d" "$CONFIG_HOME/mimeapps.list"
fi

if command -v update-mime-database >/dev/null && [[ -d "$DATA_HOME/mime/packages" ]]; then
  update-mime-database "$DATA_HOME/mime" >/dev/null 2>&1 || true
fi
if command -v update-desktop-database >/dev/null && [[ -d "$DATA_HOME/applications" ]]; then
  update-desktop-database "$DATA_HOME/applications" >/dev/null 2>&1 || true
fi
if command -v gtk-update-icon-cache >/dev/null && [[ -d "$DATA_HOME/icons/hicolor" ]]; then
  gtk-update-icon-cache -q -t -f "$DATA_HOME/icons/hicolor" >/dev/null 2>&1 || true
fi

if (( removed )); then
  echo "Uninstalled LR Schedule Designer from $DATA_HOME"
else
  echo "LR Schedule Designer was not installed under $DATA_HOME; nothing to do"
fi
