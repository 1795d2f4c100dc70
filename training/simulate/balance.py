"""A SIMULATED one-leg stance (single-leg balance) trial for the demo folder.

Not a cohort activity (the activity labels the models learn are fixed): the demo's unimpaired
participant stands, lifts the left foot (hip and knee bent, the thigh forward) and balances on
the right leg, puts it down, then balances on the left leg for a shorter time, with the small
postural sway of quiet standing. The simulator's placement keeps the stance foot still on the
floor; the lifted foot is unloaded, so the ground-truth lift-off and touch-down are its toe off
and heel strike.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lmm_desktop.core.canonical import JOINT_INDEX as J
from training.simulate.activities import _stand
from training.simulate.cohort import Participant
from training.simulate.demo_trial import write_demo_draft
from training.simulate.gait import smooth_noise
from training.simulate.keyframes import Key, animate
from training.simulate.motion import Draft

HOLDS: tuple[tuple[str, float], ...] = (("l", 8.0), ("r", 3.5))
"""(lifted foot, seconds held up): about 8.5 s on the right leg, then 4 s on the left."""
BALANCE_NAME = "S0004_one_leg_stance_01"


def one_leg_stance_draft(
    p: Participant, rng: np.random.Generator, rate_hz: float,
    holds: tuple[tuple[str, float], ...] = HOLDS,
) -> Draft:
    """Stand, then for each ``(foot, seconds)`` lift that foot, hold, put it down."""
    stand = _stand(p, neutral_hips=True)
    keys = [Key(1.5, stand)]
    for foot, held in holds:
        other = "l" if foot == "r" else "r"
        up = stand.copy().add(**{  # the thigh forward, the foot clear of the floor at once
            f"hip_flexion_{foot}": 40.0, f"knee_angle_{foot}": 65.0,
            # the body over the stance foot: that hip adducts, the free one abducts
            f"hip_adduction_{other}": 3.0, f"hip_adduction_{foot}": -3.0,
        })
        on = (foot == "l", foot == "r")  # (right, left) on the floor: the stance foot only
        keys += [
            Key(0.6, up, contact=on),  # lift-off at the start of this key (toe off)
            Key(held, up, contact=on),
            Key(0.6, stand, contact=on),  # the foot comes down, not yet loaded
            Key(1.5, stand),  # touch-down at the start of this key (heel strike)
        ]
    draft = animate(stand, keys, rate_hz)
    sway = 0.6 * smooth_noise(rng, draft.n_frames, 2, 0.7 * rate_hz)  # (n, 2) degrees
    draft.pelvis_body[:, 0] -= sway[:, 0]  # lean about the ankles
    draft.angles[:, J["ankle_angle_r"]] += sway[:, 0]
    draft.angles[:, J["ankle_angle_l"]] += sway[:, 0]
    draft.angles[:, J["hip_adduction_r"]] += 0.5 * sway[:, 1]
    draft.angles[:, J["hip_adduction_l"]] -= 0.5 * sway[:, 1]
    return draft


def write_balance_demo(
    out: Path, p: Participant, rate_hz: float, seed: int
) -> tuple[Path, str, dict[str, tuple[float, float]]]:
    """Write ``S0004_one_leg_stance_01.mot`` into ``out``; returns it, its README line and the
    ground truth: stance side -> (lift-off, touch-down) seconds."""
    rng = np.random.default_rng(seed)
    draft = one_leg_stance_draft(p, rng, rate_hz)
    path, events = write_demo_draft(draft, p, BALANCE_NAME, out, rate_hz, rng)
    off = {e[1]: e[2] for e in events if e[0] == "toe_off"}
    on = {e[1]: e[2] for e in events if e[0] == "heel_strike"}
    stance = {"left": "right", "right": "left"}  # the lifted foot -> the leg stood on
    truth = {stance[side]: (off[side], on[side]) for side in off if side in on}
    held = {leg: b - a for leg, (a, b) in truth.items()}
    line = (
        f"\n- `{path.name}`: One-leg stance (single-leg balance): the unimpaired participant "
        f"stands on the right leg for {held.get('right', float('nan')):.1f} s (the left foot "
        f"up), then on the left for {held.get('left', float('nan')):.1f} s, with the sway of "
        "quiet standing (the times from the simulated lift-off to touch-down). Not a cohort "
        "activity, so not in `labels.csv`. Marked simulated."
    )
    return path, line, truth


__all__ = ["BALANCE_NAME", "HOLDS", "one_leg_stance_draft", "write_balance_demo"]
