"""The Gemma chat turn format, shared by training and inference.

BiomechGPT fine-tunes with the standard Gemma template::

    <bos><start_of_turn>user
    {question with motion tokens}<end_of_turn>
    <start_of_turn>model
    {answer}<end_of_turn>

The pretrained Gemma 3 270M ships without a chat template, so :func:`ensure_chat_template` sets
this one when the tokenizer has none; an instruction-tuned base (Gemma-3-1B/4B-it) keeps its own.
A system message, when given, is prepended to the first user turn (Gemma has no system role).
"""

from __future__ import annotations

from typing import Any

START_OF_TURN = "<start_of_turn>"
END_OF_TURN = "<end_of_turn>"
TURN_TOKENS = (START_OF_TURN, END_OF_TURN)

GEMMA_CHAT_TEMPLATE = (
    "{{ bos_token }}"
    "{%- if messages and messages[0]['role'] == 'system' -%}"
    "{%- set system = messages[0]['content'] | trim + '\n\n' -%}"
    "{%- set turns = messages[1:] -%}"
    "{%- else -%}{%- set system = '' -%}{%- set turns = messages -%}{%- endif -%}"
    "{%- for message in turns -%}"
    "{%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) -%}"
    "{{ raise_exception('Conversation roles must alternate user/assistant/user/...') }}"
    "{%- endif -%}"
    "{%- set role = 'model' if message['role'] == 'assistant' else message['role'] -%}"
    "{{ '<start_of_turn>' + role + '\n' }}"
    "{%- if loop.first -%}{{ system }}{%- endif -%}"
    "{{ message['content'] | trim }}{{ '<end_of_turn>\n' }}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{ '<start_of_turn>model\n' }}{%- endif -%}"
)


def ensure_chat_template(tokenizer: Any, *, override: bool = False) -> str:
    """Give ``tokenizer`` the Gemma template if it has none (or ``override``); return the one used.

    Also makes sure the turn markers are single tokens (they are in every Gemma vocabulary; a
    tiny test tokenizer gets them as added special tokens).
    """
    known = tokenizer.get_vocab()
    missing = [t for t in TURN_TOKENS if t not in known]
    if missing:
        tokenizer.add_tokens(missing, special_tokens=True)
    if override or not getattr(tokenizer, "chat_template", None):
        tokenizer.chat_template = GEMMA_CHAT_TEMPLATE
    return str(tokenizer.chat_template)


def training_messages(prompt: str, answer: str, system: str | None = None) -> list[dict[str, str]]:
    """One question and its answer as chat messages (training may also pack several per trial)."""
    msgs = [{"role": "system", "content": system}] if system else []
    return [*msgs, {"role": "user", "content": prompt}, {"role": "assistant", "content": answer}]


def render(
    tokenizer: Any, messages: list[dict[str, str]], *, add_generation_prompt: bool = False
) -> str:
    """The conversation as text through the tokenizer's chat template."""
    return str(
        tokenizer.apply_chat_template(
            messages, tokenize=False, add_generation_prompt=add_generation_prompt
        )
    )


def stop_token_ids(tokenizer: Any) -> list[int]:
    """Ids that end a model turn: ``<end_of_turn>`` and the tokenizer's EOS."""
    ids = [tokenizer.convert_tokens_to_ids(END_OF_TURN)]
    if tokenizer.eos_token_id is not None:
        ids.append(int(tokenizer.eos_token_id))
    return sorted({int(i) for i in ids if i is not None and i != tokenizer.unk_token_id})
