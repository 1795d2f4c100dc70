"""Motion tokenizer training (``lmm-train tokenizer``) and evaluation (``tokenizer-eval``)."""
