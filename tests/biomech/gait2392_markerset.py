"""The tutorial marker set of gait2392 (body, location in metres), for the IK fixture test.

Transcribed from opensim-org/opensim-models @a26e12c :
Pipelines/Gait2392_Simbody/gait2392_Scale_MarkerSet.xml (ships with OpenSim, Apache-2.0). The
shared gait2392 .osim fixture carries no markers; the tutorial adds this set before IK.
"""

from __future__ import annotations

_RIGHT = {
    "ASIS": ("pelvis", (0.02, 0.03, 0.128)),
    "Acromium": ("torso", (-0.03, 0.44, 0.15)),
    "Thigh.Upper": ("femur", (0.018, -0.2, 0.064)),
    "Thigh.Front": ("femur", (0.08, -0.25, 0.0047)),
    "Thigh.Rear": ("femur", (0.01, -0.3, 0.06)),
    "Knee.Lat": ("femur", (0.0, -0.404, 0.05)),
    "Knee.Med": ("femur", (0.0, -0.404, -0.05)),
    "Shank.Upper": ("tibia", (0.005, -0.065, 0.05)),
    "Shank.Front": ("tibia", (0.05, -0.08, 0.0)),
    "Shank.Rear": ("tibia", (0.02, -0.13, 0.05)),
    "Ankle.Lat": ("tibia", (-0.005, -0.41, 0.053)),
    "Ankle.Med": ("tibia", (0.006, -0.3888, -0.038)),
    "Heel": ("calcn", (-0.02, 0.02, 0.0)),
    "Midfoot.Sup": ("calcn", (0.13, 0.03, -0.03)),
    "Midfoot.Lat": ("calcn", (0.1, 0.02, 0.04)),
    "Toe.Lat": ("calcn", (0.19, 0.0, 0.065)),
    "Toe.Med": ("calcn", (0.19, 0.005, -0.04)),
    "Toe.Tip": ("calcn", (0.26, 0.005, 0.0)),
}
_SEGMENT_BODIES = {"femur", "tibia", "calcn"}

GAIT2392_MARKERS: dict[str, tuple[str, tuple[float, float, float]]] = {
    "Sternum": ("torso", (0.07, 0.3, 0.0)),
    "Top.Head": ("torso", (0.00084, 0.657, 0.0)),
    "V.Sacral": ("pelvis", (-0.16, 0.04, 0.0)),
}
for _name, (_body, (_x, _y, _z)) in _RIGHT.items():
    _sided = _body in _SEGMENT_BODIES
    GAIT2392_MARKERS[f"R.{_name}"] = (f"{_body}_r" if _sided else _body, (_x, _y, _z))
    # The file's left side mirrors the right (z negated), except L.Shank.Rear's x (-0.02).
    _lx = -0.02 if _name == "Shank.Rear" else _x
    GAIT2392_MARKERS[f"L.{_name}"] = (f"{_body}_l" if _sided else _body, (_lx, _y, -_z))
