"""A side view of the body at a few instants, drawn from the forward-kinematics body points (the
headless stand-in for a 3D-view screenshot)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from lmm_desktop.core.body import BodyPoints
from lmm_desktop.core.style import LEFT_COLOUR, RIGHT_COLOUR
from lmm_desktop.core.trial import HEEL_STRIKE, Event
from lmm_desktop.report.svg import stick_figures

GROUP_COLOURS = {
    "right_leg": RIGHT_COLOUR,
    "right_arm": RIGHT_COLOUR,
    "left_leg": LEFT_COLOUR,
    "left_arm": LEFT_COLOUR,
    "torso": "#555555",
    "head": "#555555",
}


def _direction(points: BodyPoints) -> np.ndarray:
    """Unit horizontal walking direction: net pelvis travel, else +X (treadmill, in place)."""
    pelvis = points.point("pelvis")  # (n, 3) metres
    ok = np.flatnonzero(np.all(np.isfinite(pelvis), axis=1))
    if ok.size >= 2:
        d = pelvis[ok[-1]] - pelvis[ok[0]]
        d[1] = 0.0
        if np.linalg.norm(d) > 0.3:
            return d / np.linalg.norm(d)
    return np.array([1.0, 0.0, 0.0])


def snapshot_frames(
    points: BodyPoints, events: Sequence[Event], n: int = 6
) -> tuple[list[int], list[str]]:
    """Frames to draw and their labels: ``n`` instants over the first right stride when there is
    one (labelled in % of the cycle), else evenly over the trial (labelled in seconds)."""
    t = points.time
    hs = sorted(e.time_s for e in events if e.label == HEEL_STRIKE and e.side == "right")
    if len(hs) >= 2 and hs[1] - hs[0] < 3.0:
        pct = np.linspace(0.0, 100.0, n, endpoint=False)
        times = hs[0] + pct / 100.0 * (hs[1] - hs[0])
        frames = [int(np.clip(np.searchsorted(t, x), 0, len(t) - 1)) for x in times]
        return frames, [
            f"{p:.0f}% (right cycle)" if i == 0 else f"{p:.0f}%" for i, p in enumerate(pct)
        ]
    frames = np.linspace(0, len(t) - 1, n).round().astype(int).tolist()
    return frames, [f"{t[f]:.1f} s" for f in frames]


def side_view_svg(
    points: BodyPoints,
    events: Sequence[Event] = (),
    *,
    n: int = 6,
    width: int = 640,
    height: int = 210,
) -> tuple[str, str]:
    """SVG of the body seen from the side at ``n`` instants, and its caption."""
    d = _direction(points)
    frames, labels = snapshot_frames(points, events, n)
    floor = float(np.nanpercentile(points.positions[:, :, 1], 0.5))
    poses = []
    for f in frames:
        pos = points.positions[f]  # (n_points, 3) metres
        pose = {
            name: (float(pos[i] @ d), float(pos[i, 1] - floor))
            for i, name in enumerate(points.names)
        }
        poses.append(pose)
    svg = stick_figures(
        poses, points.segments, GROUP_COLOURS, labels=labels, width=width, height=height
    )
    how = (
        "from the markers (the hip centres estimated)"
        if points.source == "markers"
        else f"from the joint angles through forward kinematics ({points.source} model)"
    )
    caption = f"Side view of the body at six instants (right side orange, left side blue), {how}."

    return svg, caption


def squat_view_svg(
    points: BodyPoints,
    repetition: tuple[float, float, float],
    *,
    width: int = 640,
    height: int = 210,
) -> tuple[str, str]:
    """SVG of one squat repetition (``(start, lowest, end)`` seconds): seen from the side while
    standing, lowering, at the lowest point and rising, then from the front standing and at the
    lowest point (where the knees' alignment shows), and its caption."""
    t = points.time
    start, low, end = repetition

    def frame(x: float) -> int:
        return int(np.clip(np.searchsorted(t, x), 0, len(t) - 1))

    hips = points.point("hip_l") - points.point("hip_r")  # (n, 3) right to left
    seg = hips[frame(start) : frame(end) + 1]
    seg = seg[np.all(np.isfinite(seg), axis=1)]
    lat = np.array([0.0, 0.0, -1.0]) if not len(seg) else seg.mean(axis=0)
    lat[1] = 0.0
    lat = lat / (np.linalg.norm(lat) or 1.0)
    fwd = np.cross(lat, np.array([0.0, 1.0, 0.0]))  # left x up = forward
    floor = float(np.nanpercentile(points.positions[:, :, 1], 0.5))
    views = [
        (start, fwd, "standing (side)"),
        ((start + low) / 2, fwd, "lowering"),
        (low, fwd, "lowest"),
        ((low + end) / 2, fwd, "rising"),
        (start, lat, "standing (front)"),  # seen from the front: the right side on the left
        (low, lat, "lowest (front)"),
    ]
    poses, labels = [], []
    for when, axis, label in views:
        pos = points.positions[frame(when)]  # (n_points, 3) metres
        poses.append({
            name: (float(pos[i] @ axis), float(pos[i, 1] - floor))
            for i, name in enumerate(points.names)
        })
        labels.append(f"{label} {when:.1f} s")
    svg = stick_figures(
        poses, points.segments, GROUP_COLOURS, labels=labels, width=width, height=height
    )
    caption = (
        f"The first squat repetition ({start:.2f}-{end:.2f} s) seen from the side, then from "
        "the front standing and at the lowest point (right side orange, left side blue; the "
        "front view shows the knees' alignment over the feet)."
    )
    return svg, caption
