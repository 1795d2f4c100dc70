"""The model card shipped with a model artifact: what it was trained on, how, how well it does,
and what it must not be used for. Written from the artifact's own records, never by hand."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lmm_desktop.core.atomic import atomic_write


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text()) if path.is_file() else {}


def calibration_section(cal: dict[str, Any]) -> list[str]:
    """Model-card lines for ``calibration.json``: where it was fitted and, per prompt variant
    and task, whether it was adopted and what it did out of sample."""
    fitted = cal.get("fitted_on", {})
    lines = [
        "## Label calibration",
        "The classification probabilities the app shows pass through a calibration "
        "(`calibration.json`, `lmm-train calibrate`): per task and prompt variant, a temperature "
        "(never below 1, so never sharper) "
        "and one offset per label fitted for equally likely labels (class-balanced log-loss) on "
        f"simulated participants the model was not trained on and the evaluation does not use "
        f"(`{fitted.get('dataset')}`, up to {fitted.get('max_rows_per_task')} rows per task). "
        "It is adopted for a task only where a participant-grouped cross-validation showed it "
        "lowers the balanced log-loss without lowering macro-F1. The probabilities therefore "
        "say which label fits the movement best, not how common each label was in the "
        "training cohort."
        + (f" The scores average {cal['label_wordings']} fixed wordings of each question (the "
           "same whatever the user typed), and the app answers the same way."
           if int(cal.get("label_wordings") or 1) > 1 else ""),
        "",
        "| variant | task | rows (participants) | macro-F1 raw → calibrated, out of sample | "
        "temperature | adopted |",
        "|---|---|---|---|---|---|",
    ]
    for variant, tasks in cal.get("report", {}).items():
        for task, e in tasks.items():
            cv = e.get("cross_validation")
            change = (f"{cv['raw_macro_f1']:.3f} → {cv['calibrated_macro_f1']:.3f}" if cv
                      else e.get("why", "n/a"))
            temp = e.get("temperature")
            lines.append(f"| {variant} | {task} | {e.get('n_rows', 0)} "
                         f"({e.get('n_participants', 0)}) | {change} | "
                         f"{'n/a' if temp is None else f'{temp:.2f}'} | "
                         f"{'yes' if e.get('adopted') else 'no'} |")
    return lines


TEST_COHORT_EVALUATION_FILE = "evaluation_test_cohort.json"
"""``lmm-train eval --test-dataset`` results kept beside the model (optional)."""


def test_cohort_section(ev: dict[str, Any]) -> list[str]:
    """The evaluation on a fresh test cohort: the usual table, then each figure with its 95 %
    interval over resampled participants."""
    from training.eval.llm_eval import to_markdown

    lines = [
        "## Evaluation on a fresh test cohort",
        f"Participants simulated with another seed, none of them seen in training or "
        f"calibration: {ev.get('test_participants')} participants; rows asked per task: "
        + ", ".join(f"{t} {n}" for t, n in sorted((ev.get("rows_per_task") or {}).items()))
        + f"; one row per participant while there are participants left; "
        f"{ev.get('seeds')} paraphrase draw(s); device {ev.get('device')}.",
        "",
        to_markdown(ev).rstrip(),
        "",
        "Each figure with its 95 % interval over resampled participants (first draw):",
        "",
        "| task | rows | participants | tokens | grounded |",
        "|---|---|---|---|---|",
    ]
    first = {k: (ev.get(f"{k}_runs") or [{}])[0] for k in ("model", "grounded")}
    for task_id in sorted(first["model"]):
        cells = []
        for key in ("model", "grounded"):
            entry = first[key].get(task_id, {})
            value = entry.get("macro_f1", entry.get("pearson_r"))
            ci = (entry.get("by_participant") or {}).get("ci95")
            cells.append("n/a" if value is None else f"{value:.3f}"
                         + (f" [{ci[0]:.3f}, {ci[1]:.3f}]" if ci else ""))
        entry = first["model"][task_id]
        lines.append(f"| {task_id} | {entry.get('n')} | "
                     f"{(entry.get('by_participant') or {}).get('n_participants')} | "
                     f"{cells[0]} | {cells[1]} |")
    return lines


def write_model_card(
    model_dir: Path,
    *,
    dataset_dir: Path | None = None,
    tokenizer_dir: Path | None = None,
    owed: list[str] | None = None,
    data_notes: list[str] | None = None,
) -> Path:
    """Write ``MODEL_CARD.md`` into ``model_dir`` from artifact.json, evaluation.json, the
    dataset manifest and the tokenizer evaluation (and its ``evaluation_real_fixtures.json``);
    ``data_notes`` are extra lines about the training data."""
    info = _load(model_dir / "artifact.json")
    ev = _load(model_dir / "evaluation.json")
    manifest = _load(dataset_dir / "manifest.json") if dataset_dir else {}
    tok_ev = _load(tokenizer_dir / "evaluation.json") if tokenizer_dir else {}
    tok_real = (
        _load(tokenizer_dir / "evaluation_real_fixtures.json").get("files", {})
        if tokenizer_dir
        else {}
    )
    train = info.get("training", {})
    base = info.get("base_model", {})
    codebook_init = train.get("motion_embedding_init") == "codebook"
    on_gpu = str(train.get("device", "cpu")).startswith("cuda")
    where = f"one {train.get('device_name') or 'CUDA'} GPU" if on_gpu else "CPU"
    init_text = "the tokenizer's codebook vectors" if codebook_init else "random values"
    lines = [
        "# LMM Desktop default model: model card",
        "",
        "> **Trained on SIMULATED data. Not for clinical decisions.** Its answers are AI "
        "estimates shown beside what the validated gait analysis measured; they are not a "
        "diagnosis.",
        "",
        "## What it is",
        f"- Base model: {base.get('name')} ({base.get('source')}, sha256 "
        f"`{str(base.get('sha256'))[:16]}…`), pretrained, no instruction tuning; Gemma turn "
        "format set as the chat template.",
        f"- Vocabulary extended with {len(info.get('vocabulary', {}).get('added', []))} motion "
        "tokens (codes of the motion tokenizer plus begin/end sentinels); only their embedding "
        "rows were trained.",
        "- LoRA on the attention and MLP projections; settings below. Trained with "
        f"{'4-bit NF4 (QLoRA)' if train.get('quantize') == 'nf4' else 'float32'} "
        f"weights on {where} (compute: {train.get('mixed_precision', 'float32')}). "
        "The motion-token rows started from "
        f"{init_text}. The app runs it on CPU as float32 with an int8 output head (see the "
        "evaluation's precision).",
        f"- Task registry version {info.get('task_registry_version')}; created "
        f"{info.get('created')}.",
        "",
        "## Training",
        "```json",
        json.dumps(
            {k: train.get(k) for k in sorted(train) if k not in ("history",)}, indent=2, default=str
        )[:3000],
        "```",
    ]
    stages = []
    stage = train
    while isinstance(stage, dict) and stage:
        stages.append(stage)
        stage = stage.get("init_from")
    if len(stages) > 1:
        lines += ["", "Training stages (each continued the adapter of the one before):"]
        for i, st in enumerate(reversed(stages), 1):
            conf = st.get("config", {})
            turns = int(conf.get("pack_turns") or 1)
            form = (
                f"conversations of up to {turns} questions about one trial"
                if turns > 1
                else "one question per example"
            )
            answers = st.get("train_answers") or st.get("train_rows")
            tasks = list(conf.get("tasks") or ())
            ran_on = st.get("device_name") or st.get("device")
            lines.append(
                f"{i}. {st.get('steps')} steps × batch {conf.get('batch_size')}, {form}, "
                f"learning rate {conf.get('learning_rate')}, {st.get('tokens')} tokens "
                f"at {st.get('tokens_per_s')} tok/s"
                + (f" on {ran_on}" if ran_on else "")
                + f"; drawn from {answers} answers"
                + (f" of the tasks {', '.join(tasks)}" if tasks else "")
                + (
                    f", {', '.join(str(o).replace('=', ' ×') for o in conf['oversample'])}"
                    if conf.get("oversample")
                    else ""
                )
                + ("; loss on the answers only" if conf.get("loss_on_prompt") is False else "")
                + "."
            )
    if manifest:
        lines += [
            "",
            "## Data",
            f"- {manifest.get('n_trials')} simulated trials, {manifest.get('n_pairs')} "
            "question/answer pairs, participant-level split shared with the tokenizer.",
            "",
            "| task | train pairs | val pairs | train participants | val participants |",
            "|---|---|---|---|---|",
        ]
        for t, c in manifest.get("per_task", {}).items():
            lines.append(
                f"| {t} | {c['train_pairs']} | {c['val_pairs']} | "
                f"{c['train_participants']} | {c['val_participants']} |"
            )
        if data_notes:
            lines += ["", *(f"- {n}" for n in data_notes)]
    if tok_ev:
        lines += [
            "",
            "## Motion tokenizer",
            f"- Held-out reconstruction RMSE {tok_ev.get('rmse_deg_mean_over_joints'):.2f}° "
            f"(mean over joints), codebook usage {tok_ev.get('codebook_usage', 0):.0%}, "
            f"perplexity {tok_ev.get('perplexity', 0):.0f}.",
        ]
        if tok_real:
            lines.append(
                "- On real trials (not simulated): "
                + ", ".join(f"{name} {v['rmse_deg']:.1f}°" for name, v in tok_real.items())
                + "."
            )
    cal = _load(model_dir / "calibration.json")
    if cal:
        lines += ["", *calibration_section(cal)]
    if ev:
        from training.eval.llm_eval import to_markdown

        lines += [
            "",
            "## Evaluation (held-out simulated participants)",
            f"Held-out rows: {ev.get('n_val_rows')}"
            + (f", of which the first {ev['max_rows_per_task']} per task were asked"
               if ev.get("max_rows_per_task") else "")
            + f"; device {ev.get('device')}; mean ± SD over "
            + (f"{ev['seeds']} " if ev.get("seeds") else "")
            + "paraphrase draws."
            + (f" Composed of runs: {ev['merged']}." if ev.get("merged") else ""),
            "",
            to_markdown(ev),
        ]
    test_ev = _load(model_dir / TEST_COHORT_EVALUATION_FILE)
    if test_ev:
        lines += ["", *test_cohort_section(test_ev)]
    lines += [
        "",
        "## Limits and what is still owed",
        "- Simulated participants only: real clinical movement differs; no claim of "
        "clinical validity is made.",
    ]
    if on_gpu:
        lines.append(
            f"- Trained on {where} with the paper's recipe ({train.get('epochs_done')} epochs of "
            f"{train.get('train_rows')} training pairs, {train.get('train_seconds')} s at "
            f"{train.get('tokens_per_s')} tokens/s) on the 270M base; the paper's larger bases "
            "(Gemma 3 1B/4B) were not trained."
        )
    else:
        lines.append(
            "- Trained on a 2-core CPU at reduced scale (see the training settings above); "
            "the paper's scale (~27k pairs, 1.2 epochs, Gemma 3 1B/4B) is a GPU job."
        )
    lines += [f"- {o}" for o in owed or []]
    out = model_dir / "MODEL_CARD.md"
    with atomic_write(out) as fh:
        fh.write("\n".join(lines) + "\n")
    return out
