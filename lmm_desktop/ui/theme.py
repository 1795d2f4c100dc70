"""Light and dark themes: one palette for Qt widgets, the 3D view and the curves.

Side colours are the same everywhere (3D bones, curves, timeline events): left is blue, right is
orange-red, so a clinician reads "blue = left" once and for all.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPalette, QPen
from PySide6.QtWidgets import QApplication, QProxyStyle, QStyle, QStyleOption, QWidget

from lmm_desktop.core.errors import validate_choice

THEMES = ("light", "dark")

LEFT_COLOR = "#2f6fdb"  # blue
RIGHT_COLOR = "#e8590c"  # orange-red
CONTACT_COLOR = "#2fb344"  # green: foot on the ground

STATUS_COLORS = {  # metric vs normative status -> background colour (none: no normal range)
    "normal": "#2fb344",
    "low": "#f59f00",
    "high": "#f59f00",
}
SEVERITY_COLORS = {"info": "#868e96", "warning": "#f59f00", "error": "#e03131"}


@dataclass(frozen=True)
class Theme:
    """Colours of one theme (hex strings)."""

    name: str
    window: str
    base: str
    text: str
    mid: str
    highlight: str
    canvas_bg: str
    floor: str
    torso: str
    head: str
    marker: str
    cursor: str
    roi: str

    def group_color(self, group: str) -> str:
        """Colour of a body-segment group (``SEGMENT_GROUPS`` of core.body)."""
        if group.startswith("left"):
            return LEFT_COLOR
        if group.startswith("right"):
            return RIGHT_COLOR
        return self.head if group == "head" else self.torso


LIGHT = Theme(
    name="light",
    window="#f3f4f6",
    base="#ffffff",
    text="#1b1f24",
    mid="#c9ced6",
    highlight="#2f6fdb",
    canvas_bg="#eef1f5",
    floor="#9aa3ad",
    torso="#495057",
    head="#6c757d",
    marker="#7048e8",
    cursor="#d6336c",
    roi="#2f6fdb",
)
DARK = Theme(
    name="dark",
    window="#1f2329",
    base="#16191d",
    text="#e6e8eb",
    mid="#3a4048",
    highlight="#4c8dff",
    canvas_bg="#121417",
    floor="#4a525c",
    torso="#ced4da",
    head="#adb5bd",
    marker="#b197fc",
    cursor="#f06595",
    roi="#4c8dff",
)


def get_theme(name: str) -> Theme:
    """The :class:`Theme` called ``name`` ('light' or 'dark')."""
    validate_choice("theme", name, THEMES)
    return LIGHT if name == "light" else DARK


def _mix(a: QColor, b: QColor, t: float) -> QColor:
    """``a`` blended towards ``b`` by ``t`` (0..1)."""
    return QColor.fromRgbF(
        a.redF() + (b.redF() - a.redF()) * t,
        a.greenF() + (b.greenF() - a.greenF()) * t,
        a.blueF() + (b.blueF() - a.blueF()) * t,
    )


class ThemeStyle(QProxyStyle):
    """Fusion, with check boxes drawn from the palette so they show on both themes.

    Fusion outlines a check box in a darker shade of the window colour, which vanishes on a dark
    background: the unchecked joints of the joint picker looked like plain text.
    """

    _CHECKS = (
        QStyle.PrimitiveElement.PE_IndicatorCheckBox,
        QStyle.PrimitiveElement.PE_IndicatorItemViewItemCheck,
    )

    def __init__(self) -> None:
        super().__init__("Fusion")

    def drawPrimitive(
        self,
        element: QStyle.PrimitiveElement,
        option: QStyleOption,
        painter: QPainter,
        widget: QWidget | None = None,
    ) -> None:
        if element in self._CHECKS:
            draw_check(painter, option)
            return
        super().drawPrimitive(element, option, painter, widget)


def draw_check(painter: QPainter, option: QStyleOption) -> None:
    """A check box: a clear outline, filled with the highlight colour and a tick when on."""
    pal = option.palette
    text, base = pal.color(QPalette.ColorRole.Text), pal.color(QPalette.ColorRole.Base)
    enabled = bool(option.state & QStyle.StateFlag.State_Enabled)
    on = bool(option.state & QStyle.StateFlag.State_On)
    partial = bool(option.state & QStyle.StateFlag.State_NoChange)
    side = min(option.rect.width(), option.rect.height(), 16) - 2
    r = QRectF(0, 0, side, side)
    r.moveCenter(QRectF(option.rect).center())
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    fill = pal.color(QPalette.ColorRole.Highlight) if (on or partial) and enabled else base
    painter.setPen(QPen(_mix(text, base, 0.45 if enabled else 0.7), 1.2))
    painter.setBrush(fill)
    painter.drawRoundedRect(r, 2.5, 2.5)
    painter.setPen(QPen(QColor("#ffffff") if enabled else text, 2.0))
    if on:
        tick = QPainterPath(QPointF(r.left() + 0.22 * side, r.top() + 0.52 * side))
        tick.lineTo(QPointF(r.left() + 0.42 * side, r.top() + 0.72 * side))
        tick.lineTo(QPointF(r.left() + 0.78 * side, r.top() + 0.3 * side))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(tick)
    elif partial:
        y = r.center().y()
        painter.drawLine(QPointF(r.left() + 0.25 * side, y), QPointF(r.right() - 0.25 * side, y))
    painter.restore()


_STYLES: list[ThemeStyle] = []  # the application owns the style; keep the wrapper alive too


def apply_theme(app: QApplication, name: str) -> Theme:
    """Apply :class:`ThemeStyle` (Fusion) with the theme's palette to ``app``; return the theme."""
    theme = get_theme(name)
    if not _STYLES or app.style() is not _STYLES[-1]:
        _STYLES.append(ThemeStyle())
        app.setStyle(_STYLES[-1])
    pal = QPalette()
    roles = {
        QPalette.ColorRole.Window: theme.window,
        QPalette.ColorRole.WindowText: theme.text,
        QPalette.ColorRole.Base: theme.base,
        QPalette.ColorRole.AlternateBase: theme.window,
        QPalette.ColorRole.Text: theme.text,
        QPalette.ColorRole.Button: theme.window,
        QPalette.ColorRole.ButtonText: theme.text,
        QPalette.ColorRole.ToolTipBase: theme.base,
        QPalette.ColorRole.ToolTipText: theme.text,
        QPalette.ColorRole.Highlight: theme.highlight,
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.Mid: theme.mid,
        QPalette.ColorRole.PlaceholderText: theme.mid,
    }
    for role, hexcol in roles.items():
        pal.setColor(role, QColor(hexcol))
    pal.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, QColor(theme.mid))
    pal.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, QColor(theme.mid))
    app.setPalette(pal)
    return theme
