#!/usr/bin/env bash
# Install the unpacked LR Schedule Designer for the current user (no root needed):
#   the app folder        -> ${XDG_DATA_HOME:-~/.local/share}/lr-designer/
#   the command           -> ${XDG_BIN_HOME:-~/.local/bin}/lr-designer (a symlink)
#   menu entry, icons and the schedule file type (application/x-lr-schedule, *.lrs.json)
#                         -> ${XDG_DATA_HOME:-~/.local/share}/{applications,icons,mime}
# Run it from the unpacked folder: ./install-linux.sh. Undo with ./uninstall-linux.sh.
set -euo pipefail

NAME=lr-designer
MIME_TYPE=application/x-lr-schedule

die() { echo "install-linux.sh: $*" >&2; exit 1; }

case "${1:-}" in
  -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  "") ;;
  *) die "unknown option '$1' (try --help)" ;;
esac

SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DATA_HOME="${XDG_DATA_HOME:-$HOME/.local/share}"
BIN_HOME="${XDG_BIN_HOME:-$HOME/.local/bin}"
APP_DIR="$DATA_HOME/$NAME"

[[ -x "$SRC/$NAME" && -d "$SRC/_internal" && -d "$SRC/share" ]] \
  || die "run me from the unpacked $NAME folder (no $NAME executable next to me in $SRC)"
# The desktop entry's Exec line quotes the path; these characters would need escaping there.
[[ "$APP_DIR" != *[\"\`\$\\]* ]] || die "cannot install under a path containing \" \` \$ or \\: $APP_DIR"

# The app folder: copy next to the old one, then swap, so a failed copy leaves the old install.
if [[ "$SRC" != "$APP_DIR" ]]; then
  if [[ -e "$APP_DIR" && ! -x "$APP_DIR/$NAME" ]]; then
    die "$APP_DIR exists and is not an $NAME install; move it away first"
  fi
  mkdir -p "$DATA_HOME"
  rm -rf "$APP_DIR.installing"
  cp -a "$SRC" "$APP_DIR.installing"
  rm -rf "$APP_DIR"
  mv "$APP_DIR.installing" "$APP_DIR"
fi

mkdir -p "$BIN_HOME"
ln -sfn "$APP_DIR/$NAME" "$BIN_HOME/$NAME"

# Menu entry, pointing at the installed executable by absolute path (~/.local/bin is not on
# every desktop session's PATH).
mkdir -p "$DATA_HOME/applications"
while IFS= read -r line || [[ -n "$line" ]]; do
  case "$line" in
    Exec=*) printf 'Exec="%s" %%f\n' "$APP_DIR/$NAME" ;;
    TryExec=*) printf 'TryExec=%s\n' "$APP_DIR/$NAME" ;;
    *) printf '%s\n' "$line" ;;
  esac
done < "$APP_DIR/share/applications/$NAME.desktop" > "$DATA_HOME/applications/$NAME.desktop"
chmod 644 "$DATA_HOME/applications/$NAME.desktop"

for icon in "$APP_DIR"/share/icons/hicolor/*/apps/"$NAME".*; do
  size_dir="$(basename "$(dirname "$(dirname "$icon")")")"
  install -D -m 644 "$icon" "$DATA_HOME/icons/hicolor/$size_dir/apps/$(basename "$icon")"
done

install -D -m 644 "$APP_DIR/share/mime/packages/$NAME-mime.xml" \
  "$DATA_HOME/mime/packages/$NAME-mime.xml"

# Refresh the desktop's caches; each tool is optional (minimal systems lack some).
if command -v update-mime-database >/dev/null; then
  update-mime-database "$DATA_HOME/mime" >/dev/null 2>&1 || echo "note: update-mime-database failed" >&2
fi
if command -v update-desktop-database >/dev/null; then
  update-desktop-database "$DATA_HOME/applications" >/dev/null 2>&1 || true
fi
if command -v gtk-update-icon-cache >/dev/null; then
  gtk-update-icon-cache -q -t -f "$DATA_HOME/icons/hicolor" >/dev/null 2>&1 || true
fi
if command -v xdg-mime >/dev/null; then
  xdg-mime default "$NAME.desktop" "$MIME_TYPE" >/dev/null 2>&1 || true
fi

echo "Installed LR Schedule Designer to $APP_DIR"
echo "  menu entry: $DATA_HOME/applications/$NAME.desktop"
echo "  command:    $BIN_HOME/$NAME"
case ":$PATH:" in
  *":$BIN_HOME:"*) ;;
  *) echo "  ($BIN_HOME is not on your PATH; add it to run '$NAME' from a terminal)" ;;
esac
echo "Uninstall with: $APP_DIR/uninstall-linux.sh"
