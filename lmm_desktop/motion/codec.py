"""The one token codec: motion code indices <-> language-model tokens (a **contract**).

Codes ``0..K-1`` become ``<motion_0>`` ... ``<motion_{K-1}>``; a motion segment is wrapped in the
begin/end sentinels ``<motion_begin>`` / ``<motion_end>``. Dataset building, inference and tests use
this module only, so the mapping is written once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

BEGIN = "<motion_begin>"
END = "<motion_end>"
_CODE_RE = re.compile(r"<motion_(\d+)>")


class MotionTokenCodec:
    """Codes <-> motion token strings for a codebook of ``codebook_size`` entries."""

    def __init__(self, codebook_size: int) -> None:
        if codebook_size < 1:
            raise ValueError(f"codebook_size must be positive, got {codebook_size}")
        self.codebook_size = codebook_size

    @property
    def tokens(self) -> list[str]:
        """Every token to add to a language model's vocabulary: codes, then the two sentinels."""
        return [self.code_token(i) for i in range(self.codebook_size)] + [BEGIN, END]

    def code_token(self, code: int) -> str:
        if not 0 <= code < self.codebook_size:
            raise ValueError(f"motion code {code} outside 0..{self.codebook_size - 1}")
        return f"<motion_{code}>"

    def encode(self, codes: Iterable[int]) -> str:
        """Codes -> ``<motion_begin><motion_12>...<motion_end>`` (no spaces)."""
        return BEGIN + "".join(self.code_token(int(c)) for c in codes) + END

    def decode(self, text: str) -> list[int]:
        """The codes of the first motion segment in ``text`` (between the sentinels).

        Raises ValueError if there is no complete segment or a code is out of range.
        """
        start = text.find(BEGIN)
        end = text.find(END, start + len(BEGIN)) if start >= 0 else -1
        if start < 0 or end < 0:
            raise ValueError("no complete motion segment (<motion_begin> ... <motion_end>) found")
        body = text[start + len(BEGIN):end]
        codes = [int(m) for m in _CODE_RE.findall(body)]
        if _CODE_RE.sub("", body).strip():
            raise ValueError("unexpected text inside a motion segment")
        for c in codes:
            if c >= self.codebook_size:
                raise ValueError(f"motion code {c} outside 0..{self.codebook_size - 1}")
        return codes

    def token_ids(self, codes: Sequence[int], first_code_id: int) -> list[int]:
        """Vocabulary ids when the code tokens were added contiguously from ``first_code_id``
        followed by the begin and end sentinels (as :attr:`tokens` orders them)."""
        begin_id = first_code_id + self.codebook_size
        return [begin_id, *(first_code_id + int(c) for c in codes), begin_id + 1]


def motion_segment(codes: Sequence[int] | Iterable[int], codec: MotionTokenCodec,
                   max_tokens: int) -> str:
    """The motion segment of a prompt: the central ``max_tokens`` codes of a long trial.

    Dataset building and inference both call this, so the model always sees motion the way it
    was trained on it.
    """
    seq = [int(c) for c in codes]
    if len(seq) > max_tokens:
        start = (len(seq) - max_tokens) // 2
        seq = seq[start:start + max_tokens]
    return codec.encode(seq)
