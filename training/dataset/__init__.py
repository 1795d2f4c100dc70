"""Building the multimodal question/answer dataset (``lmm-train dataset``)."""
