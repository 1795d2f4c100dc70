"""Simulated participants: demographics, condition, assistive device, fall history.

Everything is drawn from a seeded :class:`numpy.random.Generator`, so a cohort is fully
determined by its seed. The proportions loosely follow the BiomechGPT cohort (about half
unimpaired; lower-limb prosthesis users, stroke, spinal cord injury, traumatic brain injury;
Parkinson's disease added).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lmm_desktop.core.canonical import N_JOINTS

#: condition id -> (diagnosis label, share of the cohort)
CONDITIONS: dict[str, tuple[str, float]] = {
    "unimpaired": ("none", 0.48),
    "stroke": ("stroke", 0.14),
    "transtibial": ("lower_limb_prosthesis", 0.08),
    "transfemoral": ("lower_limb_prosthesis", 0.05),
    "incomplete_sci": ("spinal_cord_injury", 0.08),
    "tbi": ("traumatic_brain_injury", 0.07),
    "parkinsons": ("parkinsons_disease", 0.10),
}
DIAGNOSES: tuple[str, ...] = tuple(dict.fromkeys(d for d, _ in CONDITIONS.values()))
DEVICES: tuple[str, ...] = ("none", "cane", "crutches", "walker")

# condition -> (age mean, age sd, age min, age max, share male)
_DEMOGRAPHY: dict[str, tuple[float, float, float, float, float]] = {
    "unimpaired": (45.0, 16.0, 19.0, 85.0, 0.50),
    "stroke": (62.0, 11.0, 30.0, 88.0, 0.56),
    "transtibial": (55.0, 13.0, 21.0, 85.0, 0.72),
    "transfemoral": (50.0, 14.0, 21.0, 82.0, 0.72),
    "incomplete_sci": (48.0, 15.0, 18.0, 80.0, 0.75),
    "tbi": (38.0, 14.0, 18.0, 75.0, 0.68),
    "parkinsons": (68.0, 8.0, 45.0, 88.0, 0.60),
}
# condition -> device probabilities in DEVICES order, for a participant of middling severity
_DEVICE_P: dict[str, tuple[float, float, float, float]] = {
    "unimpaired": (1.0, 0.0, 0.0, 0.0),
    "stroke": (0.40, 0.45, 0.0, 0.15),
    "transtibial": (0.80, 0.15, 0.05, 0.0),
    "transfemoral": (0.55, 0.30, 0.15, 0.0),
    "incomplete_sci": (0.35, 0.20, 0.25, 0.20),
    "tbi": (0.75, 0.20, 0.0, 0.05),
    "parkinsons": (0.65, 0.20, 0.0, 0.15),
}
_DEVICE_SPEED = {"none": 1.0, "cane": 0.9, "crutches": 0.85, "walker": 0.75}


def _posture_offsets(rng: np.random.Generator) -> np.ndarray:
    """Individual posture: a 2 deg offset shared by a joint's left and right sides plus 0.5 deg
    of side difference, so an unimpaired person stays symmetric (independent side offsets made
    step lengths differ by up to 40 %)."""
    from lmm_desktop.core.canonical import CANONICAL_JOINTS

    offsets = rng.normal(0.0, 2.0, N_JOINTS)  # (34,), degrees
    side_diff = rng.normal(0.0, 0.5, N_JOINTS)
    index = {n: i for i, n in enumerate(CANONICAL_JOINTS)}
    for name, i in index.items():
        if name.endswith("_l"):
            offsets[i] = offsets[index[name[:-2] + "_r"]] + side_diff[i]
    return offsets


@dataclass(frozen=True)
class Participant:
    """One simulated person. Angles and speeds here are the person's habitual values."""

    pid: str
    """Identifier, e.g. ``"S0007"``."""
    condition: str
    """Key of :data:`CONDITIONS` (``"transtibial"``, ``"stroke"``, ...)."""
    affected_side: str
    """``"left"``, ``"right"``, ``"bilateral"`` or ``"none"``."""
    device: str
    """One of :data:`DEVICES`."""
    fall_history: bool | None
    """Falls in the past year; only known (not None) for prosthesis users."""
    age: float
    sex: str
    height_m: float
    mass_kg: float
    severity: float
    """0 (mild) .. 1 (severe); 0 for unimpaired participants."""
    speed_m_s: float
    """Self-selected walking speed."""
    walk_ratio: float
    """Step length / cadence, m per (steps/min); sets cadence from speed."""
    stride_cv: float
    """Stride-to-stride coefficient of variation of stride time."""
    device_hand: str
    """Cane hand (``"left"``/``"right"``); ``"both"`` for crutches/walker; else ``"none"``."""
    offsets_deg: tuple[float, ...]
    """Persistent per-joint offsets (34 canonical joints), degrees: individual posture."""
    seed: int
    """Seed of this participant's trials."""

    @property
    def diagnosis(self) -> str:
        return CONDITIONS[self.condition][0]

    @property
    def impaired(self) -> bool:
        return self.condition != "unimpaired"

    @property
    def leg_length_m(self) -> float:
        return 0.53 * self.height_m


def condition_shares(unimpaired_share: float | None = None) -> dict[str, float]:
    """Each condition's share of a cohort: :data:`CONDITIONS`, or with the unimpaired share set
    to ``unimpaired_share`` and the conditions scaled to fill the rest in their proportions
    (a cohort rich in the rare labels, e.g. to calibrate diagnosis, device and fall history)."""
    shares = {c: share for c, (_, share) in CONDITIONS.items()}
    if unimpaired_share is None:
        return shares
    if not 0.0 <= unimpaired_share <= 1.0:
        raise ValueError("Invalid value for 'unimpaired share': expected 0-1, got "
                         f"{unimpaired_share}")
    rest = sum(v for c, v in shares.items() if c != "unimpaired")
    return {c: (unimpaired_share if c == "unimpaired" else v / rest * (1.0 - unimpaired_share))
            for c, v in shares.items()}


def sample_participants(n: int, seed: int, *, unimpaired_share: float | None = None
                        ) -> list[Participant]:
    """Draw ``n`` participants deterministically from ``seed`` (the cohort's condition shares,
    or those of :func:`condition_shares` with ``unimpaired_share``).

    Each participant gets its own child seed (``SeedSequence.spawn``), so a participant's trials do
    not depend on how many others were drawn or on the number of worker processes.
    """
    if n < 1:
        raise ValueError(f"Invalid value for 'participants': expected at least 1, got {n}")
    ss = np.random.SeedSequence(seed)
    rng = np.random.default_rng(ss)
    child_seeds = [int(c.generate_state(1)[0]) for c in ss.spawn(n)]
    by_condition = condition_shares(unimpaired_share)
    names = list(by_condition)
    shares = np.array([by_condition[c] for c in names])
    out = []
    for i in range(n):  # one participant at a time: a cohort's first k people never change with n
        cond = names[int(rng.choice(len(names), p=shares / shares.sum()))]
        out.append(_one(rng, f"S{i + 1:04d}", cond, child_seeds[i]))
    return out


def _one(rng: np.random.Generator, pid: str, condition: str, seed: int) -> Participant:
    mu, sd, lo, hi, p_male = _DEMOGRAPHY[condition]
    age = float(np.clip(rng.normal(mu, sd), lo, hi))
    sex = "male" if rng.random() < p_male else "female"
    height = float(np.clip(rng.normal(1.77 if sex == "male" else 1.635, 0.068), 1.45, 2.02))
    bmi = float(np.clip(rng.normal(26.5, 4.0), 18.0, 40.0))
    severity = 0.0 if condition == "unimpaired" else float(rng.beta(2.0, 2.2))

    if condition in ("stroke", "transtibial", "transfemoral"):
        side = "left" if rng.random() < 0.5 else "right"
    elif condition == "unimpaired":
        side = "none"
    else:
        side = "bilateral"

    p = np.array(_DEVICE_P[condition], dtype=float)
    p[0] *= 1.6 - severity  # the more severe, the more likely a device
    p[1:] *= 0.4 + severity
    device = DEVICES[int(rng.choice(len(DEVICES), p=p / p.sum()))]
    if device == "cane":
        if side in ("left", "right"):
            hand = "left" if side == "right" else "right"  # cane opposite the affected leg
        else:
            hand = "right" if rng.random() < 0.8 else "left"
    else:
        hand = "none" if device == "none" else "both"

    fall: bool | None = None
    if condition in ("transtibial", "transfemoral"):
        p_fall = 0.30 + 0.35 * severity + (0.10 if condition == "transfemoral" else 0.0)
        fall = bool(rng.random() < p_fall)

    speed = _habitual_speed(rng, condition, severity, age, height) * _DEVICE_SPEED[device]
    walk_ratio = 0.0064 * height / 1.75 * float(rng.normal(1.0, 0.06))
    if condition == "parkinsons":
        walk_ratio *= 0.70 - 0.15 * severity  # short steps, high cadence
    elif condition in ("stroke", "incomplete_sci"):
        walk_ratio *= 0.95
    cv = {"unimpaired": 0.018, "tbi": 0.05, "parkinsons": 0.035}.get(condition, 0.03)
    cv *= 1.0 + severity + (0.5 if fall else 0.0)
    offsets = _posture_offsets(rng)  # (34,), degrees

    return Participant(
        pid=pid,
        condition=condition,
        affected_side=side,
        device=device,
        fall_history=fall,
        age=round(age, 1),
        sex=sex,
        height_m=round(height, 3),
        mass_kg=round(bmi * height**2, 1),
        severity=round(severity, 3),
        speed_m_s=float(np.clip(speed, 0.25, 1.8)),
        walk_ratio=walk_ratio,
        stride_cv=cv,
        device_hand=hand,
        offsets_deg=tuple(float(o) for o in offsets),
        seed=seed,
    )


def _habitual_speed(
    rng: np.random.Generator, condition: str, severity: float, age: float, height: float
) -> float:
    base = {
        "unimpaired": 1.36,
        "stroke": 0.95,
        "transtibial": 1.20,
        "transfemoral": 1.02,
        "incomplete_sci": 0.95,
        "tbi": 1.15,
        "parkinsons": 1.10,
    }[condition]
    loss = {
        "unimpaired": 0.0,
        "stroke": 0.65,
        "transtibial": 0.35,
        "transfemoral": 0.45,
        "incomplete_sci": 0.60,
        "tbi": 0.45,
        "parkinsons": 0.45,
    }[condition]
    age_term = -0.004 * max(age - 45.0, 0.0)
    return float(base - loss * severity + age_term + 0.5 * (height - 1.70) + rng.normal(0, 0.08))
