"""Turn an analysis result into plain rows the panels show (no Qt here).

The analysis package owns :class:`AnalysisResult`; this module reads it through a few attribute
names so the panels stay simple tables of strings and a status word.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from lmm_desktop.core.trial import Event


@dataclass(frozen=True)
class MetricRow:
    """One spatiotemporal parameter: values by side, normal range, status per side."""

    name: str
    unit: str
    left: float | None
    right: float | None
    overall: float | None
    normal: str
    status: str  # 'normal' | 'low' | 'high' | 'abnormal' | 'unknown'


@dataclass(frozen=True)
class TestRow:
    """One clinical test timing."""

    name: str
    value: str
    detail: str


@dataclass(frozen=True)
class FlagRow:
    """One data-quality flag."""

    severity: str
    message: str


def _get(obj: Any, *names: str, default: Any = None) -> Any:
    for n in names:
        if isinstance(obj, Mapping) and n in obj:
            return obj[n]
        if hasattr(obj, n):
            return getattr(obj, n)
    return default


def _num(x: Any) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if np.isfinite(v) else None


def _items(x: Any) -> list[Any]:
    if x is None:
        return []
    if isinstance(x, Mapping):
        return [
            {"name": k, **v} if isinstance(v, Mapping) else {"name": k, "value": v}
            for k, v in x.items()
        ]
    rows = _get(x, "rows", "parameters", "items")
    if rows is not None and not isinstance(x, list | tuple):
        return _items(rows)
    return list(x) if isinstance(x, Iterable) else []


def metric_rows(result: Any) -> list[MetricRow]:
    """Spatiotemporal rows of ``result`` (empty when it has none)."""
    out = []
    for item in _items(_get(result, "spatiotemporal", "spatiotemporal_table")):
        name = str(_get(item, "label", "name", "parameter", default="?"))
        lo, hi = _num(_get(item, "normal_low", "low")), _num(_get(item, "normal_high", "high"))
        normal = str(_get(item, "normal", "normal_range", default="") or "")
        if not normal and lo is not None and hi is not None:
            normal = f"{lo:.3g}–{hi:.3g}"
        out.append(
            MetricRow(
                name=name.replace("_", " "),
                unit=str(_get(item, "unit", default="") or ""),
                left=_num(_get(item, "left")),
                right=_num(_get(item, "right")),
                overall=_num(_get(item, "value", "overall", "mean", "both")),
                normal=normal,
                status=str(_get(item, "status", default="unknown") or "unknown"),
            )
        )
    return out


def test_rows(result: Any) -> list[TestRow]:
    """Clinical test timings of ``result``."""
    out = []
    for item in _items(_get(result, "clinical_tests", "tests")):
        name = str(_get(item, "test", "name", default="?")).replace("_", " ")
        dur = _num(_get(item, "duration_s", "value"))
        reason = _get(item, "reason")
        reps = _get(item, "repetitions")
        value = f"{dur:.2f} s" if dur is not None else "not timed"
        detail = str(reason) if reason else (f"{reps} repetitions" if reps else "")
        if _get(item, "overridden"):
            detail = (detail + "; set by hand").strip("; ")
        out.append(TestRow(name=name.capitalize(), value=value, detail=detail))
    return out


def flag_rows(result: Any) -> list[FlagRow]:
    """Data-quality flags of ``result``."""
    out = []
    for item in _items(_get(result, "quality", "quality_flags", "flags")):
        if isinstance(item, str):
            out.append(FlagRow("warning", item))
            continue
        out.append(
            FlagRow(
                str(_get(item, "severity", "level", default="warning")),
                str(_get(item, "message", "text", "value", default=item)),
            )
        )
    return out


def result_events(result: Any) -> list[Event] | None:
    """The events the analysis used (file + detected, or the override), if it reports them."""
    evs = _get(result, "events")
    evs = _get(evs, "events", default=evs) if evs is not None else None
    if evs is None:
        return None
    return [e for e in evs if isinstance(e, Event)]


def normative_bands(result: Any) -> dict[str, tuple[Any, Any, Any]]:
    """``{joint base name: (percent, low, high)}`` from the result's curves vs norms, if any."""
    bands: dict[str, tuple[Any, Any, Any]] = {}
    for item in _items(_get(result, "normative", "curves", "bands")):
        name = _get(item, "joint", "name", "variable")
        pct = _get(item, "percent", "pct")
        lo, hi = _get(item, "low", "lower"), _get(item, "high", "upper")
        if name is None or pct is None or lo is None or hi is None:
            continue
        base = str(name).removesuffix("_r").removesuffix("_l")
        bands.setdefault(
            base, (np.asarray(pct, float), np.asarray(lo, float), np.asarray(hi, float))
        )
    return bands
