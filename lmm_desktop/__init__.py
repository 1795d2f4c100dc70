"""LMM Desktop: motion-capture review, gait analysis and a local motion-language assistant."""

from lmm_desktop.core.offline import enforce_offline

__version__ = "0.1.0"

enforce_offline()  # before transformers, peft or bitsandbytes can be imported (they look online)
