"""Simulate a whole cohort: participants -> trials -> files, optionally on several processes.

Every participant's trials are drawn from that participant's own seed, so the output does not
depend on the number of worker processes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lmm_desktop.core.trial import Trial
from training.simulate import activities
from training.simulate.cohort import Participant, condition_shares, sample_participants
from training.simulate.habitus import Habitus, apply_capture, apply_posture, draw_habitus
from training.simulate.motion import Draft, place, stance_drift
from training.simulate.noise import add_capture_noise, add_gaps
from training.simulate.output import describe, make_trial, write_events, write_labels, write_mot
from training.simulate.truth import (
    clinical_test_truth,
    events_from_contact,
    gait_truth,
    merge_phases,
)


@dataclass
class SimulationConfig:
    """What to simulate and where to write it."""

    participants: int
    """Number of participants (each gets about 12 trials)."""
    out: Path
    """Output folder (created); trials go to ``<out>/<participant>/``."""
    seed: int = 0
    """Seed of the whole cohort."""
    rate_hz: float = 100.0
    """Sample rate of the written kinematics."""
    workers: int = 1
    """Processes to use."""
    unimpaired_share: float | None = None
    """Share of unimpaired participants (None: the cohort's usual 48 %); lower gives more of
    the rare labels, e.g. for a calibration cohort."""

    def __post_init__(self) -> None:
        if self.participants < 1:
            raise ValueError(
                f"Invalid value for 'participants': expected at least 1, got {self.participants}"
            )
        if not 20.0 <= self.rate_hz <= 500.0:
            raise ValueError(f"Invalid value for 'rate': expected 20-500 Hz, got {self.rate_hz}")
        if self.workers < 1:
            raise ValueError(
                f"Invalid value for 'workers': expected at least 1, got {self.workers}"
            )
        if self.unimpaired_share is not None and not 0.0 <= self.unimpaired_share <= 1.0:
            raise ValueError("Invalid value for 'unimpaired share': expected 0-1, got "
                             f"{self.unimpaired_share}")


def trial_plan(p: Participant, rng: np.random.Generator) -> list[str]:
    """The activities one participant performs, in order (about 12 trials)."""
    plan = ["walking"] * int(rng.integers(3, 5))
    if p.severity < 0.85:
        plan += ["walking_fast"] * 2
    plan += ["tug"] * 2
    if p.device != "walker":
        plan += ["fsst"] * 2
    plan += ["sts5", "standing"]
    if p.severity < 0.7 and p.device != "walker":
        plan.append("squats")
    return plan


def simulate_activity(
    p: Participant, activity: str, rng: np.random.Generator, rate_hz: float
) -> Draft:
    """One activity's draft (angles, contact, phases) for participant ``p``."""
    if activity == "walking":
        return activities.walking(p, rng, rate_hz, p.speed_m_s * rng.normal(1.0, 0.04))
    if activity == "walking_fast":
        return activities.walking(p, rng, rate_hz, activities.fast_speed(p, rng))
    builders = {
        "tug": activities.tug,
        "fsst": activities.fsst,
        "sts5": activities.sts5,
        "standing": activities.quiet_standing,
        "squats": activities.squats,
    }
    return builders[activity](p, rng, rate_hz)


@dataclass
class SimulatedTrial:
    """One simulated trial in memory: the trial as it is written, and its ground truth."""

    trial: Trial
    """The trial (capture noise and gaps added; provenance ``simulated``)."""
    truth: dict[str, float]
    """Ground-truth values (gait parameters, or the clinical test's time; see ``truth.py``)."""
    events: list[tuple[str, str, float]]
    """Ground-truth events ``(label, side, time_s)`` from the simulated floor contact."""
    phases: list[tuple[str, float, float]]
    """Ground-truth phases ``(name, start_s, end_s)``, one per name."""
    gap_frames: int
    """Frames blanked as tracking gaps."""
    max_stance_slide_m: float | None
    """Largest slide of a stance foot (metres), ``None`` without stance."""


def simulate_trial(
    p: Participant,
    activity: str,
    rng: np.random.Generator,
    rate_hz: float,
    name: str,
    habitus: Habitus | None = None,
) -> SimulatedTrial:
    """Simulate one trial of ``activity`` for ``p`` in memory (nothing is written).

    Draws from ``rng`` in a fixed order (motion, start position, noise, gaps), so a participant's
    trials are the same whether they are written (:func:`simulate_participant`) or not.
    ``habitus`` overrides the participant's own (:func:`~training.simulate.habitus.draw_habitus`).
    """
    habitus = draw_habitus(p.seed) if habitus is None else habitus
    draft = simulate_activity(p, activity, rng, rate_hz)
    apply_posture(draft, habitus)
    start = (float(rng.uniform(-0.5, 0.5)), float(rng.uniform(-0.5, 0.5)))
    placed = place(draft, p.height_m, start)
    events = events_from_contact(placed.contact, rate_hz)
    phases = merge_phases(draft.phases)
    truth = (
        gait_truth(events, placed, rate_hz)
        if activity.startswith("walking")
        else clinical_test_truth(activity, phases, events)
    )
    slide = stance_drift(placed)
    angles, rot, trans = draft.angles.copy(), placed.pelvis_rotation, placed.pelvis_translation
    present = apply_capture(angles, habitus)
    add_capture_noise(angles, rot, trans, rng, rate_hz)
    gaps = add_gaps([angles, rot, trans], rng, rate_hz)
    return SimulatedTrial(
        trial=make_trial(p, name, rate_hz, angles, rot, trans, events, present),
        truth=truth,
        events=events,
        phases=phases,
        gap_frames=gaps,
        max_stance_slide_m=float(slide.max()) if slide.size else None,
    )


def simulate_participant(
    p: Participant,
    out: Path,
    rate_hz: float,
    plan: list[str] | None = None,
    habitus: Habitus | None = None,
    keep_subject: tuple[str, ...] = (),
) -> tuple[list[dict[str, object]], dict[str, object]]:
    """Simulate and write the trials of ``p`` (its :func:`trial_plan` unless ``plan`` is given;
    its own habitus unless ``habitus`` is given; ``keep_subject``: the participant's fields
    the files' headers carry, see :func:`~training.simulate.output.write_mot`).

    Returns the label rows and the event records of the trials.
    """
    rng = np.random.default_rng(p.seed)
    habitus = draw_habitus(p.seed) if habitus is None else habitus  # once for all the trials
    rows: list[dict[str, object]] = []
    records: dict[str, object] = {}
    counts: dict[str, int] = {}
    for activity in trial_plan(p, rng) if plan is None else plan:
        counts[activity] = counts.get(activity, 0) + 1
        name = f"{p.pid}_{activity}_{counts[activity]:02d}"
        sim = simulate_trial(p, activity, rng, rate_hz, name, habitus)
        rel = Path(p.pid) / f"{name}.mot"
        write_mot(sim.trial, out / rel, keep_subject)
        rows.append(
            {
                "participant": p.pid,
                "trial": name,
                "file": rel.as_posix(),
                "activity": activity,
                "diagnosis": p.diagnosis,
                "condition": p.condition,
                "impaired": p.impaired,
                "affected_side": p.affected_side,
                "device": p.device,
                "fall_history": p.fall_history,
                "age": p.age,
                "sex": p.sex,
                "height_m": p.height_m,
                "mass_kg": p.mass_kg,
                "severity": p.severity,
                "rate_hz": rate_hz,
                "n_frames": sim.trial.n_frames,
                "duration_s": sim.trial.n_frames / rate_hz,
                "gap_frames": sim.gap_frames,
                "max_stance_slide_m": sim.max_stance_slide_m,
                "description": describe(p, activity, sim.truth),
                "simulated": True,
                **sim.truth,
            }
        )
        records[name] = {
            "events": [
                {"label": lab, "side": side, "time_s": round(t, 4)} for lab, side, t in sim.events
            ],
            "phases": [
                {"name": nm, "start_s": round(a, 4), "end_s": round(b, 4)}
                for nm, a, b in sim.phases
            ],
        }
    return rows, records


def _work(
    args: tuple[Participant, Path, float],
) -> tuple[list[dict[str, object]], dict[str, object]]:
    p, out, rate = args
    return simulate_participant(p, out, rate)


def simulate_cohort(cfg: SimulationConfig) -> dict[str, float]:
    """Simulate the cohort, write trials, ``labels.csv`` and ``events.json``; return a summary."""
    t0 = time.perf_counter()
    people = sample_participants(cfg.participants, cfg.seed,
                                 unimpaired_share=cfg.unimpaired_share)
    cfg.out.mkdir(parents=True, exist_ok=True)
    jobs = [(p, cfg.out, cfg.rate_hz) for p in people]
    if cfg.workers > 1:
        import multiprocessing as mp

        with mp.get_context("spawn").Pool(cfg.workers) as pool:
            results = pool.map(_work, jobs, chunksize=2)
    else:
        results = [_work(j) for j in jobs]
    rows = [r for rs, _ in results for r in rs]
    records = {k: v for _, rec in results for k, v in rec.items()}
    write_labels(rows, cfg.out / "labels.csv")
    write_events(
        {"seed": cfg.seed, "rate_hz": cfg.rate_hz, "simulated": True,
         "condition_shares": condition_shares(cfg.unimpaired_share), "trials": records},
        cfg.out / "events.json",
    )
    seconds = time.perf_counter() - t0
    return {
        "participants": float(len(people)),
        "trials": float(len(rows)),
        "seconds": seconds,
        "trials_per_s": len(rows) / seconds,
    }
