"""A simulated movement before and after it is placed on the floor.

Generators (walking, clinical tests) produce a :class:`Draft`: joint angles, the pelvis orientation
relative to the walking direction, the heading, and which foot touches the floor. :func:`place`
turns it into canonical pelvis rotation and translation so that loaded feet do not slide: the
pelvis moves by minus the load-weighted displacement of the feet's contact points, and sits at the
height that puts the loaded contact points on the floor.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from lmm_desktop.core.canonical import N_JOINTS
from training.simulate.skeleton import foot_points, pelvis_euler_with_heading

Array = NDArray[np.float64]
SIDES = ("right", "left")


@dataclass
class Draft:
    """Joint angles and floor contact of a simulated trial (not yet placed in the room)."""

    rate_hz: float
    angles: Array
    """``(n, 34)`` canonical joint angles, degrees."""
    pelvis_body: Array
    """``(n, 3)`` pelvis tilt, list, rotation relative to the heading, degrees."""
    heading: Array
    """``(n,)`` walking direction about ground Y, radians (0 = +X, positive = to the left)."""
    contact: NDArray[np.bool_]
    """``(n, 2)`` True where the right (col 0) / left (col 1) foot is on the floor."""
    events: list[tuple[str, str, float]] = field(default_factory=list)
    """Ground-truth events ``(label, side, time_s)``: heel_strike / toe_off."""
    phases: list[tuple[str, float, float]] = field(default_factory=list)
    """Ground-truth phases ``(name, start_s, end_s)`` of clinical tests."""

    def __post_init__(self) -> None:
        n = self.angles.shape[0]
        if self.angles.shape != (n, N_JOINTS) or self.pelvis_body.shape != (n, 3):
            raise ValueError("Draft arrays must be (n, 34) angles and (n, 3) pelvis angles")
        if self.heading.shape != (n,) or self.contact.shape != (n, 2):
            raise ValueError("Draft heading must be (n,) and contact (n, 2)")

    @property
    def n_frames(self) -> int:
        return int(self.angles.shape[0])

    @property
    def time(self) -> Array:
        return np.arange(self.n_frames) / self.rate_hz

    @staticmethod
    def concat(parts: list[Draft]) -> Draft:
        """Join drafts end to end; event and phase times of later parts are shifted."""
        rate = parts[0].rate_hz
        events: list[tuple[str, str, float]] = []
        phases: list[tuple[str, float, float]] = []
        t0 = 0.0
        for p in parts:
            events += [(lab, side, t + t0) for lab, side, t in p.events]
            phases += [(nm, a + t0, b + t0) for nm, a, b in p.phases]
            t0 += p.n_frames / rate
        return Draft(
            rate_hz=rate,
            angles=np.concatenate([p.angles for p in parts]),
            pelvis_body=np.concatenate([p.pelvis_body for p in parts]),
            heading=np.concatenate([p.heading for p in parts]),
            contact=np.concatenate([p.contact for p in parts]),
            events=events,
            phases=phases,
        )


@dataclass
class Placed:
    """A draft placed in the room: canonical pelvis pose and world foot points."""

    pelvis_rotation: Array
    """``(n, 3)`` OpenSim pelvis tilt, list, rotation, degrees."""
    pelvis_translation: Array
    """``(n, 3)`` metres, Y up."""
    feet: Array
    """``(n, 2, 2, 3)`` metres: [frame, side (right, left), point (heel, toe), xyz]."""
    contact: NDArray[np.bool_]
    """``(n, 2)`` floor contact after placing (the ground truth for events)."""


def _smoothstep(x: Array) -> Array:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


def _runs(mask: NDArray[np.bool_]) -> list[tuple[int, int]]:
    """``[start, stop)`` index pairs of the True runs of a 1-D mask."""
    d = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(d == 1).tolist(), np.flatnonzero(d == -1).tolist()))


def load_weights(contact: NDArray[np.bool_], rate_hz: float, max_ramp_s: float = 0.4) -> Array:
    """``(n, 2)`` share of body weight on each foot: cross-fades over double support."""
    n = contact.shape[0]
    w = np.zeros((n, 2))
    cap = max(1.0, max_ramp_s * rate_hz)
    idx = np.arange(n, dtype=float)
    for f in (0, 1):
        other = contact[:, 1 - f]
        other_runs = _runs(other)
        for i0, i1 in _runs(contact[:, f]):
            ramp_on = ramp_off = 0.0
            if i0 > 0 and other[i0]:
                end = next(b for a, b in other_runs if a <= i0 < b)
                ramp_on = float(np.clip(end - i0, 1, cap))
            if i1 < n and other[i1 - 1]:
                start = next(a for a, b in other_runs if a <= i1 - 1 < b)
                ramp_off = float(np.clip(i1 - start, 1, cap))
            seg = idx[i0:i1]
            up = _smoothstep((seg - i0 + 1) / ramp_on) if ramp_on else np.ones(i1 - i0)
            down = _smoothstep((i1 - seg) / ramp_off) if ramp_off else np.ones(i1 - i0)
            w[i0:i1, f] = np.maximum(up * down, 1e-4)
    return w


def _contact_point_weights(feet_rel: Array, sharpness_m: float = 0.008) -> Array:
    """``(n, 2, 2)`` soft choice of heel vs toe as the point touching the floor (lowest wins)."""
    y = feet_rel[..., 1]  # (n, 2, 2)
    q = np.exp(-(y - y.min(axis=2, keepdims=True)) / sharpness_m)
    return q / q.sum(axis=2, keepdims=True)


def _integrate(
    rel: Array, contact: NDArray[np.bool_], rate_hz: float, start_xz: tuple[float, float]
) -> Array:
    """``(n, 3)`` pelvis translation that keeps the loaded contact points still and on the floor."""
    w = load_weights(contact, rate_hz)  # (n, 2)
    if not np.all(w.sum(axis=1) > 0):
        raise ValueError("simulated motion has frames with no foot on the floor")
    q = _contact_point_weights(rel)  # (n, 2, 2)
    d_rel = np.diff(rel, axis=0)  # (n-1, 2, 2, 3)
    q_mid = 0.5 * (q[1:] + q[:-1])
    w_mid = 0.5 * (w[1:] + w[:-1])
    d_contact = np.einsum("nfp,nfpk->nfk", q_mid, d_rel)  # (n-1, 2, 3)
    step = -np.einsum("nf,nfk->nk", w_mid, d_contact) / w_mid.sum(axis=1)[:, None]
    trans = np.zeros((rel.shape[0], 3))
    trans[1:, 0] = np.cumsum(step[:, 0])
    trans[1:, 2] = np.cumsum(step[:, 2])
    trans[:, 0] += start_xz[0]
    trans[:, 2] += start_xz[1]
    # vertical: loaded contact points on the floor; the swing foot never goes below it
    y_contact = np.einsum("nfp,nfp->nf", q, rel[..., 1])  # (n, 2)
    ty = -(w * y_contact).sum(axis=1) / w.sum(axis=1)
    trans[:, 1] = np.maximum(ty, -rel[..., 1].min(axis=(1, 2)))
    return trans


def place(draft: Draft, height_m: float, start_xz: tuple[float, float] = (0.0, 0.0)) -> Placed:
    """Derive the pelvis pose so loaded feet stay put and the lowest loaded point is on the floor.

    Parameters
    ----------
    draft
        Angles, body-relative pelvis angles, heading and planned contact.
    height_m
        Participant height (segment lengths scale with it).
    start_xz
        Pelvis position on the floor at the first frame (metres).
    """
    rot = pelvis_euler_with_heading(draft.pelvis_body, draft.heading)  # (n, 3) deg
    rel = foot_points(draft.angles, rot, height_m)  # (n, 2, 2, 3) relative to the pelvis
    contact = draft.contact.copy()
    # stride-time jitter can leave a frame or two with neither foot planned down (a "flight");
    # walking has none, so the lower foot carries the body there
    airborne = ~contact.any(axis=1)
    if airborne.any():
        lower = rel[airborne][..., 1].min(axis=2).argmin(axis=1)  # (k,) 0 right / 1 left
        contact[np.flatnonzero(airborne), lower] = True
    trans = _integrate(rel, contact, draft.rate_hz, start_xz)
    feet = rel + trans[:, None, None, :]
    return Placed(pelvis_rotation=rot, pelvis_translation=trans, feet=feet, contact=contact)


def stance_drift(placed: Placed, on_floor_m: float = 0.01) -> Array:
    """Horizontal slide of each stance foot while it touches the floor (metres), per stance.

    The heel is followed in the first half of each contact period and the toe in the second half,
    over the frames where that point is within ``on_floor_m`` of the floor; the value is the larger
    of the two horizontal excursions.
    """
    out = []
    for f in (0, 1):
        for i0, i1 in _runs(placed.contact[:, f]):
            if i1 - i0 < 4:
                continue
            mid = (i0 + i1) // 2
            worst = 0.0
            for point, a, b in ((0, i0, mid), (1, mid, i1)):
                xyz = placed.feet[a:b, f, point]  # (k, 3)
                xz = xyz[xyz[:, 1] < on_floor_m][:, [0, 2]]
                if len(xz) > 1:
                    worst = max(worst, float(np.linalg.norm(xz - xz[0], axis=1).max()))
            out.append(worst)
    return np.asarray(out)
