"""From trials (and, when known, their records) to a :class:`ReportModel`.

Used by the ``report`` command, the app's export dialog and the benchmark. The trials are analysed
here (forward kinematics once, shared by the analysis and the side-view snapshot); the user's
edited events from the records replace the detected ones, as in the app.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lmm_desktop import __version__
from lmm_desktop.records.models import ChatMessage, EditedEvent, age_on, apply_edits
from lmm_desktop.report.build import make_scrubber, patient_info, trial_report
from lmm_desktop.report.compare import compare
from lmm_desktop.report.model import (
    ReportModel,
    ReportOptions,
    SessionInfo,
    SignOff,
    TrialReport,
)

if TYPE_CHECKING:
    from lmm_desktop.analysis.pipeline import AnalysisResult
    from lmm_desktop.core.body import BodyPoints
    from lmm_desktop.core.trial import Trial
    from lmm_desktop.records.store import RecordStore

TITLE = "Movement assessment report"


@dataclass
class TrialInput:
    """One analysed trial and what the records and the assistant add to it."""

    trial: Trial
    result: AnalysisResult
    points: BodyPoints | None = None
    label: str | None = None
    note: str | None = None
    ai: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    ai_reason: str | None = None
    snapshot_png: bytes | None = None
    chat: list[ChatMessage] = field(default_factory=list)


@dataclass
class PatientDetails:
    """Who the report is about (from the records, the command line or the trial's metadata)."""

    name: str | None = None
    birth_date: str | None = None
    sex: str | None = None
    identifier_code: str | None = None


def analyse(
    trial: Trial, *, edits: Sequence[EditedEvent] = (), label: str | None = None
) -> TrialInput:
    """Forward kinematics and analysis of one trial; user edits replace the detected events."""
    from lmm_desktop.analysis.pipeline import analyze, body_points_for

    points = body_points_for(trial)
    result = analyze(trial, points=points)
    if edits:
        override = apply_edits(result.events_used(), list(edits))
        result = analyze(trial, points=points, events_override=override)
    return TrialInput(trial=trial, result=result, points=points, label=label)


def read_trials(path: str | Path, trial_name: str | None = None) -> list[Trial]:
    """The trial file, or the trials of a session folder (only ``trial_name`` when given)."""
    from lmm_desktop.io import open_session, read_trial

    p = Path(path)
    if p.is_dir() and trial_name is None:
        session = open_session(p)
        return [session.read(n) for n in session.trial_names]
    return [read_trial(p, trial=trial_name)]


def attach_records(
    store: RecordStore, item: TrialInput
) -> tuple[PatientDetails, SessionInfo, str | None] | None:
    """Fill ``item`` from the records of its file (found by content hash): note, stored AI
    answers, chat, and the analysis redone from the user's edited events when there are any.
    Returns the patient, the session and the session note, or None if the file is unknown."""
    from lmm_desktop.records.importer import sha256_of

    path = item.trial.provenance.path
    if path is None or not Path(path).is_file():
        return None
    found = store.trials_by_sha256(sha256_of(path))
    if not found:
        return None
    rec = found[-1]
    edits = store.edited_events(rec.id)
    if edits:
        redone = analyse(item.trial, edits=edits)
        item.result, item.points = redone.result, redone.points
    note = store.note("trial", rec.id)
    item.note = note.text if note else item.note
    item.ai += [(a.question, a.answer) for a in store.assessments(rec.id)]
    item.chat = store.chat(rec.id)
    session = store.session(rec.session_id)
    patient = store.patient(session.patient_id)
    snote = store.note("session", session.id)
    return (
        PatientDetails(
            patient.display_name, patient.birth_date, patient.sex, patient.identifier_code
        ),
        SessionInfo(session.date, session.assessor, session.referral_question, session.walking_aid),
        snote.text if snote else None,
    )


def _snapshot(item: TrialInput) -> tuple[str | None, str | None]:
    if item.snapshot_png is not None or item.points is None:
        return None, None
    from lmm_desktop.report.snapshot import side_view_svg, squat_view_svg

    squats = getattr(item.result, "squats", None)
    if squats is not None and squats.reps and item.points.has("hip_l"):
        rep = squats.reps[0]
        return squat_view_svg(item.points, (rep.start_s, rep.bottom_s, rep.end_s))
    return side_view_svg(item.points, item.result.events_used())


def assemble_report(
    items: Sequence[TrialInput],
    *,
    patient: PatientDetails | None = None,
    session: SessionInfo | None = None,
    options: ReportOptions | None = None,
    session_note: str | None = None,
    sign_off: SignOff | None = None,
    comparison: bool = False,
    title: str = TITLE,
) -> ReportModel:
    """Build the report model; with ``comparison`` the first two items are compared (A, B)."""
    options = options or ReportOptions()
    patient = patient or PatientDetails()
    if patient.identifier_code is None:
        from lmm_desktop.records.store import new_identifier_code

        patient.identifier_code = new_identifier_code()
    scrub = (
        make_scrubber(patient.name, patient.birth_date, patient.identifier_code)
        if options.deidentify
        else (lambda s: s)
    )
    subject = items[0].trial.subject if items else None
    age = age_on(patient.birth_date, (session or SessionInfo()).date)
    info = patient_info(
        name=patient.name,
        birth_date=patient.birth_date,
        sex=patient.sex or (subject.sex if subject else None),
        identifier_code=patient.identifier_code,
        deidentify=options.deidentify,
        age_years=age if age is not None else (subject.age_years if subject else None),
        height_m=subject.height_m if subject else None,
        mass_kg=subject.mass_kg if subject else None,
    )
    trials: list[TrialReport] = []
    for item in items:
        svg, caption = _snapshot(item)
        result = item.result
        # the tests' age and sex norms: the patient's details (the birth date on the session
        # date) win over a file header's, which may be from another day
        if age is not None and result.age_years != age:
            result = replace(result, age_years=age)
        if patient.sex and getattr(result, "sex", None) != patient.sex:
            result = replace(result, sex=patient.sex)
        path = item.trial.provenance.path
        source = None if path is None else (Path(path).name if options.deidentify else str(path))
        trials.append(
            trial_report(
                result,
                label=item.label,
                source=source,
                ai=item.ai if options.include_ai else (),
                ai_reason=item.ai_reason,
                note=item.note,
                snapshot_png=item.snapshot_png,
                snapshot_svg=svg,
                snapshot_caption=caption if svg else "Snapshot of the 3D view.",
                scrub=scrub,
            )
        )
    comp = None
    if comparison and len(trials) >= 2:
        comp = compare(
            trials[0], trials[1], label_a=f"A: {trials[0].label}", label_b=f"B: {trials[1].label}"
        )
    chat = [ChatMessage(m.role, scrub(m.text), m.created) for it in items for m in it.chat]
    return ReportModel(
        title=title,
        generated=date.today().isoformat(),
        patient=info,
        session=_scrub_session(session or SessionInfo(), scrub),
        trials=trials,
        options=options,
        comparison=comp,
        session_note=None if session_note is None else scrub(session_note),
        chat=chat if options.include_chat else None,
        sign_off=sign_off or SignOff(),
        software=f"LMM Desktop {__version__}",
    )


def _scrub_session(s: SessionInfo, scrub: Callable[[str], str]) -> SessionInfo:
    """The referral question and walking aid are free text: they may name the patient."""
    return SessionInfo(
        s.date,
        s.assessor,
        None if s.referral_question is None else scrub(s.referral_question),
        None if s.walking_aid is None else scrub(s.walking_aid),
    )
