"""The PySide6 6.12 / Python 3.11 emit() reference leak cannot free True or None any more."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal

import lmm_desktop.ui  # noqa: F401  (applies the fix on import)
from lmm_desktop.ui._qt_compat import pin_singletons


class _Emitter(QObject):
    fired = Signal(object)


def test_many_emits_leave_true_alive() -> None:
    em = _Emitter()
    em.fired.connect(lambda _x: None)
    for _ in range(20_000):  # more than True's natural reference count on 3.11
        em.fired.emit(em)
    assert sys.getrefcount(True) > 10**9
    assert sys.getrefcount(None) > 10**9 or sys.version_info >= (3, 12)


def test_pinning_is_idempotent() -> None:
    before = sys.getrefcount(True)
    pin_singletons()
    assert abs(sys.getrefcount(True) - before) < 1000
