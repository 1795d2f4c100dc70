"""Simulated activities: walking (self-selected, fast), TUG, FSST, 5xSTS, standing, squats.

Each builder returns a :class:`~training.simulate.motion.Draft` whose ``phases`` hold the test's
ground-truth phases. Durations scale with the participant's severity, age and device.
"""

from __future__ import annotations

import numpy as np

from lmm_desktop.core.canonical import JOINT_INDEX as J
from training.simulate.cohort import Participant
from training.simulate.gait import (
    build_walk,
    calibrate_gain,
    plan_walk,
    smooth_noise,
    standing_pose,
)
from training.simulate.keyframes import Key, Pose, animate, hold
from training.simulate.motion import Draft

ACTIVITIES: tuple[str, ...] = (
    "walking",
    "walking_fast",
    "tug",
    "fsst",
    "sts5",
    "standing",
    "squats",
)
"""Activity labels written to ``labels.csv``."""


def _stand(p: Participant, *, neutral_hips: bool = False) -> Pose:
    """Standing pose; ``neutral_hips`` zeroes hip rotation and adduction.

    With the knees bent (sitting, squatting) any hip rotation would swing the feet sideways, so
    the tasks that bend the knees with both feet planted use neutral hips.
    """
    a, pel = standing_pose(p, 1)
    pose = Pose(a[0], pel[0])
    if neutral_hips:
        pose.set(hip_rotation_r=0.0, hip_rotation_l=0.0, hip_adduction_r=0.0, hip_adduction_l=0.0)
    return pose


def _slowness(p: Participant) -> float:
    """1 for a young unimpaired adult, larger for older, more impaired or device users."""
    device = {"none": 0.0, "cane": 0.15, "crutches": 0.25, "walker": 0.35}[p.device]
    return 1.0 + 1.4 * p.severity + 0.012 * max(p.age - 45.0, 0.0) + device


def fast_speed(p: Participant, rng: np.random.Generator) -> float:
    """Fast walking speed: about 1.3x self-selected (less reserve when impaired)."""
    factor = rng.normal(1.33, 0.06) if not p.impaired else rng.normal(1.22 - 0.1 * p.severity, 0.06)
    return float(np.clip(p.speed_m_s * factor, 0.3, 2.4))


def walking(p: Participant, rng: np.random.Generator, rate_hz: float, speed: float) -> Draft:
    """Straight overground walking through a 5-8 m capture volume."""
    duration = float(np.clip(rng.uniform(5.0, 8.0) / speed, 3.5, 16.0))
    plan = plan_walk(p, rng, rate_hz=rate_hz, duration_s=duration, speed=speed)
    _, draft = calibrate_gain(p, plan)
    return draft


def _sit_pose(stand: Pose) -> Pose:
    return (
        stand.copy()
        .sagittal(tilt=8.0, thigh=88.0, shank=-3.0, trunk=-5.0)
        .set(arm_flex_r=25.0, arm_flex_l=25.0, elbow_flex_r=50.0, elbow_flex_l=50.0)
    )


def _rise_keys(stand: Pose, sit: Pose, t: float, phase: str, heading: float = 0.0) -> list[Key]:
    lean = sit.copy().sagittal(tilt=-12.0, thigh=88.0, shank=-12.0, trunk=-40.0)
    seat_off = sit.copy().sagittal(tilt=-14.0, thigh=70.0, shank=-15.0, trunk=-38.0)
    up = stand.copy().sagittal(tilt=-4.0, thigh=25.0, shank=-7.0, trunk=-14.0)
    return [
        Key(0.3 * t, lean, heading=heading, phase=phase),
        Key(0.25 * t, seat_off, heading=heading, phase=phase),
        Key(0.25 * t, up, heading=heading, phase=phase),
        Key(0.2 * t, stand, heading=heading, phase=phase),
    ]


def _sit_keys(stand: Pose, sit: Pose, t: float, phase: str, heading: float = 0.0) -> list[Key]:
    down = stand.copy().sagittal(tilt=-6.0, thigh=35.0, shank=-10.0, trunk=-20.0)
    touch = sit.copy().sagittal(tilt=-12.0, thigh=80.0, shank=-12.0, trunk=-35.0)
    return [
        Key(0.3 * t, down, heading=heading, phase=phase),
        Key(0.35 * t, touch, heading=heading, phase=phase),
        Key(0.35 * t, sit, heading=heading, phase=phase),
    ]


def sts5(p: Participant, rng: np.random.Generator, rate_hz: float) -> Draft:
    """Five times sit-to-stand, arms across the chest; phases ``rise_k`` / ``stand_k`` / ``sit_k``.

    ``rise_k`` runs from the first movement (leaning forward) to full standing; ``stand_k`` is the
    short pause standing before sitting down again.
    """
    return sit_to_stand_series(p, rng, rate_hz, n_rises=5)


def chair_stand_30s(
    p: Participant, rng: np.random.Generator, rate_hz: float, window_s: float = 30.0
) -> Draft:
    """30-second chair stand: rising and sitting, arms across the chest, until ``window_s``
    after the first movement have passed (the last repetition is finished, then a rest
    seated); phases as for :func:`sts5`. Each repetition a little slower than the one before
    (tiring)."""
    return sit_to_stand_series(p, rng, rate_hz, until_s=window_s, tiring=0.02)


def sit_to_stand_series(
    p: Participant,
    rng: np.random.Generator,
    rate_hz: float,
    n_rises: int | None = None,
    until_s: float | None = None,
    tiring: float = 0.0,
) -> Draft:
    """``n_rises`` rises and sits, or as many as start before ``until_s`` after the first
    movement; each repetition ``1 + tiring`` times as long as the one before."""
    stand, rep = _stand(p, neutral_hips=True), rng.normal(2.3, 0.2) * _slowness(p)
    stand.set(
        arm_flex_r=35.0,
        arm_flex_l=35.0,
        arm_add_r=20.0,
        arm_add_l=20.0,
        elbow_flex_r=110.0,
        elbow_flex_l=110.0,
    )
    sit = _sit_pose(stand).set(
        arm_flex_r=35.0, arm_flex_l=35.0, elbow_flex_r=110.0, elbow_flex_l=110.0
    )
    keys = [Key(rng.uniform(0.8, 1.5), sit)]
    elapsed, k = 0.0, 0
    while (k < n_rises) if n_rises is not None else (elapsed < (until_s or 0.0)):
        k += 1
        slow = (1.0 + tiring) ** (k - 1)
        rise, pause = 0.55 * rep * slow * rng.normal(1.0, 0.05), rng.uniform(0.05, 0.25)
        down = 0.45 * rep * slow * rng.normal(1.0, 0.05)
        keys += _rise_keys(stand, sit, rise, f"rise_{k}")
        keys += [Key(pause, stand, phase=f"stand_{k}")]
        keys += _sit_keys(stand, sit, down, f"sit_{k}")
        elapsed += rise + pause + down
    keys.append(Key(rng.uniform(0.6, 1.2), sit))
    return animate(sit, keys, rate_hz)


SQUAT_ARMS: tuple[str, ...] = ("reach", "clasped", "crossed", "hips")
"""How the arms are held in a squat: reaching forward, hands clasped in front of the chest
(OpenCap's squat trials), crossed on the chest, or on the hips."""


def _squat_arms(
    style: str, stand: Pose, bottom: Pose, depth: float, rng: np.random.Generator
) -> None:
    for s in ("r", "l"):
        if style == "reach":  # arms rise forward as the body goes down
            bottom.set(**{f"arm_flex_{s}": 75.0 * depth})
        elif style == "clasped":  # hands together in front of the chest, lifted at the bottom
            for pose, flex, elbow in ((stand, 10.0, 60.0), (bottom, 105.0 * depth, 85.0)):
                pose.set(
                    **{
                        f"arm_flex_{s}": flex + rng.normal(0.0, 4.0),
                        f"arm_add_{s}": -18.0,
                        f"arm_rot_{s}": 20.0,
                        f"elbow_flex_{s}": elbow + rng.normal(0.0, 5.0),
                    }
                )
        elif style == "crossed":  # forearms crossed on the chest throughout
            for pose in (stand, bottom):
                pose.set(**{f"arm_flex_{s}": 35.0, f"arm_add_{s}": 20.0, f"elbow_flex_{s}": 110.0})
        else:  # hands on the hips throughout
            for pose in (stand, bottom):
                pose.set(**{f"arm_flex_{s}": -10.0, f"arm_add_{s}": -35.0, f"elbow_flex_{s}": 95.0})


def squats(p: Participant, rng: np.random.Generator, rate_hz: float) -> Draft:
    """Four to seven body-weight squats; phases ``squat_k``.

    Squats vary in style as they do in clinics: depth, how much the hips (a forward-pitched pelvis
    and trunk) or the knees do the work, stance width, and where the arms are
    (:data:`SQUAT_ARMS`).
    """
    stand = _stand(p, neutral_hips=True)
    depth = float(np.clip(1.0 - 0.5 * p.severity + rng.normal(0, 0.08), 0.35, 1.1))
    hips = float(rng.uniform(0.0, 1.0))  # 0: knee-dominant, upright; 1: hip-dominant, trunk pitched
    width = float(rng.uniform(0.0, 12.0))  # hip abduction of a wide stance, degrees
    rep = rng.normal(2.4, 0.25) * (0.8 + 0.2 * _slowness(p))
    bottom = stand.copy().sagittal(
        tilt=-(15.0 + 25.0 * hips) * depth,
        thigh=(70.0 - 10.0 * hips) * depth,
        shank=-(28.0 - 4.0 * hips) * depth,
        trunk=-(35.0 + 40.0 * hips) * depth,
    )
    for pose in (stand, bottom):
        pose.set(hip_adduction_r=-width, hip_adduction_l=-width)
    _squat_arms(SQUAT_ARMS[int(rng.integers(len(SQUAT_ARMS)))], stand, bottom, depth, rng)
    keys = [Key(rng.uniform(0.6, 1.2), stand)]
    for k in range(1, int(rng.integers(5, 9))):
        keys += [
            Key(0.5 * rep, bottom, phase=f"squat_{k}"),
            Key(0.5 * rep, stand, phase=f"squat_{k}"),
        ]
    keys.append(Key(rng.uniform(0.6, 1.2), stand))
    return animate(stand, keys, rate_hz)


def quiet_standing(p: Participant, rng: np.random.Generator, rate_hz: float) -> Draft:
    """20 s of quiet standing with anterior-posterior and lateral postural sway."""
    draft = hold(_stand(p), rng.uniform(15.0, 22.0), rate_hz, phase="standing")
    sway_deg = 0.5 + (1.5 if p.condition in ("parkinsons", "tbi") else 0.8) * p.severity
    sway = sway_deg * smooth_noise(rng, draft.n_frames, 2, 0.7 * rate_hz)  # (n, 2) degrees
    draft.pelvis_body[:, 0] -= sway[:, 0]  # lean about the ankles: whole body pitches
    draft.angles[:, J["ankle_angle_r"]] += sway[:, 0]
    draft.angles[:, J["ankle_angle_l"]] += sway[:, 0]
    draft.angles[:, J["hip_adduction_r"]] += 0.6 * sway[:, 1]  # lateral weight shift
    draft.angles[:, J["hip_adduction_l"]] -= 0.6 * sway[:, 1]
    return draft


def _step_keys(
    stand: Pose, direction: str, lead: str, ang: float, t: float, phase: str
) -> list[Key]:
    """Keys of one FSST step: the lead foot moves to the next square, then the trail foot."""
    trail = "l" if lead == "r" else "r"
    sagittal = direction in ("forward", "back")
    sign = -1.0 if direction == "back" else 1.0
    up = {"r": (False, True), "l": (True, False)}  # contact while that foot is in the air

    def moved(pose: Pose, s: str, amount: float) -> Pose:
        if sagittal:
            return pose.add(**{f"hip_flexion_{s}": amount, f"ankle_angle_{s}": -amount})
        return pose.add(**{f"hip_adduction_{s}": -abs(amount)})

    def lifted(pose: Pose, s: str) -> Pose:
        return pose.add(
            **{f"hip_flexion_{s}": 35.0, f"knee_angle_{s}": 65.0, f"ankle_angle_{s}": -20.0}
        )

    lead_up = lifted(moved(stand.copy(), lead, 0.5 * sign * ang), lead)
    land = moved(stand.copy(), lead, sign * ang)
    shift = moved(stand.copy(), trail, -sign * ang if sagittal else ang)
    trail_up = lifted(
        moved(stand.copy(), trail, -0.5 * sign * ang if sagittal else 0.5 * ang), trail
    )
    # both feet rest in the new square for 12 % of the step (about 0.1 s even when fast) before
    # the next step: the next lead foot is often the one that just landed, and a foot that only
    # grazed the square for a frame or two (4 %, 40 ms) is not what the test asks for ("both feet
    # must make contact with the floor in each square") nor what a 60 Hz capture resolves
    return [
        Key(0.20 * t, lead_up, up[lead], phase=phase),
        Key(0.20 * t, land, up[lead], phase=phase),
        Key(0.16 * t, shift, (True, True), phase=phase),
        Key(0.16 * t, trail_up, up[trail], phase=phase),
        Key(0.16 * t, stand, up[trail], phase=phase),
        Key(0.12 * t, stand, (True, True), phase=phase),
    ]


FSST_SEQUENCE: tuple[tuple[str, str], ...] = (
    ("forward", "r"),
    ("right", "r"),
    ("back", "r"),
    ("left", "l"),
    ("right", "r"),
    ("forward", "l"),
    ("left", "l"),
    ("back", "l"),
)
"""(direction, lead foot) of the eight FSST steps: clockwise round the cross, then back."""


def fsst(p: Participant, rng: np.random.Generator, rate_hz: float) -> Draft:
    """Four Square Step Test; phases ``step_k_<direction>``."""
    # feet under the hips: a wide-based standing posture (hips abducted) would leave one foot on
    # the cane line between two squares, which the test does not allow
    stand = _stand(p).set(hip_adduction_r=0.0, hip_adduction_l=0.0)
    square = rng.uniform(0.32, 0.42) * p.height_m / 1.75  # step length between squares, m
    ang = float(np.degrees(np.arctan(square / (0.5 * p.height_m))))
    step_t = rng.normal(0.95, 0.08) * _slowness(p) ** 1.3
    keys = [Key(rng.uniform(0.6, 1.2), stand)]
    for k, (direction, lead) in enumerate(FSST_SEQUENCE, start=1):
        keys += _step_keys(
            stand, direction, lead, ang, step_t * rng.normal(1.0, 0.06), f"step_{k}_{direction}"
        )
    keys.append(Key(rng.uniform(0.6, 1.2), stand))
    return animate(stand, keys, rate_hz)


def tug(p: Participant, rng: np.random.Generator, rate_hz: float) -> Draft:
    """Timed Up and Go: rise, walk 3 m, turn, walk back, turn and sit.

    Phases: ``sit_to_stand``, ``walk_out``, ``turn``, ``walk_back``, ``turn_and_sit``.
    """
    slow = _slowness(p)
    stand, neutral = _stand(p), _stand(p, neutral_hips=True)
    sit = _sit_pose(neutral)
    rise = _rise_keys(neutral, sit, rng.normal(1.3, 0.1) * slow, "sit_to_stand")
    rise.append(Key(0.25, stand, phase="sit_to_stand"))
    part1 = animate(sit, [Key(rng.uniform(0.5, 1.0), sit), *rise], rate_hz)

    v = 0.85 * p.speed_m_s
    t_out, t_back = 3.0 / v, 2.3 / v
    t_turn, t_turn2 = rng.normal(1.8, 0.15) * slow, rng.normal(1.6, 0.15) * slow
    total = t_out + t_turn + t_back + t_turn2
    plan = plan_walk(p, rng, rate_hz=rate_hz, duration_s=total, speed=v)
    gain, _ = calibrate_gain(p, plan)
    t = np.arange(plan.n) / rate_hz
    b1, b2, b3 = t_out, t_out + t_turn, t_out + t_turn + t_back
    amp = np.clip(t / 0.9, 0.0, 1.0)  # gait initiation
    amp = amp * np.where((t > b1) & (t < b2), 0.65, 1.0) * np.where(t > b3, 0.5, 1.0)
    amp *= np.clip((total - t) / 0.7, 0.0, 1.0)  # come to a stop in front of the chair
    amp = np.convolve(amp, np.ones(15) / 15, mode="same")
    amp[-3:] = 0.0
    heading = np.pi * (_ramp(t, b1, b2) + _ramp(t, b3, total - 0.3))
    walk = build_walk(p, plan, gain, amplitude=amp, heading=heading)
    walk.phases = [
        ("walk_out", 0.0, b1),
        ("turn", b1, b2),
        ("walk_back", b2, b3),
        ("turn_and_sit", b3, total),
    ]

    sit_keys = [
        Key(0.25, neutral, heading=2 * np.pi, phase="turn_and_sit"),
        *_sit_keys(neutral, sit, rng.normal(1.6, 0.12) * slow, "turn_and_sit", 2 * np.pi),
    ]
    end = Key(rng.uniform(0.5, 1.0), sit, heading=2 * np.pi)
    part3 = animate(stand, [*sit_keys, end], rate_hz, start_heading=2 * np.pi)
    return Draft.concat([part1, walk, part3])


def _ramp(t: np.ndarray, a: float, b: float) -> np.ndarray:
    x = np.clip((t - a) / max(b - a, 1e-6), 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)
