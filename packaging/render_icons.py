"""Render the application icon's PNG sizes (and .ico/.icns) from the SVG master.

    python packaging/render_icons.py

The PNGs are committed under resources/icons/hicolor/, so a build never needs this script;
run it again after editing resources/lr-designer.svg. Qt renders the SVG (QtSvg ships with
PySide6-Essentials), so no rsvg/inkscape is needed.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MASTER = ROOT / "resources" / "lr-designer.svg"
HICOLOR = ROOT / "resources" / "icons" / "hicolor"
# The sizes desktop environments look up in the hicolor theme (menus, docks, alt-tab, file
# managers); scalable/ carries the SVG for everything in between.
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)


def render(renderer, size: int):
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QPainter

    image = QImage(size, size, QImage.Format_ARGB32_Premultiplied)
    image.fill(Qt.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.Antialiasing)
    painter.setRenderHint(QPainter.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    return image


def ico_bytes(images) -> bytes:
    """A Windows .ico holding every size as a PNG entry (Qt's ico writer stores only one)."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice

    payloads = []
    for image in images:
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.WriteOnly)
        image.save(buffer, "PNG")
        buffer.close()
        payloads.append((image.width(), bytes(data)))
    header = struct.pack("<HHH", 0, 1, len(payloads))
    offset = len(header) + 16 * len(payloads)
    entries, blobs = b"", b""
    for size, png in payloads:
        side = 0 if size >= 256 else size  # 0 means 256 in an ICONDIRENTRY
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(png), offset)
        blobs += png
        offset += len(png)
    return header + entries + blobs


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication, QImageWriter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 - Qt needs it
    renderer = QSvgRenderer(str(MASTER))
    if not renderer.isValid():
        print(f"cannot read {MASTER}", file=sys.stderr)
        return 1
    images = {}
    for size in SIZES:
        out = HICOLOR / f"{size}x{size}" / "apps" / "lr-designer.png"
        out.parent.mkdir(parents=True, exist_ok=True)
        images[size] = render(renderer, size)
        if not images[size].save(str(out), "PNG"):
            print(f"cannot write {out}", file=sys.stderr)
            return 1
        print(out.relative_to(ROOT))
    scalable = HICOLOR / "scalable" / "apps" / "lr-designer.svg"
    scalable.parent.mkdir(parents=True, exist_ok=True)
    scalable.write_bytes(MASTER.read_bytes())
    print(scalable.relative_to(ROOT))
    ico = ROOT / "resources" / "lr-designer.ico"
    ico.write_bytes(ico_bytes([images[size] for size in ICO_SIZES]))
    print(ico.relative_to(ROOT))
    # macOS wants .icns for the bundle; Qt's icns plugin writes it (absent on some builds).
    icns = ROOT / "resources" / "lr-designer.icns"
    if b"icns" in {bytes(f) for f in QImageWriter.supportedImageFormats()}:
        writer = QImageWriter(str(icns), b"icns")
        if not writer.write(images[512]):
            print(f"cannot write {icns}: {writer.errorString()}", file=sys.stderr)
            return 1
        print(icns.relative_to(ROOT))
    else:
        print(f"skipped {icns.name}: this Qt has no icns writer", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
