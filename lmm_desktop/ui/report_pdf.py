"""PDF rendering of a report through Qt: ``QTextDocument`` lays out the report's HTML (the
``for_qt`` variant), charts are rasterised from SVG with ``QSvgRenderer`` and added as document
resources, and ``QPdfWriter`` writes A4 pages with a footer (patient code or name, page x of n).

Works headless with ``QT_QPA_PLATFORM=offscreen``; a ``QGuiApplication`` is created when none
exists.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QByteArray, QMarginsF, QRectF, QSizeF, Qt, QUrl
from PySide6.QtGui import (
    QColor,
    QFont,
    QGuiApplication,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QTextCursor,
    QTextDocument,
    QTextFormat,
)
from PySide6.QtSvg import QSvgRenderer

from lmm_desktop.core.errors import LmmError
from lmm_desktop.report.html import RenderedReport, render_html
from lmm_desktop.report.model import ReportModel

MARGIN_MM = 14.0
FOOTER_PX = 28.0  # document units (1/96 inch)
SOURCE_DPI = 96.0
KEEP_WITH_NEXT_PX = 110.0  # a heading needs this much room below it on its page
RASTER_SCALE = 3  # charts are rasterised at 3x their shown size (288 dpi)


class ReportWriteError(LmmError):
    """The PDF cannot be written."""


def ensure_app() -> QGuiApplication:
    """The running Qt application, or a new headless one (offscreen when there is no display)."""
    app = QGuiApplication.instance()
    if app is None:
        if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        # A QApplication (not a bare QGuiApplication): widgets may be created later in the same
        # process (the app, or GUI tests after report tests) and need the widget application.
        from PySide6.QtWidgets import QApplication

        app = QApplication([])
    return app  # type: ignore[return-value]


def rasterise_svg(svg: str, width: int, height: int, scale: int = RASTER_SCALE) -> QImage:
    """An SVG drawn into a white ``QImage`` of ``scale`` x its shown size."""
    renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
    if not renderer.isValid():
        raise ReportWriteError("A report chart could not be drawn (invalid SVG).")
    image = QImage(width * scale, height * scale, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    image.setDevicePixelRatio(scale)
    return image


def build_document(rendered: RenderedReport, width_px: float) -> QTextDocument:
    """A paginated ``QTextDocument`` of the report, ``width_px`` wide (1/96 inch units)."""
    doc = QTextDocument()
    doc.setDocumentMargin(0)
    font = QFont("DejaVu Sans")
    font.setPointSizeF(9.5)
    doc.setDefaultFont(font)
    res = QTextDocument.ResourceType.ImageResource
    for name, fig in rendered.figures.items():
        doc.addResource(res, QUrl(name), rasterise_svg(fig.svg, fig.width, fig.height))
    for name, data in rendered.images.items():
        image = QImage.fromData(data)
        if image.isNull():
            raise ReportWriteError("The 3D snapshot image in the report cannot be read as PNG.")
        doc.addResource(res, QUrl(name), image)
    doc.setHtml(rendered.html)
    doc.setTextWidth(width_px)
    return doc


def keep_headings_with_next(
    doc: QTextDocument, page_h: float, *, min_below: float = KEEP_WITH_NEXT_PX
) -> int:
    """Move a heading that would sit in the last ``min_below`` pixels of a page to the next page
    (QTextDocument ignores ``page-break-after: avoid``); returns how many were moved.

    One heading at a time, with a full re-layout after each: a page break moves everything below.
    """
    moved = 0
    block = doc.begin()
    while block.isValid():
        fmt = block.blockFormat()
        if fmt.headingLevel() > 0 and not (
            fmt.pageBreakPolicy() & QTextFormat.PageBreakFlag.PageBreak_AlwaysBefore
        ):
            top = doc.documentLayout().blockBoundingRect(block).top()
            if page_h - (top % page_h) < min_below:
                fmt.setPageBreakPolicy(QTextFormat.PageBreakFlag.PageBreak_AlwaysBefore)
                QTextCursor(block).setBlockFormat(fmt)
                doc.markContentsDirty(0, doc.characterCount())
                moved += 1
        block = block.next()
    return moved


def write_pdf(model: ReportModel, path: str | Path) -> Path:
    """Render ``model`` to an A4 PDF at ``path`` (written beside it, then renamed).

    Raises
    ------
    ReportWriteError
        The destination cannot be written.
    """
    ensure_app()
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    writer = QPdfWriter(str(tmp))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setPageMargins(
        QMarginsF(MARGIN_MM, MARGIN_MM, MARGIN_MM, MARGIN_MM), QPageLayout.Unit.Millimeter
    )
    writer.setResolution(300)
    writer.setTitle(model.title)
    writer.setCreator(model.software)
    paint = writer.pageLayout().paintRect(QPageLayout.Unit.Inch)
    page_w, page_h = paint.width() * SOURCE_DPI, paint.height() * SOURCE_DPI
    body_h = page_h - FOOTER_PX
    doc = build_document(render_html(model, for_qt=True), page_w)
    doc.setPageSize(QSizeF(page_w, body_h))
    keep_headings_with_next(doc, body_h)
    pages = doc.pageCount()
    footer = _footer_text(model)
    painter = QPainter()
    if not painter.begin(writer):
        raise ReportWriteError(f"Cannot write the PDF '{target}': the file cannot be created.")
    try:
        scale = writer.width() / page_w
        for i in range(pages):
            if i:
                writer.newPage()
            painter.save()
            painter.scale(scale, scale)
            painter.translate(0, -i * body_h)
            doc.drawContents(painter, QRectF(0, i * body_h, page_w, body_h))
            painter.restore()
            _draw_footer(painter, scale, page_w, page_h, f"{footer}    page {i + 1} of {pages}")
    finally:
        painter.end()
    try:
        os.replace(tmp, target)
    except OSError as exc:
        raise ReportWriteError(f"Cannot write the PDF '{target}': {exc.strerror}.") from exc
    return target


def _footer_text(model: ReportModel) -> str:
    p = model.patient
    who = p.identifier_code if model.options.deidentify or not p.name else p.name
    return f"{model.title}  |  {who or ''}  |  {model.generated}"


def _draw_footer(painter: QPainter, scale: float, page_w: float, page_h: float, text: str) -> None:
    painter.save()
    painter.scale(scale, scale)
    font = QFont("DejaVu Sans")
    font.setPixelSize(10)  # document units: the painter is scaled to them
    painter.setFont(font)
    painter.setPen(QColor("#555555"))
    y = page_h - FOOTER_PX + 8
    painter.drawLine(0, int(y), int(page_w), int(y))
    painter.drawText(
        QRectF(0, y + 2, page_w, FOOTER_PX - 10),
        int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
        text,
    )
    painter.restore()
