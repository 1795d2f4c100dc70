"""The assistant engine: ``ask(trial, question, history) -> Answer`` with streaming, Stop,
label probabilities by scoring, value intervals, grounding in measurement, and routing.

Thread safety: one question at a time per engine (a lock); a Qt worker calls :meth:`ask` from
its thread and sets the ``stop`` event from the UI thread. Stop is checked between prefill chunks
and between generated tokens, so it takes effect within one chunk's forward pass (~50 ms for
Gemma 3 270M on two CPU cores). torch is imported lazily.
"""

from __future__ import annotations

import copy
import hashlib
import math
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from lmm_desktop.assistant import answer as A
from lmm_desktop.assistant.answer import Answer
from lmm_desktop.assistant.calibration import LabelCalibration
from lmm_desktop.assistant.chat_template import END_OF_TURN, render, stop_token_ids
from lmm_desktop.assistant.grounding import measured_sentence
from lmm_desktop.assistant.tasks import TASKS, ClinicalTask, route
from lmm_desktop.core.trial import Trial

MOVEMENT_WORDS = (
    "gait", "walk", "step", "stride", "knee", "hip", "ankle", "foot", "feet", "pelvis", "trunk",
    "torso", "arm", "leg", "head", "neck", "posture", "balance", "movement", "motion", "stance",
    "swing", "symmetr", "limp", "sit", "stand", "turn", "squat", "patient", "person", "subject",
    "participant", "joint", "flexion", "extension", "rotation", "abduction", "speed", "fall",
)
PREFILL_CHUNK = 64
MIN_SHARED_PREFIX = 16
"""Prompt tokens two wordings must share before the second continues the first's cache."""
_TIME_RE = re.compile(r"\b(?:at|around|near)\s+(\d+(?:\.\d+)?)\s*s\b")


@dataclass
class EngineModel:
    """A loaded language model with motion tokens, as the engine needs it."""

    model: Any
    tokenizer: Any
    device: str = "cpu"
    precision: str = "float32"
    version: str | None = None


@dataclass
class History:
    """One earlier turn of the conversation about the same trial."""

    question: str
    answer: str


class AssistantEngine:
    """Answers questions about trials with a motion-language model (see module docstring).

    Parameters
    ----------
    lm
        The language model with the motion tokens in its vocabulary.
    motion_text
        ``trial -> '<motion_begin>...<motion_end>'`` (the motion tokenizer through the codec).
    measure
        ``trial -> {measured_key: value}`` from the analysis, for grounding (optional).
    abstain_below
        A classification whose top probability is below this abstains (no label).
    max_new_tokens
        Bound on the generated answer length.
    grounded
        Give the measured metrics as text in the prompt (the grounded variant).
    calibration
        The model's label calibration (``calibration.json``), applied to the label scores of
        the matching prompt variant; None shows the raw, likelihood-normalised probabilities.
    label_wordings
        K > 1: a classification's label probabilities average the model's scores over K fixed
        wordings of the task's question (see :meth:`wordings`), whatever the user typed; the
        generated words still answer the user's wording. One wording's scores swing with the
        phrasing (on held-out participants the device macro-F1 of one draw ranged 0.22-0.52
        between paraphrases), and an answer should not depend on how a clinician happened to
        word the question. 1: the user's wording only.
    """

    def __init__(self, lm: EngineModel, motion_text: Callable[[Trial], str], *,
                 measure: Callable[[Trial], dict[str, float]] | None = None,
                 abstain_below: float = 0.5, max_new_tokens: int = 48,
                 grounded: bool = False, calibration: LabelCalibration | None = None,
                 label_wordings: int = 1) -> None:
        if label_wordings < 1:
            raise ValueError(f"label_wordings must be at least 1, got {label_wordings}")
        self.lm = lm
        self.label_wordings = label_wordings
        self._motion_text_fn = motion_text
        self._measure_fn = measure
        self.abstain_below = abstain_below
        self.max_new_tokens = max_new_tokens
        self.grounded = grounded
        self.calibration = calibration
        self._lock = threading.Lock()
        self._motion_cache: dict[str, str] = {}
        self._measure_cache: dict[str, dict[str, float]] = {}
        self._stop_ids = set(stop_token_ids(lm.tokenizer))
        vocab = lm.tokenizer.get_vocab()
        # Answers are words: the motion tokens (and sentinels) are masked out of generation.
        self._motion_ids = sorted(i for t, i in vocab.items() if t.startswith("<motion_"))

    # ------------------------------------------------------------------ caches
    @staticmethod
    def trial_key(trial: Trial) -> str:
        """Content key of a trial: the same motion is tokenized once."""
        h = hashlib.blake2b(digest_size=16)
        h.update(str(trial.provenance.path).encode())
        h.update(np.ascontiguousarray(trial.time).tobytes())
        if trial.kinematics is not None:
            h.update(np.ascontiguousarray(trial.kinematics.angles).tobytes())
        return h.hexdigest()

    def motion_text(self, trial: Trial) -> str:
        key = self.trial_key(trial)
        if key not in self._motion_cache:
            self._motion_cache[key] = self._motion_text_fn(trial)
        return self._motion_cache[key]

    def measurements(self, trial: Trial) -> dict[str, float]:
        if self._measure_fn is None:
            return {}
        key = self.trial_key(trial)
        if key not in self._measure_cache:
            self._measure_cache[key] = self._measure_fn(trial)
        return self._measure_cache[key]

    # ------------------------------------------------------------------ prompts
    def build_messages(self, trial: Trial, question: str,
                       history: Sequence[History] = ()) -> list[dict[str, str]]:
        """Chat messages: the motion segment (and, grounded, the measured values) goes with the
        first user turn (as in training)."""
        motion = self.motion_text(trial)
        grounding = measured_sentence(self.measurements(trial)) if self.grounded else ""
        msgs: list[dict[str, str]] = []
        first = True
        for turn in history:
            content = f"{motion} {grounding} {turn.question}" if first else turn.question
            content = " ".join(content.split())
            msgs += [{"role": "user", "content": content},
                     {"role": "assistant", "content": turn.answer}]
            first = False
        content = f"{motion} {grounding} {question}" if first else question
        msgs.append({"role": "user", "content": " ".join(content.split())})
        return msgs

    def wordings(self, task: ClinicalTask, question: str) -> list[str]:
        """The wordings a classification's label scores are averaged over: with
        ``label_wordings`` K > 1, K fixed paraphrases of the task spread evenly over its list,
        whatever the user typed (so the probabilities do not depend on the wording); with 1,
        the question as asked."""
        k = min(self.label_wordings, len(task.paraphrases))
        if k <= 1:
            return [question]
        n = len(task.paraphrases)
        return [task.paraphrases[(i * n) // k] for i in range(k)]

    # ------------------------------------------------------------------ ask
    def ask(self, trial: Trial, question: str, history: Sequence[History] = (), *,
            on_token: Callable[[str], None] | None = None,
            stop: threading.Event | None = None) -> Answer:
        """Answer ``question`` about ``trial`` (see the class docstring)."""
        t0 = time.perf_counter()
        stop = stop or threading.Event()
        task = route(question)
        if task is None and not _about_movement(question):
            text = ("That question is outside what I can assess from the movement. I can answer: "
                    + "; ".join(t.suggested for t in TASKS.values()))
            if on_token:
                on_token(text)
            return Answer(text=text, flags=[A.OUT_OF_SCOPE],
                          suggestions=[t.suggested for t in TASKS.values()],
                          latency_s=time.perf_counter() - t0, device=self.lm.device,
                          model_version=self.lm.version)
        with self._lock:
            return self._ask_locked(trial, question, history, task, on_token, stop, t0)

    def _ask_locked(self, trial: Trial, question: str, history: Sequence[History],
                    task: ClinicalTask | None, on_token: Callable[[str], None] | None,
                    stop: threading.Event, t0: float) -> Answer:
        if stop.is_set():  # before the motion tokens and the measurement, which take a while
            return Answer(text="", task=None if task is None else task.id, flags=[A.STOPPED],
                          latency_s=time.perf_counter() - t0, device=self.lm.device,
                          model_version=self.lm.version)
        # A registered clinical question is asked on its own, as the model was trained and
        # evaluated (one question per example): earlier answers in the chat could only sway it
        # (after a cadence answer it may word a speed answer in steps/min). Free-form
        # questions keep the conversation.
        if task is not None:
            history = ()
        extra = ([self.build_messages(trial, q) for q in self.wordings(task, question)]
                 if task is not None and task.kind == "classification"
                 and self.label_wordings > 1 else [])
        ans = self._run(self.build_messages(trial, question, history), task, on_token, stop,
                        t0, generate=True, intervals=True, extra=extra)
        if A.STOPPED not in ans.flags or ans.n_tokens:
            self._finish(trial, task, ans)
        ans.latency_s = time.perf_counter() - t0
        return ans

    def ask_messages(self, messages: list[dict[str, str]], task_id: str | None, *,
                     generate: bool = True, intervals: bool = False,
                     max_new_tokens: int | None = None) -> Answer:
        """Answer a ready conversation for a known task (evaluation: no routing, no trial).

        Classification always gets label probabilities; ``generate`` adds the greedy text (and
        for regression the parsed value); ``intervals`` adds value intervals.
        """
        from lmm_desktop.assistant.tasks import get_task

        task = get_task(task_id) if task_id else None
        extra = (self._reworded(messages, task)
                 if task is not None and task.kind == "classification" else [])
        t0 = time.perf_counter()
        saved = self.max_new_tokens
        if max_new_tokens is not None:
            self.max_new_tokens = max_new_tokens
        try:
            with self._lock:
                ans = self._run(messages, task, None, threading.Event(), t0,
                                generate=generate, intervals=intervals, extra=extra)
        finally:
            self.max_new_tokens = saved
        if task is not None and task.kind == "regression" and ans.value is None:
            parsed = task.parse_answer(ans.text)
            ans.value = None if parsed is None else float(parsed)
            ans.unit = task.unit
        ans.latency_s = time.perf_counter() - t0
        return ans

    def _reworded(self, messages: list[dict[str, str]], task: ClinicalTask
                  ) -> list[list[dict[str, str]]]:
        """The conversation with its last question put in each of the :meth:`wordings` (when
        it ends with one of the task's paraphrases and there are several; else none)."""
        if self.label_wordings < 2 or not messages:
            return []
        content = messages[-1]["content"]
        asked = next((q for q in task.paraphrases if content.endswith(q)), None)
        if asked is None:
            return []
        head = content[: len(content) - len(asked)]
        return [[*messages[:-1], {**messages[-1], "content": head + q}]
                for q in self.wordings(task, asked)]

    def _prompt_ids(self, messages: list[dict[str, str]]) -> Any:
        tok = self.lm.tokenizer
        prompt = render(tok, messages, add_generation_prompt=True)
        ids = tok(prompt, add_special_tokens=False, return_tensors="pt")["input_ids"]
        return ids.to(self.lm.model.device)  # (1, L)

    def _run(self, messages: list[dict[str, str]], task: ClinicalTask | None,
             on_token: Callable[[str], None] | None, stop: threading.Event, t0: float, *,
             generate: bool, intervals: bool,
             extra: Sequence[list[dict[str, str]]] = ()) -> Answer:
        import torch

        ids = self._prompt_ids(messages)  # (1, L)
        ans = Answer(text="", task=None if task is None else task.id, device=self.lm.device,
                     model_version=self.lm.version)
        with torch.inference_mode():
            past, logits = self._prefill(ids, stop)
            if past is None:
                ans.flags.append(A.STOPPED)
                return ans
            prompt_len, first_logits = ids.shape[1], logits
            scored = task is not None and (task.kind == "classification" or (
                task.kind == "regression" and intervals))
            clean = copy.deepcopy(past) if scored and generate else past
            if task is not None and task.kind == "classification":
                loglik = [] if extra else [
                    self._label_loglik(task, clean, prompt_len, first_logits)]
                for other in extra:  # the same question in the fixed wordings
                    if other == messages:  # the user's wording is one of them
                        loglik.append(self._label_loglik(task, clean, prompt_len, first_logits))
                        continue
                    o_ids = self._prompt_ids(other)
                    # The wordings share the prompt up to the question (the motion tokens, the
                    # bulk of it): continue from the main prompt's cache cut back to there.
                    shared = min(_common_prefix(ids[0], o_ids[0]), o_ids.shape[1] - 1)
                    start = None
                    if shared >= MIN_SHARED_PREFIX:
                        start = copy.deepcopy(clean)
                        start.crop(-(prompt_len - shared))
                    o_past, o_logits = self._prefill(o_ids, stop, past=start,
                                                     start=shared if start is not None else 0)
                    if o_past is None:  # stopped: no half-averaged probabilities
                        ans.flags.append(A.STOPPED)
                        return ans
                    loglik.append(self._label_loglik(task, o_past, o_ids.shape[1], o_logits))
                self._score_labels(task, ans, loglik)
            if generate:
                self._generate(ans, past, logits, prompt_len, on_token, stop, t0)
            if (task is not None and task.kind == "regression" and intervals
                    and not stop.is_set()):
                self._score_values(task, ans, clean, prompt_len, first_logits)
        return ans

    def _prefill(self, ids: Any, stop: threading.Event, *, past: Any = None,
                 start: int = 0) -> tuple[Any, Any]:
        """Run the prompt in chunks (checking Stop between them); returns (cache, last logits).
        With ``past`` holding the cache of ``ids[:, :start]``, only the rest is run."""
        from transformers import DynamicCache

        if past is None:
            past, start = DynamicCache(), 0
        logits = None
        for pos in range(start, ids.shape[1], PREFILL_CHUNK):
            if stop.is_set():
                return None, None
            chunk = ids[:, pos:pos + PREFILL_CHUNK]  # (1, c)
            # Only the last position's logits are needed: the 262k-row head over a whole chunk
            # would cost more than the transformer itself.
            out = self.lm.model(input_ids=chunk, past_key_values=past, use_cache=True,
                                logits_to_keep=1)
            past, logits = out.past_key_values, out.logits[:, -1, :]  # (1, V)
        return past, logits

    def _generate(self, ans: Answer, past: Any, logits: Any, pos: int,
                  on_token: Callable[[str], None] | None, stop: threading.Event,
                  t0: float) -> None:
        import torch

        tok = self.lm.tokenizer
        generated: list[int] = []
        shown = ""
        for _ in range(self.max_new_tokens):
            if stop.is_set():
                ans.flags.append(A.STOPPED)
                break
            if self._motion_ids:
                logits = logits.clone()
                logits[:, self._motion_ids] = float("-inf")
            nxt = int(torch.argmax(logits, dim=-1))
            if nxt in self._stop_ids:
                break
            generated.append(nxt)
            text = tok.decode(generated, skip_special_tokens=True)
            piece, shown = text[len(shown):], text
            if ans.first_token_s is None:
                ans.first_token_s = time.perf_counter() - t0
            if piece and on_token:
                on_token(piece)
            step = torch.tensor([[nxt]], device=self.lm.model.device)
            out = self.lm.model(input_ids=step, past_key_values=past, use_cache=True)
            past, logits = out.past_key_values, out.logits[:, -1, :]
            pos += 1
        else:
            ans.flags.append(A.TRUNCATED)
        ans.text = shown.replace(END_OF_TURN, "").strip()
        ans.n_tokens = len(generated)

    # ------------------------------------------------------------------ scoring
    def _continuation_logprobs(self, past: Any, prompt_len: int, first_logits: Any,
                               texts: Sequence[str], chunk: int = 8) -> np.ndarray:
        """log P(text + <end_of_turn> | prompt) for every text, in batches of ``chunk`` (each
        batch copies the prompt's cache ``chunk`` times, which bounds memory)."""
        return np.concatenate([
            self._logprobs_batch(past, prompt_len, first_logits, texts[i:i + chunk])
            for i in range(0, len(texts), chunk)])

    def _logprobs_batch(self, past: Any, prompt_len: int, first_logits: Any,
                        texts: Sequence[str]) -> np.ndarray:
        import torch

        tok = self.lm.tokenizer
        end_id = tok.convert_tokens_to_ids(END_OF_TURN)
        seqs = [tok(t, add_special_tokens=False)["input_ids"] + [end_id] for t in texts]
        n, width = len(seqs), max(len(s) for s in seqs)
        dev = self.lm.model.device
        batch = torch.full((n, width), int(tok.pad_token_id or 0), dtype=torch.long, device=dev)
        mask = torch.zeros((n, width), dtype=torch.long, device=dev)
        for i, s in enumerate(seqs):
            batch[i, : len(s)] = torch.tensor(s, device=dev)
            mask[i, : len(s)] = 1
        cache = copy.deepcopy(past)
        cache.batch_repeat_interleave(n)
        attn = torch.cat([torch.ones((n, prompt_len), dtype=torch.long, device=dev), mask], 1)
        pos = torch.arange(prompt_len, prompt_len + width, device=dev)[None].expand(n, -1)
        out = self.lm.model(input_ids=batch, past_key_values=cache, attention_mask=attn,
                            position_ids=pos, use_cache=True)
        logp_first = torch.log_softmax(first_logits.float(), -1)[0]  # (V,)
        logp_rest = torch.log_softmax(out.logits.float(), -1)  # (n, W, V)
        scores = np.zeros(n)
        for i, s in enumerate(seqs):
            total = float(logp_first[s[0]])
            for j in range(1, len(s)):
                total += float(logp_rest[i, j - 1, s[j]])
            scores[i] = total
        return scores

    def _label_loglik(self, task: ClinicalTask, past: Any, prompt_len: int,
                      logits: Any) -> np.ndarray:
        """log P(label's answer | prompt) for every label of ``task``, normalised over them."""
        texts = [task.format_answer(lab.id) for lab in task.labels]
        loglik = self._continuation_logprobs(past, prompt_len, logits, texts)
        return loglik - float(np.logaddexp.reduce(loglik))

    def _score_labels(self, task: ClinicalTask, ans: Answer,
                      logliks: Sequence[np.ndarray]) -> None:
        """Probability of every label = its answer's likelihood, normalised over the labels and
        averaged (in log space) over the question's wordings, then mapped through the model's
        label calibration for this task and prompt variant (if any); the uncalibrated
        probabilities stay in ``ans.raw_probabilities``."""
        labels = [lab.id for lab in task.labels]
        loglik = np.mean(np.stack(logliks), axis=0)
        ans.wordings = len(logliks)
        ans.raw_probabilities = {lab: float(p)
                                 for lab, p in zip(labels, _softmax(loglik), strict=True)}
        cal = (self.calibration.for_variant(self.grounded).get(task.id)
               if self.calibration is not None else None)
        if cal is not None:
            ans.probabilities = {lab: float(p) for lab, p in zip(
                labels, _softmax(cal.apply(labels, loglik)), strict=True)}
            ans.calibrated = True
        else:
            ans.probabilities = dict(ans.raw_probabilities)
        top = max(ans.probabilities, key=ans.probabilities.__getitem__)
        if ans.probabilities[top] >= self.abstain_below:
            ans.label = top
        else:
            ans.flags.append(A.LOW_CONFIDENCE)

    def _score_values(self, task: ClinicalTask, ans: Answer, past: Any, prompt_len: int,
                      logits: Any) -> None:
        """Score candidate values (finely around the generated number, coarsely over the
        plausible range): value = the mean of the model's distribution over them, interval =
        its central 80 %.

        The mean, not the greedy number, because greedy decoding picks the likeliest digit one
        at a time; and over the whole plausible range, not only near the generated number,
        because an uncertain model spreads its belief widely. On held-out simulated
        participants this raised Pearson r for every regression task (benchmarks/RESULTS.md,
        "Regression estimate and a fresh test cohort")."""
        parsed = task.parse_answer(ans.text)
        grid = _value_grid(task, None if parsed is None else float(parsed))
        texts = [task.format_answer(v) for v in grid]
        mass = value_mass(grid, self._continuation_logprobs(past, prompt_len, logits, texts))
        cdf = np.cumsum(mass)
        ans.unit = task.unit
        ans.value = round(float(np.dot(mass, grid)), max(task.decimals, task.display_decimals))
        ans.interval = (float(grid[int(np.searchsorted(cdf, 0.1))]),
                        float(grid[min(len(grid) - 1, int(np.searchsorted(cdf, 0.9)))]))
        if ans.interval[1] - ans.interval[0] > 0.5 * max(abs(ans.value), 1e-6):
            ans.flags.append(A.LOW_CONFIDENCE)

    # ------------------------------------------------------------------ grounding
    def _finish(self, trial: Trial, task: ClinicalTask | None, ans: Answer) -> None:
        ans.cited_times_s = [float(m) for m in _TIME_RE.findall(ans.text)]
        if task is None:
            ans.flags.append(A.UNVERIFIED)
            return
        if 0.0 < trial.duration_s < A.SHORT_MOTION_S:
            ans.flags.append(A.SHORT_MOTION)
        parsed = task.parse_answer(ans.text) if task.kind != "description" else None
        if task.kind == "regression" and parsed is None and ans.value is None:
            ans.flags.append(A.UNPARSED)
        if task.measured_key:
            meas = self.measurements(trial).get(task.measured_key)
            if meas is not None and math.isfinite(meas):
                ans.measured = float(meas)
                if ans.value is not None and task.tolerance is not None:
                    rel = abs(ans.value - meas) / max(abs(meas), 1e-9)
                    if rel > task.tolerance:
                        ans.flags.append(A.DISAGREES)


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max())
    return e / e.sum()


def value_mass(grid: np.ndarray, loglik: np.ndarray) -> np.ndarray:
    """Probability of each candidate value of a sorted, unevenly spaced grid: the model's
    likelihood of its answer (a density: one value of the last decimal) times the width of the
    stretch of values it stands for (half-way to each neighbour), normalised to sum to 1."""
    grid = np.asarray(grid, dtype=float)
    if len(grid) == 1:
        return np.ones(1)
    mid = (grid[1:] + grid[:-1]) / 2
    edges = np.concatenate([[grid[0] - (mid[0] - grid[0])], mid,
                            [grid[-1] + (grid[-1] - mid[-1])]])
    mass = np.exp(np.asarray(loglik, dtype=float) - np.max(loglik)) * np.diff(edges)
    return mass / mass.sum()


def _value_grid(task: ClinicalTask, centre: float | None, n: int = 25,
                n_range: int = 33) -> np.ndarray:
    """Candidate values (rounded as the task reports them), sorted: ``n_range`` over the
    plausible range and, around ``centre`` (the generated number), ``n`` over ±50 % and the
    centre itself."""
    lo, hi = task.valid_range or (0.0, 100.0)
    parts = [np.linspace(lo, hi, n_range)]
    if centre is not None:
        near = np.linspace(max(lo, centre * 0.5),
                           min(hi, centre * 1.5 + 10 ** (-task.decimals)), n)
        parts += [near, np.array([centre])]
    return np.unique(np.round(np.concatenate(parts), task.decimals))


def _common_prefix(a: Any, b: Any) -> int:
    """Number of leading token ids two 1-D id tensors share."""
    n = min(int(a.shape[0]), int(b.shape[0]))
    same = (a[:n] == b[:n]).tolist()
    return n if all(same) else same.index(False)


def _about_movement(question: str) -> bool:
    q = question.lower()
    return any(w in q for w in MOVEMENT_WORDS)
