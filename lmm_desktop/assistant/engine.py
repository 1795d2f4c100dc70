"""The assistant engine: ``ask(trial, question, history) -> Answer`` with streaming, Stop,
label probabilities by scoring, value intervals, grounding in measurement, and routing.

Thread safety: one question at a time per engine (a lock); a Qt worker calls :meth:`ask` from
its thread and sets the ``stop`` event from the UI thread. Stop is checked between prefill chunks,
scoring passes and generated tokens, so it takes effect within one chunk's forward pass (~50 ms for
Gemma 3 270M on two CPU cores). torch is imported lazily.
"""

from __future__ import annotations

import copy
import functools
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
MAX_TREE_ROWS = 96
"""Most output rows (each a vocabulary-wide logit vector) one scoring-tree pass computes."""
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


@dataclass
class _Wordings:
    """The prompt as asked (its ids, its cache before any answer and its last logits) and the
    fixed wordings of its question (none: only the prompt as asked is scored)."""

    messages: list[dict[str, str]]
    extra: Sequence[list[dict[str, str]]]
    ids: Any
    past: Any
    logits: Any


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
        K > 1: a classification's label probabilities, and a regression's estimate and
        interval, average the model's scores over K fixed wordings of the task's question (see
        :meth:`wordings`), whatever the user typed; the generated words still answer the user's
        wording. One wording's scores swing with the
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
                 if task is not None and task.kind in ("classification", "regression")
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
        extra = (self._reworded(messages, task) if task is not None and (
            task.kind == "classification" or (task.kind == "regression" and intervals))
            else [])
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
            wordings = _Wordings(messages, extra, ids, clean, first_logits)
            if task is not None and task.kind == "classification":
                answers = [self._answer_ids(task.format_answer(lab.id)) for lab in task.labels]
                loglik = self._wording_scores(wordings, answers, stop)
                if loglik is None:  # stopped: no half-averaged probabilities
                    ans.flags.append(A.STOPPED)
                    return ans
                self._score_labels(task, ans, loglik)
            if generate:
                self._generate(ans, past, logits, prompt_len, on_token, stop, t0)
            if (task is not None and task.kind == "regression" and intervals
                    and not stop.is_set()):
                self._score_values(task, ans, wordings, stop)
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
            out = self.lm.model(input_ids=chunk, **{_cache_kw(): past}, use_cache=True,
                                logits_to_keep=1)
            past, logits = getattr(out, _cache_kw()), out.logits[:, -1, :]  # (1, V)
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
            out = self.lm.model(input_ids=step, **{_cache_kw(): past}, use_cache=True)
            past, logits = getattr(out, _cache_kw()), out.logits[:, -1, :]
            pos += 1
        else:
            ans.flags.append(A.TRUNCATED)
        ans.text = shown.replace(END_OF_TURN, "").strip()
        ans.n_tokens = len(generated)

    # ------------------------------------------------------------------ scoring
    def _wording_scores(self, w: _Wordings, answers: Sequence[Sequence[int]],
                        stop: threading.Event) -> list[np.ndarray] | None:
        """log P(answer | prompt) of every answer (token ids, with the end of the turn),
        normalised over the answers, for each wording of the question: the fixed wordings, or
        else the conversation as asked. The wordings share the prompt up to the question (the
        motion tokens, the bulk of it), so all of them and all answers are scored in one
        tree-masked pass over the prompt's cache cut back to there. None when stopped."""
        wordings = list(w.extra) or [w.messages]
        w_ids = [w.ids if m == w.messages else self._prompt_ids(m) for m in wordings]
        prompt_len = int(w.ids.shape[1])
        shared = min(_common_prefix(w.ids[0], o[0]) for o in w_ids)
        if shared == prompt_len and all(int(o.shape[1]) == prompt_len for o in w_ids):
            base, root = w.past, w.logits  # every wording is the prompt as asked
        else:  # each wording keeps at least its last token to score its first answer token from
            shared = min(shared, min(int(o.shape[1]) for o in w_ids) - 1)
            base, root = self._cropped(w.past, prompt_len, shared), None
        items = [(o[0, shared:].tolist(), a) for o in w_ids for a in answers]
        scores = self._score_continuations(base, shared, root, items, stop)
        if scores is None:
            return None
        rows = scores.reshape(len(w_ids), len(answers))
        return [row - float(np.logaddexp.reduce(row)) for row in rows]

    def _cropped(self, past: Any, length: int, keep: int) -> Any:
        """A copy of ``past`` (a prompt's cache of ``length`` tokens) cut back to ``keep``."""
        from transformers import DynamicCache

        if keep == 0:
            return DynamicCache()
        cut = copy.deepcopy(past)
        if keep < length:
            cut.crop(-(length - keep))
        return cut

    def _answer_ids(self, text: str) -> list[int]:
        """Token ids of an answer as the model ends it (with the end of its turn)."""
        tok = self.lm.tokenizer
        return [*tok(text, add_special_tokens=False)["input_ids"],
                int(tok.convert_tokens_to_ids(END_OF_TURN))]

    def _score_continuations(self, past: Any, prefix_len: int, root_logits: Any,
                             items: Sequence[tuple[Sequence[int], Sequence[int]]],
                             stop: threading.Event | None = None) -> np.ndarray | None:
        """log P(continuation | prefix + context) for every ``(context, continuation)`` token
        pair after a cached prefix (``past``, ``prefix_len`` tokens; ``root_logits``, the
        prefix's last logits, needed only where a context is empty).

        The pairs go into a token tree (shared beginnings run once) and the tree into as few
        forward passes as fit :data:`MAX_TREE_ROWS`, each token attending to the prefix and its
        own ancestors (a 4-D mask). Only the positions whose next token is scored reach the
        262k-row output head. Where the cache or the model does not allow this, each context
        is run on its own and its continuations scored as a padded batch (the same numbers,
        slower). None when stopped."""
        if not self._tree_ok(past, prefix_len):
            return self._score_each(past, prefix_len, root_logits, items, stop)
        scores = np.zeros(len(items))
        for group in _tree_groups(items, MAX_TREE_ROWS):
            if stop is not None and stop.is_set():
                return None
            tree = ScoreTree.build([items[i] for i in group])
            scores[group] = self._tree_pass(past, prefix_len, root_logits, tree)
        return scores

    def _tree_ok(self, past: Any, prefix_len: int) -> bool:
        """Tree passes need a Gemma 3 text model with SDPA or eager attention and a cache that
        holds every prefix token in every layer (the engine's DynamicCache, which does not trim
        to the sliding window)."""
        cfg = getattr(self.lm.model, "config", None)
        if (getattr(cfg, "model_type", None) != "gemma3_text"
                or getattr(cfg, "_attn_implementation", "sdpa") not in ("sdpa", "eager")):
            return False  # other kernels (flash attention) take no arbitrary 4-D mask
        return all(int(layer.get_seq_length()) == prefix_len for layer in
                   getattr(past, "layers", [])) and past.get_seq_length() == prefix_len

    def _tree_pass(self, past: Any, prefix_len: int, root_logits: Any,
                   tree: ScoreTree) -> np.ndarray:
        import torch

        dev = self.lm.model.device
        cfg = self.lm.model.config
        scores = np.zeros(tree.n_items)
        root_rows = [k for k, p in enumerate(tree.edge_parent) if p < 0]
        if root_rows:
            if root_logits is None:
                raise ValueError("an empty context needs the prefix's last logits")
            lp_root = torch.log_softmax(root_logits.float(), -1)[0]  # (V,)
            for k in root_rows:
                scores[tree.edge_item[k]] += float(lp_root[tree.edge_token[k]])
        if tree.n_nodes == 0:
            return scores
        pos = prefix_len + tree.depth  # (N,) absolute positions
        masks = {}
        window = getattr(cfg, "sliding_window", None)
        for kind in set(getattr(cfg, "layer_types", None) or ["full_attention"]):
            allow = torch.from_numpy(tree.prefix_allowed(
                prefix_len, window if kind == "sliding_attention" else None)).to(dev)
            if getattr(cfg, "_attn_implementation", "sdpa") == "eager":  # additive, as eager's
                dtype = self.lm.model.get_input_embeddings().weight.dtype
                m = torch.zeros(allow.shape, dtype=dtype, device=dev)
                m[~allow] = torch.finfo(dtype).min
            else:  # SDPA: True where a key is seen
                m = allow
            masks[kind] = m[None, None]  # (1, 1, N, prefix + N)
        cache = copy.deepcopy(past) if prefix_len else None
        rows = np.flatnonzero(tree.is_output)
        out = self.lm.model(
            input_ids=torch.tensor(tree.token[None], dtype=torch.long, device=dev),
            position_ids=torch.tensor(pos[None], dtype=torch.long, device=dev),
            attention_mask=masks, **{_cache_kw(): cache}, use_cache=prefix_len > 0,
            logits_to_keep=torch.tensor(rows, dtype=torch.long, device=dev))
        logits = out.logits[0].float()  # (R, V)
        lse = torch.logsumexp(logits, -1)  # (R,)
        row_of = {int(n): r for r, n in enumerate(rows)}
        inner = [k for k, p in enumerate(tree.edge_parent) if p >= 0]
        if inner:
            r = torch.tensor([row_of[int(tree.edge_parent[k])] for k in inner], device=dev)
            t = torch.tensor([int(tree.edge_token[k]) for k in inner], device=dev)
            lp = (logits[r, t] - lse[r]).cpu().numpy()
            np.add.at(scores, tree.edge_item[inner], lp)
        return scores

    def _score_each(self, past: Any, prefix_len: int, root_logits: Any,
                    items: Sequence[tuple[Sequence[int], Sequence[int]]],
                    stop: threading.Event | None) -> np.ndarray | None:
        """The plain path: each distinct context prefilled after the prefix, its continuations
        scored as a padded batch."""
        import torch

        dev = self.lm.model.device
        scores = np.zeros(len(items))
        by_ctx: dict[tuple[int, ...], list[int]] = {}
        for i, (ctx, _) in enumerate(items):
            by_ctx.setdefault(tuple(ctx), []).append(i)
        for ctx, idx in by_ctx.items():
            if ctx:
                start = copy.deepcopy(past) if prefix_len else None
                full = torch.tensor([[0] * prefix_len + list(ctx)], dtype=torch.long, device=dev)
                c_past, c_logits = self._prefill(full, stop or threading.Event(), past=start,
                                                 start=prefix_len)
                if c_past is None:
                    return None
                c_len = prefix_len + len(ctx)
            else:
                c_past, c_logits, c_len = past, root_logits, prefix_len
            seqs = [list(items[i][1]) for i in idx]
            for j in range(0, len(seqs), 8):
                scores[idx[j:j + 8]] = self._logprobs_batch(c_past, c_len, c_logits,
                                                             seqs[j:j + 8])
        return scores

    def _logprobs_batch(self, past: Any, prompt_len: int, first_logits: Any,
                        seqs: Sequence[Sequence[int]]) -> np.ndarray:
        import torch

        tok = self.lm.tokenizer
        n, width = len(seqs), max(len(s) for s in seqs)
        dev = self.lm.model.device
        batch = torch.full((n, width), int(tok.pad_token_id or 0), dtype=torch.long, device=dev)
        mask = torch.zeros((n, width), dtype=torch.long, device=dev)
        for i, s in enumerate(seqs):
            batch[i, : len(s)] = torch.tensor(list(s), device=dev)
            mask[i, : len(s)] = 1
        cache = copy.deepcopy(past)
        cache.batch_repeat_interleave(n)
        attn = torch.cat([torch.ones((n, prompt_len), dtype=torch.long, device=dev), mask], 1)
        pos = torch.arange(prompt_len, prompt_len + width, device=dev)[None].expand(n, -1)
        out = self.lm.model(input_ids=batch, **{_cache_kw(): cache}, attention_mask=attn,
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

    def _score_values(self, task: ClinicalTask, ans: Answer, w: _Wordings,
                      stop: threading.Event) -> None:
        """The model's distribution over candidate values: value = its mean, interval = its
        central 80 %. With several wordings the distribution averages (in log space) the
        scores under the fixed wordings, as the label probabilities do.

        Candidates: ``COARSE_VALUES`` over the plausible range and ``FINE_VALUES`` within ±50 %
        of an anchor, with the anchor itself: the number the model generates for the first
        fixed wording (so the estimate does not depend on the user's wording), or with one
        wording the number it generated for the question as asked. The anchor matters for a
        sure answer (the grounded prompt states the measurement): only a grid through the
        model's own number resolves it; one refined from the coarse grid's belief alone
        missed it (grounded TUG r 0.17 on 20 held-out rows).

        The mean, not the greedy number, because greedy decoding picks the likeliest digit one
        at a time; and over the whole plausible range, because an uncertain model spreads its
        belief widely (benchmarks/RESULTS.md, "Regression estimate and a fresh test cohort" and
        "Wording-independent estimates")."""
        # The question asked is the first fixed wording (or there are none): its number is
        # already generated (greedy decoding of the same prompt), so it is not generated again.
        parsed = (task.parse_answer(ans.text) if not w.extra or w.extra[0] == w.messages
                  else None)
        if parsed is None and w.extra:
            said = self._anchor_text(w, stop)
            if said is None:
                ans.flags.append(A.STOPPED)
                return
            parsed = task.parse_answer(said)
        grid = _value_grid(task, None if parsed is None else float(parsed))
        loglik = self._value_logliks(task, grid, w, stop)
        if loglik is None:
            ans.flags.append(A.STOPPED)
            return
        if w.extra:
            ans.wordings = int(loglik.shape[0])
        mass = value_mass(grid, loglik.mean(axis=0))  # each wording normalised, averaged
        cdf = np.cumsum(mass)
        ans.unit = task.unit
        ans.value = round(float(np.dot(mass, grid)), max(task.decimals, task.display_decimals))
        ans.interval = (float(grid[int(np.searchsorted(cdf, 0.1))]),
                        float(grid[min(len(grid) - 1, int(np.searchsorted(cdf, 0.9)))]))
        if ans.interval[1] - ans.interval[0] > 0.5 * max(abs(ans.value), 1e-6):
            ans.flags.append(A.LOW_CONFIDENCE)

    def _anchor_text(self, w: _Wordings, stop: threading.Event) -> str | None:
        """The model's greedy answer to the first fixed wording (from the prompt's cache cut
        back to where the wordings differ); None when stopped."""
        first = w.extra[0]
        prompt_len = int(w.ids.shape[1])
        if first == w.messages:
            past, logits = copy.deepcopy(w.past), w.logits
            start = prompt_len
        else:
            ids = self._prompt_ids(first)
            shared = min(_common_prefix(w.ids[0], ids[0]), int(ids.shape[1]) - 1)
            past, logits = self._prefill(ids, stop, past=self._cropped(w.past, prompt_len, shared),
                                         start=shared)
            if past is None:
                return None
            start = int(ids.shape[1])
        tmp = Answer(text="")
        saved = self.max_new_tokens
        self.max_new_tokens = ANCHOR_TOKENS
        try:
            self._generate(tmp, past, logits, start, None, stop, time.perf_counter())
        finally:
            self.max_new_tokens = saved
        return None if A.STOPPED in tmp.flags else tmp.text

    def _value_logliks(self, task: ClinicalTask, values: np.ndarray, w: _Wordings,
                       stop: threading.Event) -> np.ndarray | None:
        """(wordings, values) log-likelihoods of the answers naming ``values``, each
        wording's normalised over the values."""
        answers = [self._answer_ids(task.format_answer(v)) for v in values]
        rows = self._wording_scores(w, answers, stop)
        return None if rows is None else np.stack(rows)

    # ------------------------------------------------------------------ grounding
    def _finish(self, trial: Trial, task: ClinicalTask | None, ans: Answer) -> None:
        ans.cited_times_s = [float(m) for m in _TIME_RE.findall(ans.text)]
        if task is None:
            ans.flags.append(A.UNVERIFIED)
            return
        if 0.0 < trial.duration_s < A.SHORT_MOTION_S:
            ans.flags.append(A.SHORT_MOTION)
        kin = trial.kinematics
        if kin is not None and len(kin.missing) > A.PARTIAL_MOTION_MAX_MISSING:
            ans.flags.append(A.PARTIAL_MOTION)
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


@dataclass
class ScoreTree:
    """Token sequences after a shared prefix, merged where they begin alike, for scoring many
    ``(context, continuation)`` pairs in one forward pass.

    Nodes are the tokens that must be run (parents before children); an edge is one scored
    continuation token: the item it belongs to, its token, and the node whose output predicts
    it (-1: the prefix's last position)."""

    token: np.ndarray  # (N,) token id of each node
    parent: np.ndarray  # (N,) parent node, -1 for the prefix
    depth: np.ndarray  # (N,) position after the prefix
    is_output: np.ndarray  # (N,) bool: its output predicts a scored token
    edge_item: np.ndarray  # (E,)
    edge_token: np.ndarray  # (E,)
    edge_parent: np.ndarray  # (E,)
    n_items: int

    @property
    def n_nodes(self) -> int:
        return int(self.token.shape[0])

    @classmethod
    def build(cls, items: Sequence[tuple[Sequence[int], Sequence[int]]]) -> ScoreTree:
        child: dict[tuple[int, int], int] = {}
        tok: list[int] = []
        par: list[int] = []
        edges: list[tuple[int, int, int]] = []  # (item, token, parent node)
        for i, (ctx, cont) in enumerate(items):
            if not cont:
                raise ValueError("every item needs a continuation to score")
            node = -1
            seq = [*ctx, *cont]
            for k, t in enumerate(seq):
                if k >= len(ctx):
                    edges.append((i, int(t), node))
                if k == len(seq) - 1:
                    break  # the last token predicts nothing scored: it is never run
                key = (node, int(t))
                if key not in child:
                    child[key] = len(tok)
                    tok.append(int(t))
                    par.append(node)
                node = child[key]
        parent = np.array(par, dtype=np.int64)
        depth = np.zeros(len(tok), dtype=np.int64)
        for n, p in enumerate(par):
            depth[n] = 0 if p < 0 else depth[p] + 1
        is_output = np.zeros(len(tok), dtype=bool)
        e = np.array(edges, dtype=np.int64).reshape(-1, 3)
        is_output[e[:, 2][e[:, 2] >= 0]] = True
        return cls(token=np.array(tok, dtype=np.int64), parent=parent, depth=depth,
                   is_output=is_output, edge_item=e[:, 0], edge_token=e[:, 1],
                   edge_parent=e[:, 2], n_items=len(items))

    def ancestors(self) -> np.ndarray:
        """(N, N) bool: [i, j] when node j is node i or one of its ancestors."""
        n = self.n_nodes
        anc = np.eye(n, dtype=bool)
        for i in range(n):  # parents come first, so their rows are complete
            p = int(self.parent[i])
            if p >= 0:
                anc[i] |= anc[p]
        return anc

    def prefix_allowed(self, prefix_len: int, window: int | None = None) -> np.ndarray:
        """(N, prefix_len + N) bool attention pattern: every node sees the prefix and its own
        ancestors; with a sliding ``window``, only keys fewer than ``window`` positions back
        (as Gemma's local layers: key position > query position - window)."""
        pos = prefix_len + self.depth  # (N,)
        keys = np.concatenate([np.arange(prefix_len), pos])  # (prefix_len + N,)
        allow = np.concatenate([np.ones((self.n_nodes, prefix_len), dtype=bool),
                                self.ancestors()], axis=1)
        if window is not None:
            allow &= keys[None, :] > (pos[:, None] - window)
        return allow


def _tree_groups(items: Sequence[tuple[Sequence[int], Sequence[int]]],
                 max_rows: int) -> list[list[int]]:
    """Consecutive groups of items whose trees need at most ``max_rows`` output rows each (an
    item needing more goes alone)."""
    groups: list[list[int]] = []
    rows: set[tuple[int, ...]] = set()
    for i, (ctx, cont) in enumerate(items):
        seq = (*ctx, *cont)
        mine = {seq[:k] for k in range(max(len(ctx), 1), len(seq))}
        if groups and len(rows | mine) <= max_rows:
            groups[-1].append(i)
            rows |= mine
        else:
            groups.append([i])
            rows = set(mine)
    return groups


@functools.cache
def _cache_kw() -> str:
    """Name of the model's key/value cache argument and output field.

    transformers 5 renamed ``past_key_values`` to ``cache`` (the old name warns, and goes in
    5.40); older releases know only ``past_key_values``.
    """
    from transformers.modeling_outputs import CausalLMOutputWithPast

    fields = CausalLMOutputWithPast.__dataclass_fields__
    return "cache" if "cache" in fields else "past_key_values"


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


COARSE_VALUES = 17
"""Candidate values over a quantity's plausible range."""
FINE_VALUES = 13
"""Candidate values within ±50 % of the anchor (the model's own number). 17 + 13 scored
under three wordings cost about what 33 + 25 under one did; on held-out cadence rows the
smaller grid kept r (0.920 vs 0.922, RESULTS "Wording-independent estimates")."""
ANCHOR_TOKENS = 12
"""Tokens generated for the first fixed wording's number (e.g. "112.3 steps/min." is 9)."""


def _value_grid(task: ClinicalTask, centre: float | None, *, coarse: bool = True,
                n: int = FINE_VALUES, n_range: int = COARSE_VALUES) -> np.ndarray:
    """Candidate values (rounded as the task reports them), sorted and unique: ``n_range``
    over the plausible range (unless not ``coarse``) and, around ``centre``, ``n`` over ±50 %
    and the centre itself."""
    lo, hi = task.valid_range or (0.0, 100.0)
    parts = [np.linspace(lo, hi, n_range)] if coarse else []
    if centre is not None:
        near = np.linspace(max(lo, centre * 0.5),
                           min(hi, centre * 1.5 + 10 ** (-task.decimals)), n)
        parts += [near, np.array([min(max(centre, lo), hi)])]
    return np.unique(np.round(np.concatenate(parts), task.decimals))


def _common_prefix(a: Any, b: Any) -> int:
    """Number of leading token ids two 1-D id tensors share."""
    n = min(int(a.shape[0]), int(b.shape[0]))
    same = (a[:n] == b[:n]).tolist()
    return n if all(same) else same.index(False)


def _about_movement(question: str) -> bool:
    q = question.lower()
    return any(w in q for w in MOVEMENT_WORDS)
