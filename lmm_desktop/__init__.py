"""LMM Desktop: motion-capture review, gait analysis and a local motion-language assistant."""

__version__ = "0.1.0"
