"""SkeletonView: the 3D stick figure (vispy SceneCanvas inside Qt).

One ``Line`` visual draws every bone in a single call with per-vertex colours by group, one
``Markers`` visual draws the joints, the floor is a set of plain line segments (the GridLines
visual is several times slower on software GL). Per frame only vertex data is updated; visuals are
created once per trial.

Coordinates: trials are in the OpenSim ground frame (X forward, Y up, Z right); vispy's turntable
camera wants Z up, so points are mapped with ``(x, y, z) -> (x, -z, y)`` (a proper rotation).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from PySide6.QtWidgets import QVBoxLayout, QWidget
from vispy import scene
from vispy.color import Color

from lmm_desktop.core.body import BodyPoints
from lmm_desktop.core.trial import HEEL_STRIKE, TOE_OFF, Event, MarkerSet
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

_FOOT = ("ankle", "heel", "toe", "mtp")
_GRID_STEP_M = 0.5


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


def _rgba(color: str, alpha: float = 1.0) -> NDArray[np.float32]:
    c = Color(color).rgba.astype(np.float32)
    c[3] = alpha
    return c


class SkeletonView(QWidget):
    """3D view of one trial's body points, joints, floor and (optionally) markers."""

    def __init__(self, parent: QWidget | None = None, *, theme: Theme = LIGHT) -> None:
        super().__init__(parent)
        self._theme = theme
        self.canvas = scene.SceneCanvas(keys=None, bgcolor=theme.canvas_bg, show=False)
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
        self._joints = scene.visuals.Markers(parent=self.view.scene)
        self._contact = scene.visuals.Markers(parent=self.view.scene)
        self._markers = scene.visuals.Markers(parent=self.view.scene)
        for vis in (self._bones, self._joints, self._contact, self._markers):
            vis.visible = False

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
        self._show_markers = True
        self._follow = False
        self._floor_z = 0.0
        self._time = 0.0
        self._frame = 0
        self._pelvis_idx: int | None = None
        self._colors_key: tuple[str, int] | None = None
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
        self._points = points
        self._colors_key = None
        self._marker_set = markers
        self._marker_pos = None if markers is None else to_view(markers.positions)
        if points is not None:
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
        else:
            self._pos = None
            self._seg_a = self._seg_b = np.zeros(0, dtype=int)
            self._seg_groups = []
            self._pelvis_idx = None
            self._foot_segs, self._foot_pts = {}, {}
        self.set_events(events or [])
        self._build_floor()
        self.reset_camera()
        self._bones.visible = self._joints.visible = bool(self._seg_a.size)
        self._markers.visible = self._marker_pos is not None and self._show_markers
        self.set_time(self._first_time(), 0)

    def set_events(self, events: list[Event]) -> None:
        """Gait events used for the foot-contact highlight."""
        t_end = self._last_time()
        self._stance = {s: stance_intervals(events, s, t_end) for s in ("left", "right")}
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
            return
        self._floor_z = float(np.percentile(pts[:, 2], 0.5))
        lo = np.floor((pts[:, :2].min(axis=0) - 1.0) / _GRID_STEP_M) * _GRID_STEP_M
        hi = np.ceil((pts[:, :2].max(axis=0) + 1.0) / _GRID_STEP_M) * _GRID_STEP_M
        xs = np.arange(lo[0], hi[0] + 1e-6, _GRID_STEP_M)
        ys = np.arange(lo[1], hi[1] + 1e-6, _GRID_STEP_M)
        z = self._floor_z
        segs = [((x, lo[1], z), (x, hi[1], z)) for x in xs]
        segs += [((lo[0], y, z), (hi[0], y, z)) for y in ys]
        pos = np.array(segs, dtype=np.float32).reshape(-1, 3)  # (2 * n_lines, 3), metres
        self._floor.set_data(pos=pos, color=_rgba(self._theme.floor, 0.9), connect="segments")
        self._floor.visible = True

    # -- appearance --------------------------------------------------------------------------
    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.canvas.bgcolor = theme.canvas_bg
        self._build_floor()
        self._update()

    def set_markers_visible(self, visible: bool) -> None:
        """Show or hide the marker overlay (when the trial has markers)."""
        self._show_markers = bool(visible)
        self._markers.visible = self._marker_pos is not None and self._show_markers
        self._update()

    @property
    def markers_visible(self) -> bool:
        return bool(self._markers.visible)

    def set_follow_pelvis(self, follow: bool) -> None:
        """Keep the camera centred on the pelvis while playing."""
        self._follow = bool(follow)
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

    def reset_camera(self) -> None:
        """Frame the body (and follow the pelvis when the subject walks more than 1.5 m)."""
        pts = self._all_points()
        if pts.shape[0] == 0:
            return
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        travel = float(np.max(hi[:2] - lo[:2]))
        height = float(hi[2] - self._floor_z)
        center = (lo + hi) / 2.0
        center[2] = self._floor_z + 0.5 * max(height, 1.0)
        # frame the body with a margin; when the subject travels, the camera follows the pelvis
        self._follow = travel > 1.5 and self._pelvis_idx is not None
        span = 1.3 * max(height, 1.8)
        self.camera.center = tuple(float(c) for c in center)
        self.camera.scale_factor = span
        self.set_camera_preset("iso")

    # -- time --------------------------------------------------------------------------------
    def set_time(self, t: float, frame: int) -> None:
        """Show frame ``frame`` of the body points (at time ``t`` for markers and contacts)."""
        self._time = float(t)
        self._frame = int(frame)
        self._update()

    def _update(self) -> None:
        if self._pos is not None and self._seg_a.size:
            self._update_bones()
        if self._marker_pos is not None and self._show_markers and self._marker_set is not None:
            mt = self._marker_set.time
            i = int(np.clip(np.searchsorted(mt, self._time), 0, mt.shape[0] - 1))
            p = self._marker_pos[i]
            p = p[np.isfinite(p).all(axis=1)]
            if p.shape[0]:
                self._markers.set_data(
                    p, face_color=_rgba(self._theme.marker, 0.9), edge_width=0, size=6
                )
        self.canvas.update()

    def _base_colors(self) -> NDArray[np.float32]:
        """``(2 * n_segments, 4)`` RGBA per bone vertex, by group (cached per theme)."""
        key = (self._theme.name, self._seg_a.size)
        if self._colors_key != key:
            cols = np.array(
                [_rgba(self._theme.group_color(g)) for g in self._seg_groups], dtype=np.float32
            ).reshape(-1, 4)
            self._colors = np.repeat(cols, 2, axis=0)
            self._colors_key = key
        return self._colors

    def _in_stance(self, side: str) -> bool:
        return any(a <= self._time <= b for a, b in self._stance.get(side, []))

    def _update_bones(self) -> None:
        assert self._pos is not None
        f = min(max(self._frame, 0), self._pos.shape[0] - 1)
        p = self._pos[f]  # (n_points, 3), view frame, m
        finite = np.isfinite(p).all(axis=1)
        anchor = p[finite][0] if finite.any() else np.zeros(3, dtype=np.float32)
        p = np.where(finite[:, None], p, anchor)
        verts = np.empty((2 * self._seg_a.size, 3), dtype=np.float32)
        verts[0::2] = p[self._seg_a]
        verts[1::2] = p[self._seg_b]
        colors = self._base_colors().copy()
        contact_pts = []
        for side in ("left", "right"):
            if self._in_stance(side):
                segs = self._foot_segs.get(side, np.zeros(0, dtype=int))
                for k in segs:
                    colors[2 * k : 2 * k + 2] = _rgba(CONTACT_COLOR)
                idx = self._foot_pts.get(side, np.zeros(0, dtype=int))
                if idx.size:
                    c = p[idx].copy()
                    c[:, 2] = self._floor_z + 0.005
                    contact_pts.append(c)
        hidden = ~(finite[self._seg_a] & finite[self._seg_b])
        colors[0::2, 3][hidden] = 0.0
        colors[1::2, 3][hidden] = 0.0
        self._bones.set_data(pos=verts, color=colors, connect="segments")
        self._joints.set_data(
            p[finite],
            face_color=_rgba(self._theme.text),
            edge_color=_rgba(self._theme.canvas_bg),
            edge_width=1,
            size=8,
        )
        if contact_pts:
            self._contact.set_data(
                np.concatenate(contact_pts), face_color=_rgba(CONTACT_COLOR), edge_width=0, size=12
            )
            self._contact.visible = True
        else:
            self._contact.visible = False
        if self._follow and self._pelvis_idx is not None and finite[self._pelvis_idx]:
            cx, cy, _ = p[self._pelvis_idx]
            cz = self.camera.center[2]
            self.camera.center = (float(cx), float(cy), float(cz))

    # -- capture -----------------------------------------------------------------------------
    def render_image(self) -> NDArray[np.uint8]:
        """Render the canvas offscreen; ``(height, width, 4)`` RGBA uint8."""
        return np.asarray(self.canvas.render(), dtype=np.uint8)

    def close_canvas(self) -> None:
        """Release the GL resources (call before the window is destroyed)."""
        self.canvas.close()
