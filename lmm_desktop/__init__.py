"""LMM Desktop: motion-capture review, gait analysis and a local motion-language assistant."""

import warnings

from lmm_desktop.core.offline import enforce_offline

__version__ = "0.1.0"

enforce_offline()  # before transformers, peft or bitsandbytes can be imported (they look online)
# peft reads a property that transformers 5 renamed; the note is theirs, not the user's to act on
warnings.filterwarnings(
    "ignore", message="`is_gradient_checkpointing` is deprecated", category=FutureWarning
)
