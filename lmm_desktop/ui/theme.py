"""Light and dark themes: one palette for Qt widgets, the 3D view and the curves.

Side colours are the same everywhere (3D bones, curves, timeline events): left is blue, right is
orange-red, so a clinician reads "blue = left" once and for all.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from lmm_desktop.core.errors import validate_choice

THEMES = ("light", "dark")

LEFT_COLOR = "#2f6fdb"  # blue
RIGHT_COLOR = "#e8590c"  # orange-red
CONTACT_COLOR = "#2fb344"  # green: foot on the ground

STATUS_COLORS = {  # metric vs normative status -> background colour
    "normal": "#2fb344",
    "low": "#f59f00",
    "high": "#f59f00",
    "unknown": "#868e96",
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


def apply_theme(app: QApplication, name: str) -> Theme:
    """Apply the Fusion style with the theme's palette to ``app``; return the theme."""
    theme = get_theme(name)
    app.setStyle("Fusion")
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
