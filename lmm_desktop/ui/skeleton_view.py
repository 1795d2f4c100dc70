"""SkeletonView: the 3D stick figure (vispy SceneCanvas inside Qt).

Three draw calls per frame, because on software GL each visual costs about a millisecond of
overhead: one ``Line`` for every bone (per-vertex colours by group), one ``Markers`` for the joints
and the foot-contact dots, and the floor as plain line segments (the GridLines visual is several
times slower on software GL). A fourth ``Markers`` shows the raw markers when the trial has them.
Per frame only vertex data is updated; visuals are created once per trial.

Following the pelvis moves the geometry, not the camera: the pelvis offset is subtracted from the
vertices we upload anyway, which is free, while moving the camera recomputes every visual's
transform (about 1 ms a frame).

Coordinates: trials are in the OpenSim ground frame (X forward, Y up, Z right); vispy's turntable
camera wants Z up, so points are mapped with ``(x, y, z) -> (x, -z, y)`` (a proper rotation).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QVBoxLayout, QWidget
from vispy import scene
from vispy.color import Color

from lmm_desktop.analysis.markers import lab_rotation
from lmm_desktop.core.body import BodyPoints
from lmm_desktop.core.trial import HEEL_STRIKE, TOE_OFF, Event, ForcePlate, MarkerSet
from lmm_desktop.ui.theme import CONTACT_COLOR, LIGHT, Theme

#: name -> (azimuth, elevation) in degrees; the subject faces +X (OpenSim), i.e. azimuth 90.
CAMERA_PRESETS: dict[str, tuple[float, float]] = {
    "front": (90.0, 5.0),
    "back": (-90.0, 5.0),
    "left": (180.0, 5.0),
    "right": (0.0, 5.0),
    "top": (90.0, 89.0),
    "iso": (50.0, 22.0),
}
PRESET_ORDER = ("front", "back", "left", "right", "top", "iso")

#: fraction of the view height the standing body fills after :meth:`SkeletonView.reset_camera`
BODY_FILL = 0.65
#: a trial whose pelvis travels farther than this (metres) is a walking trial: follow the pelvis
WALKING_TRAVEL_M = 1.5

_FOOT = ("ankle", "heel", "toe", "mtp")
_GRID_STEP_M = 0.5
_JOINT_SIZE, _CONTACT_SIZE = 8.0, 12.0


def to_view(p: NDArray[np.float64]) -> NDArray[np.float32]:
    """OpenSim ground frame (Y up) -> vispy frame (Z up); ``(..., 3)`` metres in and out."""
    out = np.empty(p.shape, dtype=np.float32)
    out[..., 0] = p[..., 0]
    out[..., 1] = -p[..., 2]
    out[..., 2] = p[..., 1]
    return out


def stance_intervals(events: list[Event], side: str, t_end: float) -> list[tuple[float, float]]:
    """Stance phases of one side: each heel strike to the next toe off of that side, seconds."""
    evs = sorted(
        (e for e in events if e.side == side and e.label in (HEEL_STRIKE, TOE_OFF)),
        key=lambda e: e.time_s,
    )
    out: list[tuple[float, float]] = []
    start: float | None = None
    for e in evs:
        if e.label == HEEL_STRIKE:
            start = e.time_s if start is None else start
        elif start is not None:
            out.append((start, e.time_s))
            start = None
    if start is not None:
        out.append((start, t_end))
    return out


def framing_scale(body_height_m: float, aspect: float, fill: float = BODY_FILL) -> float:
    """Turntable ``scale_factor`` so a body ``body_height_m`` tall fills ``fill`` of the height.

    vispy shows ``scale_factor`` metres (at the camera centre) along the shorter side of the
    view; ``aspect`` is width / height.
    """
    span = max(body_height_m, 0.3) / fill  # metres of view height wanted
    return span * min(aspect, 1.0)


@lru_cache(maxsize=64)
def _rgba_tuple(color: str, alpha: float) -> tuple[float, float, float, float]:
    r, g, b, _ = (float(v) for v in Color(color).rgba)
    return r, g, b, alpha


def _rgba(color: str, alpha: float = 1.0) -> NDArray[np.float32]:
    """``(4,)`` RGBA of a colour name (parsed once: this runs every frame)."""
    return np.array(_rgba_tuple(color, float(alpha)), dtype=np.float32)


class SkeletonView(QWidget):
    """3D view of one trial's body points, joints, floor and (optionally) markers."""

    def __init__(self, parent: QWidget | None = None, *, theme: Theme = LIGHT) -> None:
        super().__init__(parent)
        self._theme = theme
        # autoswap off: Qt composes the QOpenGLWidget's framebuffer into the window itself; a
        # vispy swap presents the whole window a second time each frame (~2 ms on llvmpipe)
        self.canvas = scene.SceneCanvas(
            keys=None, bgcolor=theme.canvas_bg, show=False, autoswap=False
        )
        self.canvas.create_native()
        self.canvas.native.setParent(self)
        self.canvas.native.setMinimumSize(200, 150)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.canvas.native)
        self.view = self.canvas.central_widget.add_view()
        self.camera = scene.TurntableCamera(fov=30.0, up="+z")
        self.view.camera = self.camera

        self._floor = scene.visuals.Line(connect="segments", method="gl", parent=self.view.scene)
        self._bones = scene.visuals.Line(
            connect="segments", method="gl", width=5.0, parent=self.view.scene
        )
        self._dots = scene.visuals.Markers(parent=self.view.scene)  # joints + foot contacts
        self._markers = scene.visuals.Markers(parent=self.view.scene)
        # force plates: their outlines and the ground reaction as an arrow from the centre of
        # pressure (two more draw calls, only for trials with plates)
        self._plate_lines = scene.visuals.Line(
            connect="segments", method="gl", width=2.0, parent=self.view.scene
        )
        self._grf_lines = scene.visuals.Line(
            connect="segments", method="gl", width=4.0, parent=self.view.scene
        )
        for vis in (self._bones, self._dots, self._markers, self._plate_lines, self._grf_lines):
            vis.visible = False
        self._plates: list[ForcePlate] = []
        self._plate_pos = np.zeros((0, 3), dtype=np.float32)  # outline segments, view frame, m
        self._plate_colors = np.zeros((0, 4), dtype=np.float32)
        self._plate_contacts: list[list[tuple[float, float, str | None, bool]]] = []
        self._grf_scale = 1.0 / 1000.0  # metres of arrow per newton (1 m per body weight)
        self._rot = np.eye(3)  # markers' lab frame -> Y up

        self._points: BodyPoints | None = None
        self._pos: NDArray[np.float32] | None = None  # (n_frames, n_points, 3) view frame, m
        self._seg_a = np.zeros(0, dtype=int)
        self._seg_b = np.zeros(0, dtype=int)
        self._seg_groups: list[str] = []
        self._foot_segs: dict[str, NDArray[np.intp]] = {}
        self._foot_pts: dict[str, NDArray[np.intp]] = {}
        self._stance: dict[str, list[tuple[float, float]]] = {"left": [], "right": []}
        self._marker_set: MarkerSet | None = None
        self._marker_pos: NDArray[np.float32] | None = None  # (n_mframes, n_markers, 3)
        self._floor_pos = np.zeros((0, 3), dtype=np.float32)  # (2 * n_lines, 3) view frame, m
        self._offset = np.zeros(3, dtype=np.float32)  # followed pelvis (x, y, 0), view frame, m
        self._show_markers = True
        self._follow = False
        self._floor_z = 0.0
        self._time = 0.0
        self._frame = 0
        self._n_contacts = 0
        self._shown: tuple[object, ...] | None = None  # what the canvas shows (skip repeats)
        self._pelvis_idx: int | None = None
        self._colors_key: tuple[object, ...] | None = None
        self._colors = np.zeros((0, 4), dtype=np.float32)  # (2 * n_segments, 4) RGBA

    # -- data --------------------------------------------------------------------------------
    def set_body(
        self,
        points: BodyPoints | None,
        *,
        markers: MarkerSet | None = None,
        events: list[Event] | None = None,
    ) -> None:
        """Show a new trial (``points`` may be None for marker-only trials)."""
        self._set_points(points)
        self._marker_set = markers
        # the markers in the body points' frame (a Z-up lab, as in most .c3d files, turned Y up)
        self._rot = lab_rotation(markers) if markers is not None else np.eye(3)
        self._marker_pos = None if markers is None else to_view(markers.positions @ self._rot.T)
        self.set_force_plates([], None)
        self._markers.visible = self._marker_pos is not None and self._show_markers
        self._stance = {
            s: stance_intervals(events or [], s, self._last_time()) for s in self._stance
        }
        self._build_floor()
        self.reset_camera()
        self.set_time(self._first_time(), 0)

    def set_force_plates(self, plates: list[ForcePlate], analysis: Any = None) -> None:
        """Draw the trial's force plates and, while loaded, the ground reaction from the centre
        of pressure (1 m per body weight when the mass is known, else per 1000 N), green during
        a clean contact (the foot-contact colour), grey otherwise. The plates are turned like
        the markers :meth:`set_body` was given."""
        self._plates = list(plates)
        bw = getattr(analysis, "body_weight_n", None)
        self._grf_scale = 1.0 / float(bw) if bw else 1.0 / 1000.0
        contacts = [] if analysis is None else list(analysis.contacts)
        self._plate_contacts = [
            [(c.start_s, c.end_s, c.side, bool(c.clean)) for c in contacts if c.plate == p.number]
            for p in self._plates
        ]
        segs = []
        for p in self._plates:
            corners = to_view(p.corners @ self._rot.T)
            for i in range(4):
                segs += [corners[i], corners[(i + 1) % 4]]
        self._plate_pos = np.array(segs, dtype=np.float32).reshape(-1, 3)
        self._plate_lines.visible = bool(self._plates)
        self._grf_lines.visible = False
        if self._plates:
            self._plate_lines.set_data(
                pos=self._plate_pos - self._offset, color=_rgba(self._theme.text, 0.8)
            )
        self._shown = None
        self._update()

    def _plate_samples(self) -> tuple[int, ...]:
        out = []
        for p in self._plates:
            out.append(int(np.clip(np.searchsorted(p.time, self._time), 0, p.n_samples - 1)))
        return tuple(out)

    def _grf_color(self, k: int) -> NDArray[np.float32]:
        for a, b, side, clean in self._plate_contacts[k] if k < len(self._plate_contacts) else []:
            if a <= self._time <= b:
                if clean and side is not None:
                    return _rgba(CONTACT_COLOR)
                break
        return _rgba(self._theme.mid)

    def _update_grf(self, samples: tuple[int, ...]) -> None:
        segs, cols = [], []
        for k, (p, i) in enumerate(zip(self._plates, samples, strict=True)):
            cop = p.cop[i]
            if not np.isfinite(cop).all():
                continue
            a = cop @ self._rot.T
            b = a + (p.grf[i] @ self._rot.T) * self._grf_scale
            segs += [a, b]
            color = self._grf_color(k)
            cols += [color] * 2
            # the centre of pressure's path since touch-down, on the floor
            trail = self._cop_trail(p, k, i)
            if trail is not None and len(trail) > 1:
                faded = color.copy()
                faded[3] = 0.7
                for u, v in itertools.pairwise(trail):
                    segs += [u, v]
                    cols += [faded, faded]
        if segs:
            pos = to_view(np.array(segs)) - self._offset
            self._grf_lines.set_data(pos=pos, color=np.array(cols, dtype=np.float32))
        self._grf_lines.visible = bool(segs)

    def _cop_trail(self, p: ForcePlate, k: int, i: int) -> NDArray[np.float64] | None:
        """``(m, 3)`` points of the centre of pressure from the current contact's start to sample
        ``i`` (at most 60), Y-up frame; None outside a contact."""
        for a, b, _side, _clean in self._plate_contacts[k] if k < len(self._plate_contacts) else []:
            if a <= self._time <= b:
                i0 = int(np.searchsorted(p.time, a))
                idx = np.unique(np.linspace(i0, i, num=min(60, max(2, i - i0 + 1))).astype(int))
                pts = p.cop[idx]
                pts = pts[np.isfinite(pts).all(axis=1)]
                return pts @ self._rot.T if len(pts) else None
        return None

    def replace_points(self, points: BodyPoints) -> None:
        """Swap in better body points of the same trial (OpenSim after the quick built-in model),
        keeping the camera, the time and the follow mode."""
        self._set_points(points)
        self._build_floor()
        self._shown = None
        self._update()

    def _set_points(self, points: BodyPoints | None) -> None:
        self._points = points
        self._colors_key = None
        self._shown = None
        self._foot_segs, self._foot_pts = {}, {}
        if points is None:
            self._pos = None
            self._seg_a = self._seg_b = np.zeros(0, dtype=int)
            self._seg_groups = []
            self._pelvis_idx = None
        else:
            self._pos = to_view(points.positions)
            idx = {n: i for i, n in enumerate(points.names)}
            segs = [(idx[a], idx[b], g) for a, b, g in points.segments if a in idx and b in idx]
            self._seg_a = np.array([s[0] for s in segs], dtype=int)
            self._seg_b = np.array([s[1] for s in segs], dtype=int)
            self._seg_groups = [s[2] for s in segs]
            self._pelvis_idx = idx.get("pelvis")
            for side, suf in (("left", "_l"), ("right", "_r")):
                foot = {idx[f + suf] for f in _FOOT if f + suf in idx}
                self._foot_segs[side] = np.array(
                    [k for k, (a, b, _) in enumerate(segs) if a in foot and b in foot], dtype=int
                )
                self._foot_pts[side] = np.array(
                    sorted(idx[f + suf] for f in _FOOT[1:] if f + suf in idx), dtype=int
                )
        self._bones.visible = self._dots.visible = bool(self._seg_a.size)

    def set_events(self, events: list[Event]) -> None:
        """Gait events used for the foot-contact highlight."""
        t_end = self._last_time()
        self._stance = {s: stance_intervals(events, s, t_end) for s in ("left", "right")}
        self._shown = None
        self._update()

    def _first_time(self) -> float:
        if self._points is not None:
            return float(self._points.time[0])
        if self._marker_set is not None:
            return float(self._marker_set.time[0])
        return 0.0

    def _last_time(self) -> float:
        if self._points is not None:
            return float(self._points.time[-1])
        if self._marker_set is not None:
            return float(self._marker_set.time[-1])
        return 0.0

    def _all_points(self) -> NDArray[np.float32]:
        """Every finite position of the trial, ``(k, 3)`` view frame (may be empty)."""
        parts = [a.reshape(-1, 3) for a in (self._pos, self._marker_pos) if a is not None]
        if not parts:
            return np.zeros((0, 3), dtype=np.float32)
        allp = np.concatenate(parts)
        return allp[np.isfinite(allp).all(axis=1)]

    def _build_floor(self) -> None:
        pts = self._all_points()
        if pts.shape[0] == 0:
            self._floor.visible = False
            self._floor_pos = np.zeros((0, 3), dtype=np.float32)
            return
        self._floor_z = float(np.percentile(pts[:, 2], 0.5))
        lo = np.floor((pts[:, :2].min(axis=0) - 1.0) / _GRID_STEP_M) * _GRID_STEP_M
        hi = np.ceil((pts[:, :2].max(axis=0) + 1.0) / _GRID_STEP_M) * _GRID_STEP_M
        xs = np.arange(lo[0], hi[0] + 1e-6, _GRID_STEP_M)
        ys = np.arange(lo[1], hi[1] + 1e-6, _GRID_STEP_M)
        z = self._floor_z
        segs = [((x, lo[1], z), (x, hi[1], z)) for x in xs]
        segs += [((lo[0], y, z), (hi[0], y, z)) for y in ys]
        self._floor_pos = np.array(segs, dtype=np.float32).reshape(-1, 3)  # (2 * n_lines, 3) m
        self._floor.set_data(
            pos=self._floor_pos - self._offset,
            color=_rgba(self._theme.floor, 0.9),
            connect="segments",
        )
        self._floor.visible = True

    # -- appearance --------------------------------------------------------------------------
    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.canvas.bgcolor = theme.canvas_bg
        self._build_floor()
        if self._plates:
            self._plate_lines.set_data(
                pos=self._plate_pos - self._offset, color=_rgba(theme.text, 0.8)
            )
        self._shown = None
        self._update()

    def set_markers_visible(self, visible: bool) -> None:
        """Show or hide the marker overlay (when the trial has markers)."""
        self._show_markers = bool(visible)
        self._markers.visible = self._marker_pos is not None and self._show_markers
        self._shown = None
        self._update()

    @property
    def markers_visible(self) -> bool:
        return bool(self._markers.visible)

    @property
    def contact_visible(self) -> bool:
        """True when a foot-contact dot is drawn at the current time."""
        return self._n_contacts > 0

    def set_follow_pelvis(self, follow: bool) -> None:
        """Keep the pelvis at the centre of the view while playing (the floor moves under it)."""
        follow = bool(follow) and self._pelvis_idx is not None
        if follow == self._follow:
            return
        cx, cy, cz = self.camera.center
        if follow:  # centre on the pelvis now
            self._follow = True
            self._offset[:] = self._pelvis_offset()
            self.camera.center = (0.0, 0.0, cz)
        else:  # keep the picture still: the camera takes over the offset
            ox, oy, _ = (float(v) for v in self._offset)
            self._follow = False
            self._offset[:] = 0.0
            self.camera.center = (cx + ox, cy + oy, cz)
        self._floor.set_data(pos=self._floor_pos - self._offset)
        self._shown = None
        self._update()

    @property
    def follow_pelvis(self) -> bool:
        return self._follow

    def set_camera_preset(self, name: str) -> None:
        """Turn the camera to one of :data:`CAMERA_PRESETS`."""
        az, el = CAMERA_PRESETS[name]
        self.camera.azimuth = az
        self.camera.elevation = el
        self.canvas.update()

    def pelvis_travel(self) -> float:
        """Largest horizontal extent (metres) the pelvis covers during the trial (0 if none)."""
        if self._pos is None or self._pelvis_idx is None:
            return 0.0
        path = self._pos[:, self._pelvis_idx, :2]  # (n_frames, 2), view frame, m
        path = path[np.isfinite(path).all(axis=1)]
        return float(np.max(np.ptp(path, axis=0))) if path.shape[0] else 0.0

    def reset_camera(self) -> None:
        """Frame the body so it fills :data:`BODY_FILL` of the view height.

        Walking trials (pelvis travel above :data:`WALKING_TRAVEL_M`) follow the pelvis; in-place
        trials keep the camera still and frame their whole path.
        """
        pts = self._all_points()
        if pts.shape[0] == 0:
            return
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        height = float(max(hi[2] - self._floor_z, 0.5))
        w, h = self.canvas.size
        aspect = w / h if w > 0 and h > 0 else 1.5
        scale = framing_scale(height, aspect)
        self._follow = self.pelvis_travel() > WALKING_TRAVEL_M
        cz = self._floor_z + 0.5 * height
        if self._follow:
            self._offset[:] = self._pelvis_offset(0)
            center = (0.0, 0.0, cz)
        else:
            self._offset[:] = 0.0
            cx, cy = (lo[:2] + hi[:2]) / 2.0
            center = (float(cx), float(cy), cz)
            extent = float(np.max(hi[:2] - lo[:2]))  # keep an in-place trial's whole path in view
            scale = max(scale, extent / (0.9 * max(aspect, 1e-3)) * min(aspect, 1.0))
        self._floor.set_data(pos=self._floor_pos - self._offset)
        self.camera.center = center
        self.camera.scale_factor = scale
        self._shown = None
        self.set_camera_preset("iso")

    def _pelvis_offset(self, frame: int | None = None) -> NDArray[np.float32]:
        """``(x, y, 0)`` of the pelvis at ``frame`` (default: the current one), view frame, m."""
        out = np.zeros(3, dtype=np.float32)
        if self._pos is None or self._pelvis_idx is None:
            return out
        f = self._frame if frame is None else frame
        p = self._pos[min(max(f, 0), self._pos.shape[0] - 1), self._pelvis_idx]
        if np.isfinite(p).all():
            out[:2] = p[:2]
        else:
            out[:2] = self._offset[:2]
        return out

    # -- time --------------------------------------------------------------------------------
    def set_time(self, t: float, frame: int) -> None:
        """Show frame ``frame`` of the body points (at time ``t`` for markers and contacts)."""
        self._time = float(t)
        self._frame = int(frame)
        self._update()

    def _marker_index(self) -> int:
        assert self._marker_set is not None
        mt = self._marker_set.time
        return int(np.clip(np.searchsorted(mt, self._time), 0, mt.shape[0] - 1))

    def _update(self) -> None:
        show_markers = self._marker_pos is not None and self._show_markers
        samples = self._plate_samples()
        key = (
            self._frame,
            self._in_stance("left"),
            self._in_stance("right"),
            self._marker_index() if show_markers else -1,
            samples,
        )
        if key == self._shown:  # the same picture: no upload, no redraw
            return
        self._shown = key
        if self._follow:
            self._offset[:] = self._pelvis_offset()
            self._floor.set_data(pos=self._floor_pos - self._offset)
            if self._plates:
                self._plate_lines.set_data(pos=self._plate_pos - self._offset)
        if self._plates:
            self._update_grf(samples)
        if self._pos is not None and self._seg_a.size:
            self._update_bones()
        if show_markers and self._marker_pos is not None:
            p = self._marker_pos[key[3]]
            p = p[np.isfinite(p).all(axis=1)] - self._offset
            if p.shape[0]:
                self._markers.set_data(
                    p, face_color=_rgba(self._theme.marker, 0.9), edge_width=0, size=6
                )
        self.canvas.update()

    def _base_colors(
        self, stance: tuple[bool, bool], hidden: NDArray[np.bool_]
    ) -> NDArray[np.float32]:
        """``(2 * n_segments, 4)`` RGBA per bone vertex (cached per theme, stance and gaps)."""
        key = (self._theme.name, self._seg_a.size, stance, hidden.tobytes())
        if self._colors_key != key:
            cols = np.array(
                [_rgba(self._theme.group_color(g)) for g in self._seg_groups], dtype=np.float32
            ).reshape(-1, 4)
            for side, on in zip(("left", "right"), stance, strict=True):
                if on:
                    cols[self._foot_segs.get(side, np.zeros(0, dtype=int))] = _rgba(CONTACT_COLOR)
            cols[hidden, 3] = 0.0
            self._colors = np.repeat(cols, 2, axis=0)
            self._colors_key = key
        return self._colors

    def _in_stance(self, side: str) -> bool:
        return any(a <= self._time <= b for a, b in self._stance.get(side, []))

    def _update_bones(self) -> None:
        assert self._pos is not None
        f = min(max(self._frame, 0), self._pos.shape[0] - 1)
        p = self._pos[f] - self._offset  # (n_points, 3), view frame, m
        finite = np.isfinite(p).all(axis=1)
        anchor = p[finite][0] if finite.any() else np.zeros(3, dtype=np.float32)
        p = np.where(finite[:, None], p, anchor)
        verts = np.empty((2 * self._seg_a.size, 3), dtype=np.float32)  # (2 * n_segments, 3), m
        verts[0::2] = p[self._seg_a]
        verts[1::2] = p[self._seg_b]
        stance = (self._in_stance("left"), self._in_stance("right"))
        hidden = ~(finite[self._seg_a] & finite[self._seg_b])
        self._bones.set_data(pos=verts, color=self._base_colors(stance, hidden), connect="segments")
        contacts = [
            self._foot_pts[side]
            for side, on in zip(("left", "right"), stance, strict=True)
            if on and self._foot_pts.get(side, np.zeros(0)).size
        ]
        joints = p[finite]  # (k, 3)
        dots = [joints]
        if contacts:
            c = p[np.concatenate(contacts)].copy()  # the feet on the floor, (m, 3)
            c[:, 2] = self._floor_z + 0.005
            dots.append(c)
        n_contacts = sum(d.shape[0] for d in dots[1:])
        self._n_contacts = n_contacts
        self._dots.visible = bool(joints.shape[0] + n_contacts)
        if not self._dots.visible:  # no point seen in this frame (a gap at every marker)
            return
        face = np.empty((joints.shape[0] + n_contacts, 4), dtype=np.float32)
        face[: joints.shape[0]] = _rgba(self._theme.text)
        face[joints.shape[0] :] = _rgba(CONTACT_COLOR)
        size = np.full(face.shape[0], _JOINT_SIZE, dtype=np.float32)
        size[joints.shape[0] :] = _CONTACT_SIZE
        self._dots.set_data(
            np.concatenate(dots),
            face_color=face,
            edge_color=_rgba(self._theme.canvas_bg),
            edge_width=1,
            size=size,
        )

    def after_next_draw(self, callback: Callable[[], object], fallback_ms: int = 1000) -> None:
        """Call ``callback`` once, right after the canvas next draws (or after ``fallback_ms``
        when it does not draw, e.g. while hidden)."""
        done = [False]

        def fire(_event: object = None) -> None:
            if done[0]:
                return
            done[0] = True
            self.canvas.events.draw.disconnect(fire)
            callback()

        self.canvas.events.draw.connect(fire, position="last")
        QTimer.singleShot(fallback_ms, self, fire)
        self.canvas.update()

    # -- capture -----------------------------------------------------------------------------
    def render_image(self) -> NDArray[np.uint8]:
        """Render the canvas offscreen; ``(height, width, 4)`` RGBA uint8."""
        return np.asarray(self.canvas.render(), dtype=np.uint8)

    def close_canvas(self) -> None:
        """Release the GL resources (call before the window is destroyed)."""
        self.canvas.close()
