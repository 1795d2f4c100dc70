"""A SIMULATED gait-laboratory trial: a demo walk with markers and two force plates, as a C3D file.

The walk's landmarks (the app's forward kinematics of the simulated joint angles) become
Plug-in-Gait-named markers in a Z-up lab; two AMTI-sized plates (0.46 x 0.51 m) are placed under
one right and the following left footfall in the middle of the walk, and each stance on a plate
gets a ground reaction made from templates of normal walking: a double-hump vertical force
(about 1.1 body weights at the peaks, 0.75 at the valley), braking then propulsion of 0.2 body
weights along the walking direction, a small medial force, and the centre of pressure rolling
from the heel to the toe. The forces are templates, not the solution of the walk's dynamics:
the file lets the app's force-plate, kinetics and report features be seen and tried, and is
marked simulated.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from lmm_desktop.biomech.fk import builtin_forward_kinematics
from lmm_desktop.core.trial import (
    HEEL_STRIKE,
    TOE_OFF,
    Event,
    ForcePlate,
    MarkerSet,
    Provenance,
    Subject,
    Trial,
)
from lmm_desktop.io import read_trial
from lmm_desktop.io.c3d_writer import write_c3d

G = 9.81
ANALOG_PER_FRAME = 10
PLATE_X, PLATE_Y = 0.508, 0.464  # metres, along and across the walk
MARKERS = {  # Plug-in-Gait name -> body point
    "ASI": "asis", "PSI": "psis", "HJC": "hip", "KNE": "knee", "ANK": "ankle", "HEE": "heel",
    "TOE": "toe",
}


def to_lab(p: NDArray[np.float64]) -> NDArray[np.float64]:
    """OpenSim ground (X forward, Y up, Z right) -> a Z-up lab (x forward, y left, z up)."""
    return np.stack([p[..., 0], -p[..., 2], p[..., 1]], axis=-1)


def stance_forces(
    s: NDArray[np.float64], bw: float, side: str
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Ground reaction templates over stance fraction ``s`` (0..1): vertical, forward, medial
    (N), and where the centre of pressure is between heel (0) and toe (1)."""
    vert = bw * (1.18 * np.sin(np.pi * s) + 0.43 * np.sin(3 * np.pi * s))  # 1.1 / 0.75 BW
    fwd = -0.2 * bw * np.sin(2 * np.pi * s)
    medial = 0.05 * bw * np.sin(np.pi * s)
    lateral_sign = 1.0 if side == "left" else -1.0  # +y is left: the left foot's medial is -y
    return np.column_stack([fwd, -lateral_sign * medial, vert]), 0.08 + 0.84 * s


def lab_trial(mot: Path, events_json: Path, mass_kg: float, height_m: float) -> Trial:
    """The simulated walk ``mot`` with markers and two loaded force plates."""
    walk = read_trial(mot)
    assert walk.kinematics is not None
    key = mot.stem
    ev = json.loads(events_json.read_text())["trials"][key]["events"]
    events = [Event(e["label"], e["side"], float(e["time_s"]), "file") for e in ev]
    points = builtin_forward_kinematics(walk.kinematics, walk.time, height_m=height_m)
    labels, cols = [], []
    for side, s in (("L", "l"), ("R", "r")):
        for name, point in MARKERS.items():
            if points.has(f"{point}_{s}"):
                labels.append(f"{side}{name}")
                cols.append(to_lab(points.point(f"{point}_{s}")))
    markers = MarkerSet(walk.time, walk.rate_hz, labels, np.stack(cols, axis=1))
    rate = walk.rate_hz * ANALOG_PER_FRAME
    t = walk.time[0] + np.arange(walk.n_frames * ANALOG_PER_FRAME) / rate
    bw = mass_kg * G
    plates = []
    strikes = sorted((e for e in events if e.label == HEEL_STRIKE), key=lambda e: e.time_s)
    right = next(e for e in strikes if e.side == "right" and e.time_s > 1.0)
    left = next(e for e in strikes if e.side == "left" and e.time_s > right.time_s)
    rng = np.random.default_rng(7)
    for number, strike in ((1, right), (2, left)):
        off = next(
            e.time_s for e in sorted(events, key=lambda e: e.time_s)
            if e.label == TOE_OFF and e.side == strike.side and e.time_s > strike.time_s
        )
        side = strike.side or "right"
        heel = np.column_stack([np.interp(t, walk.time, c) for c in
                                markers.marker(f"{side[0].upper()}HEE").T])
        toe = np.column_stack([np.interp(t, walk.time, c) for c in
                               markers.marker(f"{side[0].upper()}TOE").T])
        mid = 0.5 * (strike.time_s + off)
        k = int(np.searchsorted(t, mid))
        centre = 0.5 * (heel[k] + toe[k])
        centre[2] = 0.0
        corners = centre + np.array([
            [PLATE_X / 2, -PLATE_Y / 2, 0], [-PLATE_X / 2, -PLATE_Y / 2, 0],
            [-PLATE_X / 2, PLATE_Y / 2, 0], [PLATE_X / 2, PLATE_Y / 2, 0],
        ])  # plate z down (x forward, y to the right), as AMTI plates are set
        on = (t >= strike.time_s) & (t <= off)
        s = np.clip((t - strike.time_s) / (off - strike.time_s), 0.0, 1.0)
        force, along = stance_forces(s, bw, side)
        grf = np.where(on[:, None], force, 0.0) + rng.normal(0.0, 1.0, (len(t), 3))
        cop = heel + along[:, None] * (toe - heel)
        cop[:, 2] = 0.0
        cop[~on] = np.nan
        plates.append(
            ForcePlate(
                number=number, plate_type=2, time=t, rate_hz=rate, grf=grf, cop=cop,
                free_moment=np.zeros(len(t)), corners=corners, up=np.array([0.0, 0.0, 1.0]),
            )
        )
    return Trial(
        time=walk.time,
        rate_hz=walk.rate_hz,
        source=None,
        kinematics=None,
        provenance=Provenance(path=None, format="c3d", trial_name=f"{key}_plates",
                              simulated=True),
        markers=markers,
        events=events,
        subject=Subject(height_m=height_m, mass_kg=mass_kg, identifier=key.split("_")[0]),
        force_plates=plates,
    )


def write_plate_demo(out: Path, source: str = "S0004_walking_01") -> Path:
    """Write ``<source>_plates.c3d`` next to the demo walk it is made from."""
    import csv

    rows = {r["trial"]: r for r in csv.DictReader((out / "labels.csv").open())}
    row = rows[source]
    trial = lab_trial(out / f"{source}.mot", out / "events.json", float(row["mass_kg"]),
                      float(row["height_m"]))
    return write_c3d(trial, out / f"{source}_plates.c3d")


__all__ = ["lab_trial", "stance_forces", "write_plate_demo"]
