"""The reference tokenizer's space schemes: real BPE training, real mlx-lm loading (no model needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from punie_eval.refmodel.tokenizer import SPACE_TOKENS, added_tokens, between_added, train_tokenizer

REQUESTS = [
    "Find GitStatusResult in the workspace",
    "Where is load_config defined in src/punie/agent/config.py, line 42, column 7?",
    "Show me the references to AgentConfig",
    "Explain what a frozen dataclass is.",
]
CODES = [
    'result = workspace_symbols("GitStatusResult")\nfor s in result.symbols:\n    print(s.name, s.line)',
    'result = goto_definition("src/punie/agent/config.py", 42, 7, "load_config")\nprint(result.file)',
    'result = find_references("src/punie/agent/config.py", 18, 6, "AgentConfig")\nprint(result.reference_count)',
]
TEXTS = ["system", "user", "assistant", *REQUESTS * 5, *CODES * 5]


@pytest.fixture(scope="module", params=["joined", "split"])
def tokenizer_dir(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp(f"tok-{request.param}")
    train_tokenizer(TEXTS, 400, out, spaces=request.param)
    return out


def _name_pieces(tokenizer_dir: Path, text: str, name: str) -> list[str]:
    """The tokens of ``text`` that cover any character of ``name`` in it."""
    from tokenizers import Tokenizer

    encoding = Tokenizer.from_file(str(tokenizer_dir / "tokenizer.json")).encode(text)
    start = text.index(name)
    end = start + len(name)
    return [tok for tok, (a, b) in zip(encoding.tokens, encoding.offsets, strict=True) if a < end and b > start]


def test_split_spaces_tokenize_a_name_the_same_in_a_request_and_in_code(tokenizer_dir: Path) -> None:
    """Split: a name's tokens after "Find " are its tokens after '("'; joined: the first carries the space."""
    for name in ("GitStatusResult", "AgentConfig", "load_config"):
        in_request = _name_pieces(tokenizer_dir, f"Find {name} now", name)
        in_code = _name_pieces(tokenizer_dir, f'x("{name}")', name)
        if tokenizer_dir.name.startswith("tok-split"):
            assert in_request == in_code
        else:
            assert in_request[0] == "Ġ" + in_code[0]
            assert in_request[1:] == in_code[1:]


def test_split_spaces_are_added_tokens_and_bpe_never_sees_them() -> None:
    """Split adds one, four and eight spaces; joined adds none; training pieces hold no added token."""
    assert set(SPACE_TOKENS) <= set(added_tokens("split"))
    assert not set(SPACE_TOKENS) & set(added_tokens("joined"))
    pieces = list(between_added(["    print(x,  y)", "line 42"], added_tokens("split")))
    assert pieces == ["print(x,", "y)", "line", "2"]
    with pytest.raises(ValueError, match="spaces must be one of joined, split"):
        added_tokens("none")


@pytest.mark.parametrize(
    "text",
    [
        CODES[0],
        "There are  3 errors: 12, 4",
        "for s in r:\n        x = 1\n\n  y",
        '<tool_call>\n<function=execute_code>\n<parameter=code>\nresult = git_status(".")\n</parameter>',
    ],
)
def test_mlx_lm_loads_the_same_encoding_and_streams_the_text_back(tokenizer_dir: Path, text: str) -> None:
    """transformers' Qwen2Tokenizer (through mlx-lm) encodes as trained, and the streaming detokenizer is exact."""
    from mlx_lm.tokenizer_utils import load as load_tokenizer
    from tokenizers import Tokenizer

    wrapper = load_tokenizer(tokenizer_dir)
    ids = wrapper.encode(text, add_special_tokens=False)
    assert ids == Tokenizer.from_file(str(tokenizer_dir / "tokenizer.json")).encode(text).ids
    detokenizer = wrapper.detokenizer
    detokenizer.reset()
    for token in ids:
        detokenizer.add_token(token)
    detokenizer.finalize()
    assert detokenizer.text == text
