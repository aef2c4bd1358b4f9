"""The reference model's tokenizer: byte-level BPE trained on the corpus, saved in HF format.

The pipeline is exactly the one ``transformers``' ``Qwen2Tokenizer`` rebuilds on load (NFC
normalizer, Qwen2 split regex, byte-level without prefix space): ``Qwen2Tokenizer.__init__``
keeps only vocab, merges and added tokens from ``tokenizer.json``, so training with any other
pre-tokenizer would make the saved and the loaded encodings diverge.

Within that pipeline, added tokens are matched before pre-tokenization: a space followed by a
digit (" 4") is one added token, so a number such as 42 reads " 4", "2" in the request
("line 42") and in the code (", 42,") alike, and its first digit is marked as a number start.
With the plain regex it was a shared space token, then "4", then "2", and the tiny model copied
the digits of line numbers in the wrong order (42 -> 24) about half the time.

``spaces="split"`` extends the same trick to every space: " " (and four and eight spaces, so
indentation stays short) are added tokens and BPE is trained on the text between them. A word
then never carries its leading space, so ``GitStatusResult`` is the same tokens after "find "
in a request and after ``("`` in the code; with the default ``"joined"`` the first piece is
``ĠGit`` in the request and ``Git`` in the code, and copying a name means mapping one onto the
other before the model can look up what followed it.

The ChatML template renders system / user / assistant / tool turns (consecutive tool turns
merge into one user turn of ``<tool_response>`` blocks, as in Qwen3-Coder), assistant
``tool_calls`` in the XML wire format, and the generation prompt. It contains the literal
``<tool_call>\\n<function=``, which is how mlx-lm picks its ``qwen3_coder`` tool parser.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

# transformers' Qwen2Tokenizer PRETOKENIZE_REGEX, verbatim.
QWEN2_PRETOKENIZE_REGEX = r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""  # noqa: E501 - verbatim
ENDOFTEXT = "<|endoftext|>"
IM_START = "<|im_start|>"
IM_END = "<|im_end|>"
SPECIAL_TOKENS = (ENDOFTEXT, IM_START, IM_END)  # ids 0, 1, 2
TOOL_TOKENS = ("<tool_call>", "</tool_call>", "<tool_response>", "</tool_response>")
NUMBER_STARTS = tuple(f" {digit}" for digit in "0123456789")
SPACE_TOKENS = (" " * 8, " " * 4, " ")
SPACES = ("joined", "split")  # "joined": a word token carries its leading space (Qwen2's own)

CHAT_TEMPLATE = (
    "{%- macro render_call(tc) -%}\n"
    "{%- if tc.function is defined %}{%- set tc = tc.function %}{%- endif -%}\n"
    "{{- '<tool_call>\\n<function=' + tc.name + '>\\n' -}}\n"
    "{%- set args = tc.arguments if tc.arguments is mapping else {} -%}\n"
    "{%- for key, value in args.items() -%}\n"
    "{{- '<parameter=' + key + '>\\n' -}}\n"
    "{%- if value is string %}{{- value }}{%- else %}{{- value | tojson }}{%- endif -%}\n"
    "{{- '\\n</parameter>\\n' -}}\n"
    "{%- endfor -%}\n"
    "{{- '</function>\\n</tool_call>' -}}\n"
    "{%- endmacro -%}\n"
    "{%- set first = messages[0] if messages else none -%}\n"
    "{%- if tools -%}\n"
    "{{- '<|im_start|>system\\n' -}}\n"
    "{%- if first and first.role == 'system' %}{{- first.content + '\\n\\n' }}{%- endif -%}\n"
    "{{- '# Tools\\n\\nYou have access to the following functions:\\n\\n<tools>' -}}\n"
    "{%- for tool in tools %}{{- '\\n' + (tool | tojson) }}{%- endfor -%}\n"
    "{{- '\\n</tools>\\n\\nIf you choose to call a function ONLY reply in the following format:\\n\\n"
    "<tool_call>\\n<function=example_function_name>\\n<parameter=example_parameter_1>\\nvalue_1\\n"
    "</parameter>\\n</function>\\n</tool_call><|im_end|>\\n' -}}\n"
    "{%- elif first and first.role == 'system' -%}\n"
    "{{- '<|im_start|>system\\n' + first.content + '<|im_end|>\\n' -}}\n"
    "{%- endif -%}\n"
    "{%- for message in messages -%}\n"
    "{%- if message.role == 'system' and loop.first -%}\n"
    "{%- elif message.role == 'user' or message.role == 'system' -%}\n"
    "{{- '<|im_start|>' + message.role + '\\n' + (message.content or '') + '<|im_end|>\\n' -}}\n"
    "{%- elif message.role == 'assistant' -%}\n"
    "{{- '<|im_start|>assistant\\n' + (message.content or '') -}}\n"
    "{%- for tc in (message.tool_calls or []) -%}\n"
    "{%- if not loop.first or message.content %}{{- '\\n' }}{%- endif -%}\n"
    "{{- render_call(tc) -}}\n"
    "{%- endfor -%}\n"
    "{{- '<|im_end|>\\n' -}}\n"
    "{%- elif message.role == 'tool' -%}\n"
    "{%- if loop.first or loop.previtem.role != 'tool' %}{{- '<|im_start|>user' }}{%- endif -%}\n"
    "{{- '\\n<tool_response>\\n' + (message.content or '') + '\\n</tool_response>' -}}\n"
    "{%- if loop.last or loop.nextitem.role != 'tool' %}{{- '<|im_end|>\\n' }}{%- endif -%}\n"
    "{%- endif -%}\n"
    "{%- endfor -%}\n"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif -%}\n"
)


def corpus_texts(records: Iterable[Mapping[str, Any]]) -> Iterator[str]:
    """Every message content (and role name) of chat records, the text BPE is trained on."""
    for record in records:
        for message in record.get("messages", []):
            yield str(message.get("role", ""))
            content = message.get("content")
            if isinstance(content, str) and content:
                yield content


def added_tokens(spaces: str = "joined") -> tuple[str, ...]:
    """The tokens matched before pre-tokenization, for a ``spaces`` scheme of ``SPACES``."""
    if spaces not in SPACES:
        raise ValueError(f"spaces must be one of {', '.join(SPACES)}, got {spaces!r}")
    return (*TOOL_TOKENS, *NUMBER_STARTS, *(SPACE_TOKENS if spaces == "split" else ()))


def between_added(texts: Iterable[str], added: Sequence[str]) -> Iterator[str]:
    """The pieces of ``texts`` between added tokens (longest first, as the encoder matches them)."""
    import re

    pattern = re.compile("|".join(re.escape(t) for t in sorted(added, key=len, reverse=True)))
    for text in texts:
        yield from (piece for piece in pattern.split(text) if piece)


def train_tokenizer(texts: Iterable[str], vocab_size: int, out_dir: Path, spaces: str = "joined") -> int:
    """Train byte-level BPE on ``texts``, write ``tokenizer.json`` + ``tokenizer_config.json``.

    Returns the vocabulary size actually reached (a small corpus saturates below ``vocab_size``).
    With ``spaces="split"`` BPE learns from the text between the added tokens, which is what it
    will see when encoding; the default trains on the texts as they are (the committed model).
    """
    added = added_tokens(spaces)
    if spaces == "split":
        texts = between_added(texts, added)
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers
    from tokenizers.models import BPE
    from tokenizers.trainers import BpeTrainer

    tokenizer = Tokenizer(BPE())
    tokenizer.normalizer = normalizers.NFC()
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(QWEN2_PRETOKENIZE_REGEX), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    tokenizer.decoder = decoders.ByteLevel()
    trainer = BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=2,
        show_progress=False,
        special_tokens=list(SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tokenizer.train_from_iterator(texts, trainer=trainer)
    # Not special: like Qwen's, they survive skip_special_tokens (the scorer must see them).
    tokenizer.add_tokens([AddedToken(t, special=False, normalized=False) for t in added])
    out_dir.mkdir(parents=True, exist_ok=True)
    tokenizer.save(str(out_dir / "tokenizer.json"))
    (out_dir / "tokenizer_config.json").write_text(json.dumps(tokenizer_config(), indent=2) + "\n")
    return int(tokenizer.get_vocab_size(with_added_tokens=True))


def tokenizer_config() -> dict[str, Any]:
    return {
        "tokenizer_class": "Qwen2Tokenizer",
        "eos_token": IM_END,
        "pad_token": ENDOFTEXT,
        "bos_token": None,
        "unk_token": None,
        "add_prefix_space": False,
        "model_max_length": 4096,
        "clean_up_tokenization_spaces": False,
        "split_special_tokens": False,
        "tool_parser_type": "qwen3_coder",
        "chat_template": CHAT_TEMPLATE,
    }


def token_ids(tokenizer_dir: Path) -> dict[str, int]:
    """Ids of the special and tool tokens, read from a saved ``tokenizer.json``."""
    data = json.loads((tokenizer_dir / "tokenizer.json").read_text())
    added = {t["content"]: int(t["id"]) for t in data["added_tokens"]}
    return {t: added[t] for t in (*SPECIAL_TOKENS, *TOOL_TOKENS)}


def render(tokenizer: Any, messages: Sequence[Mapping[str, Any]], *, add_generation_prompt: bool) -> list[int]:
    """Token ids of ``messages`` through the tokenizer's chat template."""
    ids = tokenizer.apply_chat_template(list(messages), add_generation_prompt=add_generation_prompt, tokenize=True)
    if isinstance(ids, Mapping):  # transformers may hand back a BatchEncoding
        ids = ids["input_ids"]
    return [int(i) for i in ids]
