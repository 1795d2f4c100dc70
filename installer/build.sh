#!/usr/bin/env bash
# Build the LMM Desktop bundle (PyInstaller, one folder) on Linux or macOS.
#
#   installer/build.sh [--variant cpu|cuda] [--python PY] [--venv DIR] [--skip-install] [--no-smoke]
#
# 1. creates a clean virtual environment (default build/installer-venv),
# 2. installs torch FIRST (CPU wheel, or the CUDA wheel with --variant cuda) so pip never pulls
#    the CUDA stack behind our back, then the app (non-editable) and PyInstaller,
# 3. renders the icon and runs installer/lmm_desktop.spec -> dist/lmm-desktop/,
# 4. smoke-tests the frozen app (`lmm-desktop --version`, `lmm-desktop analyze` on a demo trial).
# PyInstaller is installed only here: it is not a dependency of the app.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VARIANT="cpu"
PYTHON="${PYTHON:-python3}"
VENV="$ROOT/build/installer-venv"
SKIP_INSTALL=0
SMOKE=1
TORCH_VERSION="${LMM_TORCH_VERSION:-2.13.0}"
PYINSTALLER_SPEC="pyinstaller>=6.10,<7"

while [[ $# -gt 0 ]]; do
    case "$1" in
        --variant) VARIANT="$2"; shift 2 ;;
        --python) PYTHON="$2"; shift 2 ;;
        --venv) VENV="$2"; shift 2 ;;
        --skip-install) SKIP_INSTALL=1; shift ;;
        --no-smoke) SMOKE=0; shift ;;
        -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
        *) echo "build.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    esac
done
case "$VARIANT" in
    cpu|cuda) ;;
    *) echo "build.sh: --variant must be 'cpu' or 'cuda', got '$VARIANT'" >&2; exit 2 ;;
esac

# Where torch comes from. LMM_TORCH_INDEX_URL overrides (empty string: pip's configured index).
if [[ -z "${LMM_TORCH_INDEX_URL+set}" ]]; then
    if [[ "$(uname -s)" == "Darwin" ]]; then
        LMM_TORCH_INDEX_URL=""  # macOS wheels on PyPI are CPU/MPS only
    elif [[ "$VARIANT" == "cuda" ]]; then
        LMM_TORCH_INDEX_URL="https://download.pytorch.org/whl/cu128"
    else
        LMM_TORCH_INDEX_URL="https://download.pytorch.org/whl/cpu"
    fi
fi

if [[ "$SKIP_INSTALL" == 0 ]]; then
    echo "==> virtual environment $VENV"
    "$PYTHON" -m venv "$VENV"
fi
PY="$VENV/bin/python"
[[ -x "$PY" ]] || { echo "build.sh: no Python in '$VENV' (drop --skip-install)" >&2; exit 2; }

if [[ "$SKIP_INSTALL" == 0 ]]; then
    "$PY" -m pip install --upgrade pip
    echo "==> torch $TORCH_VERSION ($VARIANT)"
    if [[ -n "$LMM_TORCH_INDEX_URL" ]]; then
        "$PY" -m pip install "torch==$TORCH_VERSION" --index-url "$LMM_TORCH_INDEX_URL"
    else
        "$PY" -m pip install "torch==$TORCH_VERSION"
    fi
    echo "==> LMM Desktop and PyInstaller"
    "$PY" -m pip install "$ROOT" "$PYINSTALLER_SPEC"
fi

if [[ "$VARIANT" == "cpu" ]] && "$PY" -m pip list 2>/dev/null | grep -iqE '^(nvidia-|triton)'; then
    echo "build.sh: the CPU build environment contains CUDA packages:" >&2
    "$PY" -m pip list 2>/dev/null | grep -iE '^(nvidia-|triton)' >&2
    echo "recreate it (torch must be installed first, from the CPU index)" >&2
    exit 1
fi

echo "==> icons"
"$PY" "$ROOT/installer/render_icons.py" "$ROOT/build/icons"

echo "==> PyInstaller"
cd "$ROOT"
start=$(date +%s)
LMM_BUILD_VARIANT="$VARIANT" LMM_ICON_DIR="$ROOT/build/icons" "$PY" -m PyInstaller \
    --noconfirm --clean --distpath "$ROOT/dist" --workpath "$ROOT/build/pyinstaller" \
    "$ROOT/installer/lmm_desktop.spec"
echo "built dist/lmm-desktop in $(( $(date +%s) - start )) s, $(du -sh "$ROOT/dist/lmm-desktop" | cut -f1)"

if [[ "$SMOKE" == 1 ]]; then
    echo "==> smoke test"
    APP="$ROOT/dist/lmm-desktop/lmm-desktop"
    "$APP" --version
    demo="$(ls "$ROOT"/resources/demo/*walking*.mot 2>/dev/null | head -n 1 || true)"
    if [[ -n "$demo" ]]; then
        # gait analysis reads the bundled normative data and the built-in OpenSim model; run it
        # from elsewhere so only the bundled copies can be found
        (cd / && LMM_DESKTOP_HOME="$(mktemp -d)" "$APP" analyze "$demo" > /dev/null)
        echo "frozen 'analyze' on $(basename "$demo"): ok"
    fi
fi
