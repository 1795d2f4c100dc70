"""Export a chat about a trial on its own, as Markdown (to read) or JSON (to process)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from lmm_desktop.core.atomic import atomic_write
from lmm_desktop.core.errors import InvalidValueError
from lmm_desktop.records.models import ChatMessage
from lmm_desktop.report.model import AI_DISCLAIMER

CHAT_FORMAT_VERSION = 1


def chat_markdown(
    messages: Sequence[ChatMessage],
    *,
    trial: str,
    patient: str | None = None,
    scrub: Callable[[str], str] = lambda s: s,
) -> str:
    """The chat as Markdown: a header naming the trial, then one block per turn."""
    lines = [f"# Chat about trial {scrub(trial)}", ""]
    if patient:
        lines += [f"Patient: {patient}", ""]
    lines += [f"> Assistant answers are an {AI_DISCLAIMER}.", ""]
    for m in messages:
        who = "Clinician" if m.role == "user" else "Assistant"
        stamp = f" ({m.created})" if m.created else ""
        lines.append(f"**{who}**{stamp}:")
        lines.append("")
        lines += [f"{ln}" for ln in scrub(m.text).splitlines() or [""]]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def chat_json(
    messages: Sequence[ChatMessage],
    *,
    trial: str,
    patient: str | None = None,
    scrub: Callable[[str], str] = lambda s: s,
) -> dict[str, Any]:
    """The chat as a JSON-ready dict (``format_version``, ``trial``, ``patient``,
    ``disclaimer``, ``messages: [{role, text, created}]``)."""
    return {
        "format_version": CHAT_FORMAT_VERSION,
        "trial": scrub(trial),
        "patient": patient,
        "disclaimer": AI_DISCLAIMER,
        "messages": [
            {"role": m.role, "text": scrub(m.text), "created": m.created} for m in messages
        ],
    }


def export_chat(
    messages: Sequence[ChatMessage],
    path: str | Path,
    *,
    trial: str,
    patient: str | None = None,
    scrub: Callable[[str], str] = lambda s: s,
) -> Path:
    """Write the chat to ``path`` (``.md`` or ``.json``, chosen by the suffix), atomically."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in (".md", ".json"):
        raise InvalidValueError(
            f"Invalid value for 'path'. Allowed suffixes are '.md', '.json', but got {suffix!r}."
        )
    with atomic_write(p) as fh:
        if suffix == ".md":
            fh.write(chat_markdown(messages, trial=trial, patient=patient, scrub=scrub))
        else:
            json.dump(
                chat_json(messages, trial=trial, patient=patient, scrub=scrub),
                fh,
                indent=2,
                ensure_ascii=False,
            )
    return p
