"""The model manager: find model artifacts, check them, estimate memory, pick the device, load
(in the background when asked) and report device, precision and memory in use.

Loading never downloads. A model that will not fit is refused *before* loading with a message that
says how much it needs, how much is free, and what to do; a CUDA failure falls back to the CPU.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lmm_desktop.core.errors import LmmError, ModelLoadError
from lmm_desktop.core.paths import config_dir
from lmm_desktop.core.resources import resources_dir

DEFAULT_MODEL_DIR = resources_dir() / "models" / "default"
DEFAULT_TOKENIZER_DIR = resources_dir() / "models" / "tokenizer"
MAX_MOTION_TOKENS = 900


def default_model_dir() -> Path:
    """The default model folder: ``LMM_DESKTOP_DEFAULT_MODEL`` when set (a clinic's own model,
    or tests pointing it elsewhere), otherwise the one shipped in resources/models/default."""
    env = os.environ.get("LMM_DESKTOP_DEFAULT_MODEL")
    return Path(env) if env else DEFAULT_MODEL_DIR
_GB = 1024**3

Progress = Callable[[str, float], None]


@dataclass
class ModelEntry:
    """A model artifact the app knows about."""

    folder: Path
    name: str
    default: bool = False
    problem: str | None = None
    """Why it cannot be used (None when it looks complete)."""


@dataclass
class LoadedAssistant:
    """A ready engine plus what the status bar shows."""

    engine: Any  # AssistantEngine
    folder: Path
    device: str
    precision: str
    memory_bytes: int
    load_seconds: float
    notes: list[str] = field(default_factory=list)

    def status(self) -> str:
        mem = self.memory_bytes / _GB
        return f"{self.folder.name} on {self.device} ({self.precision}, {mem:.2f} GB)"


CPU_PRECISIONS = ("int8-head", "int8", "float32", "bfloat16")


def cpu_inference_precision(model: Any, precision: str) -> tuple[Any, str | None]:
    """The merged model ready for CPU inference at ``precision`` (see :class:`ModelManager`).

    Returns the model and a note when the requested precision could not be used (then the model
    stays float32 and still works).
    """
    import torch

    if precision == "float32":
        return model, None
    if precision == "bfloat16":
        model.to(torch.bfloat16)
        return model, None
    try:
        import warnings

        from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

        spec = {torch.nn.Linear: per_channel_dynamic_qconfig}
        with warnings.catch_warnings():  # torch flags its quantized tensors as deprecated
            warnings.simplefilter("ignore")
            if precision == "int8":
                model = quantize_dynamic(model, spec, dtype=torch.qint8, inplace=False)
                model._lmm_precision = "int8 (dynamic)"
            else:  # only the output head (262k x hidden): most of the memory traffic
                head = quantize_dynamic(torch.nn.Sequential(model.lm_head), spec,
                                        dtype=torch.qint8)[0]
                model.lm_head = head
                model._lmm_precision = "float32, int8 output head"
    except (ImportError, RuntimeError, AttributeError) as exc:
        return model, (f"int8 quantization is not available in this torch ({exc}); "
                       "the model runs in float32.")
    return model, None


def _model_bytes(model: Any) -> int:
    """Bytes the loaded weights hold: parameters and buffers (shared tensors once), plus the
    packed int8 weights of dynamically quantized layers (1 byte per weight, 8 per channel for
    the scales), which are not parameters."""
    seen: set[int] = set()
    total = 0
    for t in [*model.parameters(), *model.buffers()]:
        if t.data_ptr() not in seen:
            seen.add(t.data_ptr())
            total += t.numel() * t.element_size()
    for m in model.modules():
        w = getattr(m, "weight", None)
        if callable(w):  # torch.ao dynamic quantized Linear: weight() unpacks the int8 tensor
            q = w()
            total += q.numel() + 8 * q.shape[0]
    return total


class ModelManager:
    """Finds, checks and loads model artifacts.

    Parameters
    ----------
    extra_dirs
        Model folders the user added (also remembered in the user's config).
    memory_limit_bytes
        Override of the free memory seen (tests simulate a small machine with it).
    cpu_precision
        Weights on the CPU (:data:`CPU_PRECISIONS`): 'int8-head' (default: float32 with the
        262k-row output head, most of the memory traffic that bounds generation speed on a CPU,
        quantized to int8 per output channel; label probabilities within 0.09 of float32),
        'int8' (every linear layer; faster, but Gemma's activation outliers move label
        probabilities by up to 0.6), 'float32', or 'bfloat16' (measured slower for chat on a
        2-core AMX Xeon: small, changing shapes).
    """

    def __init__(self, extra_dirs: list[Path] | None = None, *,
                 memory_limit_bytes: int | None = None,
                 cpu_precision: str = "int8-head") -> None:
        if cpu_precision not in CPU_PRECISIONS:
            raise ValueError(f"Invalid value for 'cpu_precision'. Allowed values are "
                             f"{', '.join(map(repr, CPU_PRECISIONS))}, but got "
                             f"{cpu_precision!r}.")
        self.memory_limit_bytes = memory_limit_bytes
        self.cpu_precision = cpu_precision
        self._extra = list(extra_dirs or []) + self._remembered()

    # ----------------------------------------------------------------- discovery
    @staticmethod
    def _settings_path() -> Path:
        return config_dir() / "models.json"

    def _remembered(self) -> list[Path]:
        p = self._settings_path()
        if not p.is_file():
            return []
        try:
            return [Path(x) for x in json.loads(p.read_text()).get("folders", [])]
        except (OSError, ValueError):
            return []

    def add_folder(self, folder: Path) -> ModelEntry:
        """Remember a user's model folder (checked first, so a bad folder is refused)."""
        entry = self._entry(Path(folder), default=False)
        if entry.problem:
            raise ModelLoadError(entry.problem)
        from lmm_desktop.core.atomic import atomic_write

        folders = [str(p) for p in self._remembered()]
        if str(folder) not in folders:
            folders.append(str(folder))
        with atomic_write(self._settings_path()) as fh:
            json.dump({"folders": folders}, fh, indent=2)
        self._extra.append(Path(folder))
        return entry

    def models(self) -> list[ModelEntry]:
        """The default model (when shipped) and every added folder, each with any problem."""
        default = default_model_dir()
        out = [self._entry(default, default=True)]
        seen = {default.resolve()}
        for folder in self._extra:
            if folder.resolve() not in seen:
                seen.add(folder.resolve())
                out.append(self._entry(folder, default=False))
        return out

    @staticmethod
    def _entry(folder: Path, *, default: bool) -> ModelEntry:
        from lmm_desktop.assistant.artifact import read_artifact_info

        try:
            read_artifact_info(folder)
            problem = None
        except LmmError as exc:
            problem = str(exc)
        return ModelEntry(folder=folder, name=folder.name, default=default, problem=problem)

    # ----------------------------------------------------------------- memory
    @staticmethod
    def estimate_bytes(folder: Path, *, quantize: str) -> int:
        """Memory a loaded model needs: base weights at the chosen precision, the adapter, and
        working memory for a 1,024-token context (KV cache and activations)."""
        from lmm_desktop.assistant.artifact import read_artifact_info

        info = read_artifact_info(folder)
        n_params = int(info.get("training", {}).get("base_parameters") or 0)
        if not n_params:
            n_params = _params_from_base(info)
        per_param = 0.56 if quantize == "nf4" else 4.0  # NF4 + double-quant scales, or fp32
        adapter = sum(f.stat().st_size for f in (folder / "adapter").glob("*") if f.is_file())
        working = 0.25 * _GB
        return int(n_params * per_param + adapter * 2 + working)

    def free_bytes(self, device: str) -> int:
        if self.memory_limit_bytes is not None:
            return self.memory_limit_bytes
        if device.startswith("cuda"):
            import torch

            free, _total = torch.cuda.mem_get_info(torch.device(device))
            return int(free)
        import psutil

        return int(psutil.virtual_memory().available)

    def check_fits(self, folder: Path, device: str, quantize: str) -> int:
        need = self.estimate_bytes(folder, quantize=quantize)
        free = self.free_bytes(device)
        if need > free:
            where = "GPU" if device.startswith("cuda") else "computer"
            raise ModelLoadError(
                f"The model '{folder.name}' needs about {need / _GB:.1f} GB of memory but this "
                f"{where} has {free / _GB:.1f} GB free. Close other programs, choose a smaller "
                "model (e.g. the bundled Gemma 3 270M), or use a GPU workstation where the model "
                "loads in 4-bit. The rest of the app keeps working without the assistant.")
        return need

    # ----------------------------------------------------------------- loading
    def load(self, folder: Path | None = None, *, device: str = "auto",
             progress: Progress | None = None, cancel: threading.Event | None = None,
             grounded: bool = False, label_calibration: bool = True,
             label_wordings: int | None = None) -> LoadedAssistant:
        """Load a model artifact and build its engine (blocking; see :meth:`load_async`).

        ``label_calibration=False`` ignores the model's ``calibration.json`` (raw label
        probabilities; ``lmm-train calibrate`` fits a calibration from those).
        ``label_wordings``: over how many wordings of a question the label scores are averaged;
        None takes the number the model's calibration was fitted with (it holds for those
        scores), or :data:`DEFAULT_LABEL_WORDINGS` without a calibration."""
        from lmm_desktop.assistant.base_model import resolve_device, resolve_quantize

        folder = Path(folder) if folder is not None else default_model_dir()
        cancel = cancel or threading.Event()
        report = progress or (lambda _msg, _frac: None)
        t0 = time.perf_counter()
        report("checking the model", 0.05)
        dev = resolve_device(device)
        notes: list[str] = []
        try:
            return self._load_on(folder, dev, resolve_quantize("auto", dev), report, cancel,
                                 grounded, notes, t0, label_calibration, label_wordings)
        except (RuntimeError, ModelLoadError) as exc:
            gpu_problem = dev.startswith("cuda") and (
                isinstance(exc, RuntimeError) or "needs about" in str(exc))
            if not gpu_problem:
                if isinstance(exc, ModelLoadError):
                    raise
                raise ModelLoadError(f"Loading '{folder.name}' failed: {exc}") from exc
            notes.append(f"GPU loading failed ({str(exc).splitlines()[0][:120]}); "
                         "using the CPU instead.")
            report("GPU failed; loading on the CPU", 0.1)
            return self._load_on(folder, "cpu", "none", report, cancel, grounded, notes, t0,
                                 label_calibration, label_wordings)

    def _load_on(self, folder: Path, dev: str, quant: str, report: Progress,
                 cancel: threading.Event, grounded: bool, notes: list[str],
                 t0: float, label_calibration: bool = True,
                 label_wordings: int | None = None) -> LoadedAssistant:
        from lmm_desktop.assistant.artifact import load_model_artifact, read_artifact_info
        from lmm_desktop.assistant.calibration import load_calibration
        from lmm_desktop.assistant.engine import AssistantEngine, EngineModel

        info = read_artifact_info(folder)
        # A broken calibration.json is refused before the slow part, with what to do about it.
        calibration = load_calibration(folder) if label_calibration else None
        need = self.check_fits(folder, dev, quant)
        _raise_if(cancel)
        report("loading the motion tokenizer", 0.15)
        motion = load_motion_tokenizer(folder, info)
        _raise_if(cancel)
        report("loading the language model", 0.3)
        loaded = load_model_artifact(folder, device=dev, quantize=quant)
        if quant == "none" and hasattr(loaded.model, "merge_and_unload"):
            # Fold LoRA and the trained motion-token rows into the weights: the unmerged peft
            # wrappers rebuild the 262k-row embedding on every forward (~10x slower generation).
            loaded.model = loaded.model.merge_and_unload()
            loaded.model.eval()
            if dev == "cpu":
                loaded.model, cpu_note = cpu_inference_precision(loaded.model,
                                                                 self.cpu_precision)
                if cpu_note:
                    notes.append(cpu_note)
        _raise_if(cancel)
        report("ready", 1.0)
        precision = "4-bit NF4" if quant == "nf4" else getattr(
            loaded.model, "_lmm_precision",
            str(next(loaded.model.parameters()).dtype).replace("torch.", ""))
        lm = EngineModel(model=loaded.model, tokenizer=loaded.tokenizer, device=dev,
                         precision=precision, version=_version_of(folder, info))
        engine = AssistantEngine(lm, motion_text_fn(motion), measure=measure_trial,
                                 grounded=grounded, calibration=calibration,
                                 label_wordings=resolve_label_wordings(label_wordings,
                                                                       calibration))
        in_use = _model_bytes(loaded.model) + int(0.25 * _GB) if quant == "none" else need
        return LoadedAssistant(engine=engine, folder=folder, device=dev, precision=precision,
                               memory_bytes=in_use, load_seconds=time.perf_counter() - t0,
                               notes=notes)

    def load_async(self, folder: Path | None = None, **kw: Any) -> LoadJob:
        """Start loading in a background thread; the app stays usable meanwhile."""
        job = LoadJob()
        kw.setdefault("cancel", job.cancel_event)

        def run() -> None:
            try:
                job._result = self.load(folder, **kw)
            except BaseException as exc:  # reported to the caller through the job
                job._error = exc
            finally:
                job._done.set()

        job._thread = threading.Thread(target=run, name="model-loader", daemon=True)
        job._thread.start()
        return job


class LoadJob:
    """A background load: ``cancel()`` returns at once; ``result()`` waits."""

    def __init__(self) -> None:
        self.cancel_event = threading.Event()
        self._done = threading.Event()
        self._result: LoadedAssistant | None = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None

    def cancel(self) -> None:
        self.cancel_event.set()

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def result(self, timeout: float | None = None) -> LoadedAssistant:
        if not self._done.wait(timeout):
            raise TimeoutError("the model is still loading")
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result


class LoadCancelled(LmmError):
    """Loading was stopped by the user."""


def _raise_if(cancel: threading.Event) -> None:
    if cancel.is_set():
        raise LoadCancelled("Loading the model was stopped.")


def _params_from_base(info: dict[str, Any]) -> int:
    """Parameter count from the base model's config (fallback: Gemma 3 270M)."""
    source = str(info.get("base_model", {}).get("source", ""))
    cfg = Path(source) / "config.json"
    if cfg.is_file():
        c = json.loads(cfg.read_text())
        c = c.get("text_config", c)
        h, n, v = c.get("hidden_size", 640), c.get("num_hidden_layers", 18), c.get(
            "vocab_size", 262144)
        inter = c.get("intermediate_size", 4 * h)
        return int(v * h + n * (4 * h * h + 3 * h * inter))
    return 268_000_000


def _version_of(folder: Path, info: dict[str, Any]) -> str:
    return f"{folder.name}@{str(info.get('created', ''))[:10]}"


DEFAULT_LABEL_WORDINGS = 3
"""Wordings per classification question for a model without a calibration (see
:attr:`AssistantEngine.label_wordings`)."""


def resolve_label_wordings(requested: int | None, calibration: Any) -> int:
    """Wordings per classification question: ``requested``, else the number the calibration
    was fitted with (it holds for those scores), else :data:`DEFAULT_LABEL_WORDINGS`."""
    if requested is not None:
        return requested
    return calibration.label_wordings if calibration is not None else DEFAULT_LABEL_WORDINGS


def load_motion_tokenizer(folder: Path, info: dict[str, Any]) -> Any:
    """The motion tokenizer the model was trained with, found by its sha256: the artifact's own
    ``tokenizer/`` folder, the recorded path, or the bundled tokenizer."""
    from lmm_desktop.assistant.base_model import sha256_file
    from lmm_desktop.motion.tokenizer import MotionTokenizer

    ref = info.get("tokenizer_artifact") or {}
    candidates = [folder / "tokenizer"]
    if ref.get("path"):
        candidates.append(Path(ref["path"]))
    candidates.append(DEFAULT_TOKENIZER_DIR)
    for cand in candidates:
        weights = cand / "weights.safetensors"
        if weights.is_file() and (not ref.get("sha256") or sha256_file(weights) == ref["sha256"]):
            return MotionTokenizer.load(cand)
    raise ModelLoadError(
        f"The motion tokenizer this model was trained with (sha256 "
        f"{str(ref.get('sha256'))[:12]}...) is not on this computer; put it in "
        f"'{folder / 'tokenizer'}'.")


def motion_text_fn(motion: Any) -> Callable[[Any], str]:
    """``trial -> motion segment text`` with the same truncation as dataset building."""
    from lmm_desktop.motion.codec import motion_segment

    def fn(trial: Any) -> str:
        if trial.kinematics is None:
            raise LmmError("This trial has marker trajectories only, without the pelvis (ASIS "
                           "and PSIS) and leg markers needed to compute joint angles; the "
                           "assistant reads joint angles.")
        codes = motion.encode(trial.kinematics, trial.time)
        return motion_segment(codes, motion.codec, MAX_MOTION_TOKENS)

    return fn


def measure_trial(trial: Any) -> dict[str, float]:
    """What the analysis measures, flattened for grounding (empty when it cannot)."""
    from lmm_desktop.analysis.pipeline import analyze
    from lmm_desktop.assistant.grounding import flatten_analysis

    try:
        return flatten_analysis(analyze(trial).to_dict())
    except LmmError:
        return {}
