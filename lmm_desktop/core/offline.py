"""No hub access, ever: LMM Desktop and lmm-train never download at run time.

``enforce_offline()`` runs when the ``lmm_desktop`` package is first imported, before
transformers, peft or bitsandbytes, because some of them reach for the network at import: on a
CPU with AVX-512 BF16, bitsandbytes asks the Hugging Face Hub (through the ``kernels`` package) for
a "kernels-community" matrix kernel the moment it is imported. With the hub's offline flag set
first, that lookup fails locally without a DNS query. The flag is read when ``huggingface_hub``
is imported, so if a host program imported it earlier the module's constant is set as well.
"""

from __future__ import annotations

import logging
import os
import sys

OFFLINE_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1"}


class _HubKernelNote(logging.Filter):
    """Drops the notes that the hub kernel was not looked up or fetched (expected offline)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "kernels-community" not in record.getMessage()


def enforce_offline() -> None:
    """Forbid every hub access for this process (idempotent)."""
    os.environ.update(OFFLINE_ENV)
    constants = sys.modules.get("huggingface_hub.constants")
    if constants is not None:  # imported before us: its flag was read already
        constants.HF_HUB_OFFLINE = True  # type: ignore[attr-defined]
        constants.HF_HUB_DISABLE_TELEMETRY = True  # type: ignore[attr-defined]
    for name in ("bitsandbytes.backends.cpu.ops", "kernels._internals.hf_hub"):
        log = logging.getLogger(name)
        if not any(isinstance(f, _HubKernelNote) for f in log.filters):
            log.addFilter(_HubKernelNote())
