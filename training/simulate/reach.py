"""A SIMULATED Functional Reach Test for the demo folder.

Not a cohort activity (the activity labels the models learn are fixed): the demo's stroke
participant stands, raises the right arm forward to shoulder height, reaches forward as far as
they can by leaning the trunk and the body over the feet (the feet stay on the floor), comes
back and lowers the arm; three times (the first is practice), each reach a little farther. The
ground truth is the hand's travel forward from the raised-arm start to the farthest point, from
the noise-free simulated motion (the built-in model's hand point).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lmm_desktop.biomech.fk import builtin_forward_kinematics
from lmm_desktop.core.canonical import Kinematics
from training.simulate.activities import _stand
from training.simulate.cohort import Participant
from training.simulate.demo_trial import write_demo_draft
from training.simulate.gait import smooth_noise
from training.simulate.keyframes import Key, animate
from training.simulate.motion import Draft, place

REACH_NAME = "S0039_functional_reach_01"
LEANS: tuple[tuple[float, float], ...] = ((-14.0, -3.0), (-17.0, -4.0), (-19.0, -4.0))
"""(trunk pitch, shank pitch) at the farthest point of each reach, degrees (forward < 0)."""


def reach_draft(p: Participant, rng: np.random.Generator, rate_hz: float,
                leans: tuple[tuple[float, float], ...] = LEANS) -> Draft:
    """Stand; per attempt: raise the right arm forward to shoulder height, hold, lean forward,
    hold the farthest point, come back, lower the arm. Phases ``reach_k`` run from the arm
    raised and still to the return."""
    stand = _stand(p, neutral_hips=True)
    raised = stand.copy().set(arm_flex_r=90.0, arm_add_r=0.0, elbow_flex_r=0.0)
    keys = [Key(1.5, stand)]
    for k, (trunk, shank) in enumerate(leans, start=1):
        lean = raised.copy().sagittal(tilt=-12.0, thigh=-2.0, shank=shank, trunk=trunk)
        lean.set(arm_flex_r=90.0 - trunk)  # the arm kept level as the trunk leans forward
        keys += [
            Key(1.0, raised),  # the arm comes up
            Key(1.0, raised, phase=f"reach_{k}"),  # still, at shoulder height: the start
            Key(1.6, lean, phase=f"reach_{k}"),
            Key(0.8, lean, phase=f"reach_{k}"),  # the farthest point, held
            Key(1.4, raised, phase=f"reach_{k}"),
            Key(1.0, stand),
            Key(1.5, stand),
        ]
    draft = animate(stand, keys, rate_hz)
    sway = 0.3 * smooth_noise(rng, draft.n_frames, 1, 0.7 * rate_hz)
    draft.pelvis_body[:, 0] -= sway[:, 0]
    return draft


def reach_truth(draft: Draft, p: Participant, rate_hz: float) -> dict[str, float]:
    """The right hand's travel forward (+x) in each ``reach_k`` phase, cm: its farthest point
    minus where it is as the phase starts (the arm raised and still), from the noise-free
    motion placed on the floor."""
    placed = place(draft, p.height_m, (0.0, 0.0))
    kin = Kinematics(draft.angles, np.ones(draft.angles.shape[1], dtype=bool),
                     placed.pelvis_rotation, placed.pelvis_translation)
    time = np.arange(draft.n_frames) / rate_hz
    hand = builtin_forward_kinematics(kin, time, height_m=p.height_m).point("hand_r")[:, 0]
    out = {}
    for name, a, b in draft.phases:
        i, j = round(a * rate_hz), round(b * rate_hz)
        out[name] = 100.0 * (float(hand[i:j].max()) - float(hand[i]))
    return out


def write_reach_demo(
    out: Path, p: Participant, rate_hz: float, seed: int
) -> tuple[Path, str, dict[str, float]]:
    """Write ``S0039_functional_reach_01.mot`` into ``out``; returns it, its README line and
    the ground truth (:func:`reach_truth`)."""
    rng = np.random.default_rng(seed)
    draft = reach_draft(p, rng, rate_hz)
    truth = reach_truth(draft, p, rate_hz)  # (the demo's neutral posture changes nothing)
    path, _events = write_demo_draft(draft, p, REACH_NAME, out, rate_hz, rng)
    reaches = ", ".join(f"{truth[f'reach_{k}']:.1f}" for k in range(1, len(LEANS) + 1))
    line = (
        f"\n- `{path.name}`: Functional Reach Test: the stroke participant reaches forward "
        f"with the right arm at shoulder height three times, {reaches} cm (the hand's travel "
        "in the noise-free simulation; the first is practice). Not a cohort activity, so not "
        "in `labels.csv`. Marked simulated."
    )
    return path, line, truth


__all__ = ["LEANS", "REACH_NAME", "reach_draft", "reach_truth", "write_reach_demo"]
