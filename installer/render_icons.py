"""Render ``resources/icons/lmm-desktop.svg`` to the bitmaps PyInstaller wants.

``python installer/render_icons.py OUT_DIR`` writes ``lmm-desktop.png`` (512 px; PyInstaller
turns it into ``.icns`` on macOS when Pillow is installed) and ``lmm-desktop.ico`` (Windows,
256 px, scaled down by Windows), using Qt's SVG renderer so no extra tool is needed.
Runs headless (offscreen platform).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SVG = ROOT / "resources" / "icons" / "lmm-desktop.svg"


def main(argv: list[str] | None = None) -> int:
    """Write the icon bitmaps into the folder given as the only argument; returns 0 on success."""
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else ROOT / "build" / "icons"
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication([])
    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        print(f"cannot render the icon '{SVG}': not a valid SVG file", file=sys.stderr)
        return 1
    out.mkdir(parents=True, exist_ok=True)

    def render(size: int) -> QImage:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        renderer.render(painter)
        painter.end()
        return image

    targets = [(out / "lmm-desktop.png", 512), (out / "lmm-desktop.ico", 256)]
    for path, size in targets:
        if not render(size).save(str(path)):
            print(f"cannot write the icon '{path}'", file=sys.stderr)
            return 1
    print(f"wrote {', '.join(str(p) for p, _ in targets)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
