"""The token codec: codes <-> LM tokens with begin/end sentinels, round trips and errors."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lmm_desktop.motion.codec import BEGIN, END, MotionTokenCodec


def test_tokens_are_codes_then_sentinels() -> None:
    codec = MotionTokenCodec(512)
    toks = codec.tokens
    assert len(toks) == 514
    assert toks[0] == "<motion_0>" and toks[511] == "<motion_511>"
    assert toks[-2:] == [BEGIN, END]
    assert len(set(toks)) == 514


@given(st.lists(st.integers(min_value=0, max_value=511), max_size=300))
def test_round_trip(codes: list[int]) -> None:
    codec = MotionTokenCodec(512)
    text = codec.encode(codes)
    assert text.startswith(BEGIN) and text.endswith(END)
    assert codec.decode(f"Question: {text} what is this?") == codes


def test_token_ids_layout() -> None:
    codec = MotionTokenCodec(4)
    assert codec.token_ids([2, 0], first_code_id=100) == [104, 102, 100, 105]


@pytest.mark.parametrize(
    "text",
    ["no motion here", "<motion_begin><motion_1>", "<motion_begin><motion_9><motion_end>",
     "<motion_begin><motion_1> junk <motion_end>"],
)
def test_decode_rejects_bad_text(text: str) -> None:
    with pytest.raises(ValueError):
        MotionTokenCodec(8).decode(text)


def test_code_out_of_range() -> None:
    with pytest.raises(ValueError):
        MotionTokenCodec(8).encode([8])
