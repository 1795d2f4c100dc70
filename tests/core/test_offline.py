"""Nothing reaches the network: importing the model stack after lmm_desktop makes no lookup.

bitsandbytes, on a CPU with AVX-512 BF16, asks the Hugging Face Hub for a kernel when it is
imported (peft imports it). Run in a fresh interpreter with every socket lookup recorded.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

_PROBE = textwrap.dedent(
    """
    import socket, sys
    tried = []
    def _no(*a, **k):
        tried.append(a[:2])
        raise OSError("network blocked by the test")
    socket.getaddrinfo = _no
    socket.socket.connect = lambda self, *a, **k: _no(*a)
    if sys.argv[1] == "hub-first":  # a host program imported huggingface_hub before us
        import huggingface_hub  # noqa: F401
    import lmm_desktop.assistant.base_model  # noqa: F401
    import transformers, peft  # noqa: F401,E401
    try:
        import bitsandbytes  # noqa: F401
    except ImportError:
        pass
    import os
    from huggingface_hub import constants
    print("LOOKUPS", tried, os.environ["HF_HUB_OFFLINE"], constants.HF_HUB_OFFLINE)
    """
)


def _run(order: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _PROBE, order],
        capture_output=True,
        text=True,
        timeout=300,
        env={k: v for k, v in os.environ.items() if "OFFLINE" not in k},
    )


def test_importing_the_model_stack_makes_no_network_lookup() -> None:
    for order in ("app", "hub-first"):
        done = _run(order)
        assert done.returncode == 0, done.stderr[-2000:]
        assert "LOOKUPS [] 1 True" in done.stdout, (order, done.stdout, done.stderr[-2000:])
        # the expected offline failure of the hub kernel is not shown to the user
        assert "kernels-community" not in done.stdout + done.stderr
