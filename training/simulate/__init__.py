"""Cohort simulator: simulated participants and their clinical trials, with ground truth.

The trials are SIMULATED (normal gait curves edited per condition, placed on the floor with the
app's forward kinematics). Each participant also gets a habitus (``habitus.py``): a pelvis tilt
and trunk lean, arm carriage, and the capture model's conventions (locked toes, no neck or wrist
coordinates), so that real trials from other models are not out of distribution. The trials
exist to develop and test the training pipeline, not to stand in for real patients.
"""

from __future__ import annotations

from training.simulate.cohort import (
    CONDITIONS,
    DEVICES,
    DIAGNOSES,
    Participant,
    sample_participants,
)
from training.simulate.runner import (
    SimulatedTrial,
    SimulationConfig,
    simulate_cohort,
    simulate_participant,
    simulate_trial,
)

__all__ = [
    "CONDITIONS",
    "DEVICES",
    "DIAGNOSES",
    "Participant",
    "SimulatedTrial",
    "SimulationConfig",
    "sample_participants",
    "simulate_cohort",
    "simulate_participant",
    "simulate_trial",
]
