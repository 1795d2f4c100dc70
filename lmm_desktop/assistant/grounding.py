"""Measured values as the assistant sees them: flat keys shared with the task registry's
``measured_key`` (e.g. ``spatiotemporal.speed_m_s``), and the sentence the grounded prompt
variant adds."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

MEASURED_LABELS: dict[str, tuple[str, str]] = {
    "spatiotemporal.speed_m_s": ("walking speed", "m/s"),
    "spatiotemporal.cadence_steps_min": ("cadence", "steps/min"),
    "clinical_tests.tug.duration_s": ("TUG time", "s"),
    "clinical_tests.fsst.duration_s": ("FSST time", "s"),
    "clinical_tests.sts5.duration_s": ("five-times sit-to-stand time", "s"),
}


def measured_sentence(measured: Mapping[str, float | None]) -> str:
    """"Measured by the gait analysis: walking speed 1.2 m/s, cadence 108.0 steps/min." or ''."""
    parts = []
    for key, (label, unit) in MEASURED_LABELS.items():
        val = measured.get(key)
        if val is not None and math.isfinite(val):
            parts.append(f"{label} {val:.1f} {unit}")
    return ("Measured by the gait analysis: " + ", ".join(parts) + ".") if parts else ""


def _value(entry: Any) -> float | None:
    if isinstance(entry, dict):
        entry = entry.get("value")
    if isinstance(entry, int | float) and math.isfinite(float(entry)):
        return float(entry)
    return None


def flatten_analysis(result: Mapping[str, Any]) -> dict[str, float]:
    """Flat measured values from ``AnalysisResult.to_dict()`` (keys of MEASURED_LABELS)."""
    out: dict[str, float] = {}
    st = result.get("spatiotemporal") or {}
    for key in ("speed_m_s", "cadence_steps_min"):
        v = _value(st.get(key))
        if v is not None:
            out[f"spatiotemporal.{key}"] = v
    aliases = {"tug": "tug", "timed_up_and_go": "tug", "fsst": "fsst",
               "four_square_step_test": "fsst", "sts5": "sts5", "five_times_sit_to_stand": "sts5"}
    for test in result.get("clinical_tests") or []:
        name = aliases.get(str(test.get("test", "")).lower().replace(" ", "_").replace("-", "_"))
        v = _value(test.get("duration_s"))
        if name and v is not None:
            out[f"clinical_tests.{name}.duration_s"] = v
    return out
