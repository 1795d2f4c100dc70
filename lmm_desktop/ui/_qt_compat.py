"""Work around a reference-count bug of PySide6 6.12 on Python 3.11.

Every ``Signal.emit()`` called from Python returns ``True`` without taking a reference, so each
emit lowers ``True``'s reference count by one; other binding paths (pyqtgraph redraws) do the same
to ``None``. Python 3.12+ never frees these objects (they are immortal), but on 3.11 a few
thousand emits (one per cursor move in pyqtgraph) drive the count to zero and the interpreter
aborts with "bool_dealloc: deallocating True or False". We give ``True``, ``False`` and ``None`` a
reference count so large that no session can exhaust it, which is what 3.12 does.
Measured: ``sys.getrefcount(True)`` drops by exactly 100 over 100 emits (tests/ui/test_qt_compat).
"""

from __future__ import annotations

import ctypes
import sys

_PINNED = 1 << 40  # ~1e12 references: a 60 fps session would need centuries to use them up


def pin_singletons() -> bool:
    """Make ``True``, ``False``, ``None`` effectively immortal on Python < 3.12 (True if done)."""
    if sys.version_info >= (3, 12):
        return False
    for obj in (True, False, None):
        refcnt = ctypes.c_ssize_t.from_address(id(obj))  # ob_refcnt is PyObject's first field
        if refcnt.value < _PINNED // 2:  # not pinned yet (or, after ages, worn down)
            refcnt.value += _PINNED
    return True
