"""Sagittal inverse dynamics: a static stance solved by hand, and a real walk against the
normative moments and powers of Schwartz et al. (2008)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lmm_desktop.analysis.force_plates import ForcePlateAnalysis, PlateContact
from lmm_desktop.analysis.kinetics import SEGMENTS, compute_kinetics
from lmm_desktop.analysis.normative import kinetic_band
from lmm_desktop.analysis.pipeline import analyze
from lmm_desktop.core.body import BodyPoints
from lmm_desktop.core.trial import HEEL_STRIKE, Event, ForcePlate
from lmm_desktop.io.c3d import read_c3d

MASS = 70.0


def _static_stance(
    d: float, medial: float = 0.0
) -> tuple[BodyPoints, ForcePlate, ForcePlateAnalysis, list[Event]]:
    """A person standing still on the right leg (vertical, Y up, walking direction +x) for 1 s,
    the whole body weight on a plate, its centre of pressure ``d`` metres in front of the
    ankle; the next heel strike at 1.2 s with the foot in the air (resting) after 1.0 s."""
    rate = 100.0
    time = np.arange(0, 1.5, 1 / rate)
    n = len(time)
    names = ["hip_r", "knee_r", "ankle_r", "heel_r", "toe_r", "asis_r", "asis_l", "psis_r",
             "psis_l"]
    where = {
        "hip_r": (0.0, 0.9, 0.1), "knee_r": (0.0, 0.5, 0.1), "ankle_r": (0.0, 0.1, 0.1),
        "heel_r": (-0.05, 0.03, 0.1), "toe_r": (0.20, 0.03, 0.1),
        "asis_r": (0.1, 1.0, 0.12), "asis_l": (0.1, 1.0, -0.12),
        "psis_r": (-0.05, 1.05, 0.05), "psis_l": (-0.05, 1.05, -0.05),
    }
    pos = np.array([[where[k] for k in names]] * n)
    points = BodyPoints(time, names, pos, [], "markers")
    t_an = np.arange(0, 1.5, 1 / 1000.0)
    on = (t_an >= 0.1) & (t_an <= 1.0)
    grf = np.zeros((len(t_an), 3))
    grf[on, 1] = MASS * 9.81  # Y up, lab = points' frame
    cop = np.full((len(t_an), 3), np.nan)
    cop[on] = (d, 0.0, 0.1 - medial)  # the right foot is at z = 0.1 (OpenSim: z to the right)
    corners = np.array([[0.5, 0, 0.5], [-0.5, 0, 0.5], [-0.5, 0, -0.5], [0.5, 0, -0.5]])
    plate = ForcePlate(1, 2, t_an, 1000.0, grf, cop, np.zeros(len(t_an)), corners,
                       np.array([0.0, 1.0, 0.0]))
    contact = PlateContact(1, 0.1, 1.0, "right", True, None, MASS * 9.81)
    fp = ForcePlateAnalysis([contact], MASS * 9.81)
    events = [Event(HEEL_STRIKE, "right", 0.1, "detected"),
              Event(HEEL_STRIKE, "right", 1.2, "detected")]
    return points, plate, fp, events


def test_static_stance_gives_the_moments_solved_by_hand() -> None:
    d = 0.08  # forward is the foot's heel-to-toe direction (+x) when the heel does not travel
    points, plate, fp, events = _static_stance(d)
    res = compute_kinetics(points, [plate], fp, events, mass_kg=MASS, sex="male")
    assert res.reason is None and len(res.cycles) == 1
    c = res.cycles[0]
    m_foot, com_frac, _ = SEGMENTS["male"]["foot"]
    foot_com_x = -0.05 + com_frac * 0.25  # from the heel along the 25 cm foot
    w = MASS * 9.81
    # stance (0.1-1.0 s of the 0.1-1.2 s cycle): the first ~80 % of the cycle; away from the
    # force's steps at touch-down and lift-off, which the 6 Hz filter rounds
    stance = slice(15, 65)
    plantarflexor = (d * w - foot_com_x * m_foot * MASS * 9.81) / MASS
    np.testing.assert_allclose(c.curves["ankle_moment"][stance], plantarflexor, atol=0.01)
    # vertical leg: the same arm at the knee (a flexor moment) and the hip (an extensor one)
    np.testing.assert_allclose(c.curves["knee_moment"][stance], -plantarflexor, atol=0.01)
    np.testing.assert_allclose(c.curves["hip_moment"][stance], plantarflexor, atol=0.01)
    for j in ("hip", "knee", "ankle"):  # nothing moves: no power
        np.testing.assert_allclose(c.curves[f"{j}_power"], 0.0, atol=1e-6)
    assert c.stance_pct == pytest.approx(100 * 0.9 / 1.1)


def test_static_stance_frontal_moments_solved_by_hand() -> None:
    # the centre of pressure 3 cm medial to the vertical leg: the ground reaction passes medial
    # to the knee and hip, which the abductors (and the knee's lateral structures) resist
    points, plate, fp, events = _static_stance(0.0, medial=0.03)
    res = compute_kinetics(points, [plate], fp, events, mass_kg=MASS, sex="male")
    c = res.cycles[0]
    expected = 0.03 * 9.81  # N m/kg: body weight times the medial arm, per kg
    np.testing.assert_allclose(c.curves["knee_frontal_moment"][15:65], expected, atol=0.005)
    np.testing.assert_allclose(c.curves["hip_frontal_moment"][15:65], expected, atol=0.005)
    # the sagittal moments do not see a medial shift
    np.testing.assert_allclose(c.curves["knee_moment"][15:65], c.curves["knee_moment"][40],
                               atol=0.005)


def test_static_stance_rotation_moments_balance_the_free_moment() -> None:
    """The ground twisting the right foot inward (a free moment of 5 N m about the vertical,
    on the body) is resisted up the vertical leg by an external rotator moment of the same size
    at the knee and the hip; the ground reaction itself, vertical, has no arm about the leg's
    long axis."""
    from dataclasses import replace

    points, plate, fp, events = _static_stance(0.08, medial=0.02)
    free = plate.free_moment.copy()
    free[plate.vertical > 0] = 5.0
    res = compute_kinetics(points, [replace(plate, free_moment=free)], fp, events,
                           mass_kg=MASS, sex="male")
    c = res.cycles[0]
    for j in ("hip", "knee"):
        np.testing.assert_allclose(c.curves[f"{j}_rotation_moment"][15:65], -5.0 / MASS,
                                   atol=0.002)
    # without the free moment there is nothing to resist about the long axes
    c0 = compute_kinetics(points, [plate], fp, events, mass_kg=MASS, sex="male").cycles[0]
    np.testing.assert_allclose(c0.curves["knee_rotation_moment"][15:65], 0.0, atol=0.002)


def test_3d_equations_agree_with_the_planar_ones_for_planar_motion() -> None:
    """A leg swinging and loaded in the sagittal plane only: the 3D moments point out of that
    plane and equal the 2D solution; nothing about the long axes."""
    from lmm_desktop.analysis.kinetics import _newton_euler, newton_euler_3d

    rate, n = 100.0, 120
    t = np.arange(n) / rate
    th = 0.4 * np.sin(2 * np.pi * t / 1.2)  # thigh angle from vertical, rad
    hip = np.column_stack([0.3 * t, 0.9 + 0.02 * np.sin(4 * t), np.full(n, 0.1)])
    knee = hip + np.column_stack([0.4 * np.sin(th), -0.4 * np.cos(th), np.zeros(n)])
    sh = th - 0.3 * (1 + np.sin(2 * np.pi * t / 1.2 + 1))  # shank angle
    ankle = knee + np.column_stack([0.4 * np.sin(sh), -0.4 * np.cos(sh), np.zeros(n)])
    heel = ankle + np.array([-0.05, -0.06, 0.0])
    toe = ankle + np.array([0.18, -0.06, 0.0])
    raw = {"hip": hip, "knee": knee, "ankle": ankle, "heel": heel, "toe": toe}
    grf = np.column_stack([80 * np.sin(3 * t), 600 + 50 * np.cos(2 * t), np.zeros(n)])
    cop = ankle + np.array([0.05, -0.1, 0.0])
    table = SEGMENTS["male"]
    fwd, up = np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0])
    m2, _ = _newton_euler(raw, grf, cop, fwd, up, table, MASS, rate, foot_turns=True)
    m3, axes = newton_euler_3d(raw, grf, cop, np.zeros((n, 3)), table, MASS, rate)
    inner = slice(10, n - 10)  # away from the ends, where differentiating is one-sided
    for j in ("hip", "knee", "ankle"):
        # the 2D moment is counter-clockwise from forward to up: about +z (x cross y); the
        # angular accelerations differ only by finite differencing (u x u'' vs theta''):
        # within 0.01 N m of moments up to 150 N m
        np.testing.assert_allclose(m3[j][inner, 2], m2[j][inner], atol=0.01)
        np.testing.assert_allclose(m3[j][inner, :2], 0.0, atol=1e-6)
    for seg in ("thigh", "shank"):
        assert np.abs(np.sum(m3["hip" if seg == "thigh" else "knee"] * axes[seg], axis=1)
                      )[inner].max() < 1e-6


def test_without_mass_or_next_strike_the_reason_is_given() -> None:
    points, plate, fp, events = _static_stance(0.05)
    assert "body mass" in (compute_kinetics(points, [plate], fp, events, mass_kg=None).reason
                           or "")
    res = compute_kinetics(points, [plate], fp, events[:1], mass_kg=MASS)
    assert res.cycles == [] and "no next heel strike" in (res.reason or "")


def test_qualisys_moments_and_powers_follow_the_normal_pattern(fixtures_dir: Path) -> None:
    trial = read_c3d(fixtures_dir / "c3d" / "Qualisys.c3d")
    trial.subject.mass_kg = 66.0
    result = analyze(trial)
    k = result.kinetics
    assert k is not None and k.reason is None
    assert sorted(c.side for c in k.cycles) == ["left", "right"]
    for c in k.cycles:
        ankle_m = c.curves["ankle_moment"]
        ankle_p = c.curves["ankle_power"]
        # push-off: plantarflexor moment ~1.3 N m/kg near 45 %, power generation ~3 W/kg
        assert 1.0 < ankle_m.max() < 1.6 and 38 <= int(np.argmax(ankle_m)) <= 52
        assert 2.0 < ankle_p.max() < 4.5 and 45 <= int(np.argmax(ankle_p)) <= 58
        # the knee extensor moment of loading response, in the first 20 %
        assert 0.3 < c.curves["knee_moment"][:20].max() < 1.3
        # close to the normal mean for fast walkers over the whole cycle
        band = kinetic_band("ankle_moment", "Fast")
        assert float(np.sqrt(np.mean((ankle_m - band.mean) ** 2))) < 0.15
        # frontal: the double hump of the hip abductor and knee abductor (valgus) moments
        for var in ("hip_frontal_moment", "knee_frontal_moment"):
            y = c.curves[var]
            assert y[10:25].max() > 0.2 and y[40:55].max() > 0.2 and abs(y[75:95]).max() < 0.15
    d = result.to_dict()["kinetics"]
    assert d["summary"]["left"]["ankle_power_max"] == pytest.approx(3.27, abs=0.3)
