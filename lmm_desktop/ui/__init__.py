"""The desktop user interface: the only package that imports PySide6, vispy or pyqtgraph."""

from lmm_desktop.ui._qt_compat import pin_singletons

pin_singletons()
