"""Free text inside tool results: commit messages, test failures, type and lint messages.

Composed from parts, so there are thousands of them: with a pool of a dozen fixed strings a
tiny model learns to recite the pool in its turn-2 summary instead of copying the message in
front of it, and then falls apart on a message it has never seen.
"""

# ruff: noqa: E501  (phrasing and value tables: one entry per line reads better than wrapped fragments)

from __future__ import annotations

import random

from punie_eval.training.corpus import vocab

COMMIT_VERBS = (
    "Add",
    "Fix",
    "Remove",
    "Refactor",
    "Rename",
    "Document",
    "Handle",
    "Update",
    "Drop",
    "Support",
    "Simplify",
    "Split",
    "Move",
    "Speed up",
    "Cache",
    "Validate",
    "Log",
    "Test",
    "Clean up",
    "Guard",
    "Revert",
    "Extract",
    "Replace",
    "Tidy",
    "Pin",
    "Expose",
    "Deprecate",
    "Harden",
    "Retry",
    "Parallelise",
)
COMMIT_OBJECTS = (
    "config loading",
    "the session lifecycle",
    "retry logic",
    "cache keys",
    "request timeouts",
    "error messages",
    "CLI flags",
    "the release script",
    "pagination",
    "the HTTP client",
    "dead code",
    "type hints",
    "the parser",
    "slow queries",
    "flaky tests",
    "the changelog",
    "dependency versions",
    "the build matrix",
    "database migrations",
    "logging setup",
    "the plugin loader",
    "empty payloads",
    "unicode paths",
    "the upload handler",
    "auth tokens",
    "rate limits",
    "the metrics endpoint",
    "default settings",
    "the docs index",
    "fixtures",
    "the worker pool",
    "connection pooling",
    "input validation",
    "the export format",
    "stale locks",
    "the search index",
    "date parsing",
    "the invoice template",
    "batch sizes",
    "the lint config",
)
COMMIT_TAILS = (
    "",
    "",
    "",
    " in {module}",
    " for {func}",
    " in the {module} module",
    " on Windows",
    " (closes #{n})",
    " after review",
    " for large inputs",
)


def commit_message(rng: random.Random) -> str:
    if rng.random() < 0.2:
        return rng.choice(
            (
                f"Bump {rng.choice(('ruff', 'mypy', 'pytest', 'mlx', 'numpy', 'httpx', 'pydantic'))} to {rng.randint(0, 9)}.{rng.randint(0, 30)}",
                f"Merge branch '{rng.choice(vocab.FUNC_VERBS)}-{rng.choice(vocab.FUNC_NOUNS)}'",
                f"Rename {vocab.class_name(rng)} to {vocab.class_name(rng)}",
                f"Add {vocab.func_name(rng)} test",
            )
        )
    tail = rng.choice(COMMIT_TAILS).format(
        module=rng.choice(vocab.MODULES), func=vocab.func_name(rng), n=rng.randint(2, 999)
    )
    return f"{rng.choice(COMMIT_VERBS)} {rng.choice(COMMIT_OBJECTS)}{tail}"


def _value(rng: random.Random) -> str:
    """A Python value as it appears in an assertion message."""
    return rng.choice(
        (
            str(rng.randint(0, 500)),
            repr(rng.choice(vocab.FUNC_NOUNS)),
            "None",
            rng.choice(("True", "False")),
            f"[{rng.randint(0, 9)}, {rng.randint(0, 9)}]",
            f"{vocab.class_name(rng)}({rng.choice(vocab.FUNC_NOUNS)!r})",
            f"PosixPath({vocab.python_file(rng)!r})",
            f"{{{rng.choice(vocab.FUNC_NOUNS)!r}: {rng.randint(0, 99)}}}",
        )
    )


def attribute(rng: random.Random) -> str:
    return rng.choice(
        (
            rng.choice(vocab.FUNC_NOUNS),
            f"{rng.choice(vocab.FUNC_NOUNS)}_{rng.choice(('id', 'dir', 'count', 'name', 'path'))}",
        )
    )


def failure_message(rng: random.Random) -> str:
    a, c, f = attribute(rng), vocab.class_name(rng), vocab.func_name(rng)
    return rng.choice(
        (
            f"AssertionError: assert {_value(rng)} == {_value(rng)}",
            f"AssertionError: assert {_value(rng)} is not None",
            f"AssertionError: assert {a!r} in {_value(rng)}",
            f"KeyError: {a!r}",
            f"TypeError: {f}() missing 1 required positional argument: {a!r}",
            "TypeError: unsupported operand type(s) for +: 'int' and 'str'",
            f"AttributeError: '{c}' object has no attribute {a!r}",
            f"ValueError: {a} must be positive, got {rng.randint(-50, 0)}",
            f"FileNotFoundError: [Errno 2] No such file or directory: {vocab.python_file(rng)!r}",
            f"ImportError: cannot import name {c!r} from 'src.{rng.choice(vocab.PACKAGES)}.{rng.choice(vocab.MODULES)}'",
            f"RuntimeError: {c} is already closed",
            "IndexError: list index out of range",
            "ZeroDivisionError: division by zero",
        )
    )


def _type(rng: random.Random) -> str:
    return rng.choice(
        ("int", "str", "None", "bytes", "float", "list[str]", "dict[str, Any]", "Path", vocab.class_name(rng))
    )


def type_error(rng: random.Random) -> tuple[str, str]:
    """(mypy error code, message)."""
    a, c, f = attribute(rng), vocab.class_name(rng), vocab.func_name(rng)
    t1, t2 = _type(rng), _type(rng)
    return rng.choice(
        (
            ("arg-type", f'Argument {rng.randint(1, 3)} to "{f}" has incompatible type "{t1}"; expected "{t2}"'),
            ("attr-defined", f'"{c}" has no attribute "{a}"'),
            ("return-value", f'Incompatible return value type (got "{t1}", expected "{t2}")'),
            ("assignment", f'Incompatible types in assignment (expression has type "{t1}", variable has type "{t2}")'),
            ("name-defined", f'Name "{a}" is not defined'),
            ("union-attr", f'Item "None" of "{c} | None" has no attribute "{a}"'),
            ("call-arg", f'Missing positional argument "{a}" in call to "{f}"'),
            ("import-untyped", f'Library stubs not installed for "{rng.choice(("yaml", "requests", "toml", "six"))}"'),
            ("no-untyped-def", "Function is missing a return type annotation"),
            ("override", f'Signature of "{f}" incompatible with supertype "{c}"'),
        )
    )


def lint_violation(rng: random.Random) -> tuple[str, str, bool]:
    """(ruff rule code, message, fixable): real rules with their real wording."""
    a, f = attribute(rng), vocab.func_name(rng)
    return rng.choice(
        (
            (
                "F401",
                f"`{rng.choice(('os', 'sys', 'json', 're', 'typing.Any', 'pathlib.Path'))}` imported but unused",
                True,
            ),
            ("I001", "Import block is un-sorted or un-formatted", True),
            ("E501", f"Line too long ({rng.randint(101, 180)} > 100)", False),
            ("F841", f"Local variable `{a}` is assigned to but never used", True),
            ("B006", "Do not use mutable data structures for argument defaults", False),
            ("UP006", "Use `list` instead of `List` for type annotation", True),
            ("E711", "Comparison to `None` should be `cond is None`", True),
            ("SIM108", "Use ternary operator instead of `if`-`else`-block", False),
            ("E722", "Do not use bare `except`", False),
            ("F821", f"Undefined name `{a}`", False),
            ("ARG001", f"Unused function argument: `{a}`", False),
            ("RET504", f"Unnecessary assignment to `{a}` before `return` statement", True),
            ("C901", f"`{f}` is too complex ({rng.randint(11, 25)} > 10)", False),
            (
                "PLR2004",
                f"Magic value used in comparison, consider replacing `{rng.randint(2, 999)}` with a constant variable",
                False,
            ),
        )
    )


def signature(rng: random.Random, sym: str) -> str:
    """What hover shows for ``sym``: a class header or a function signature with varied parameters."""
    if sym[0].isupper():
        return f"class {sym}({rng.choice(('', '', 'BaseModel', 'Protocol', 'Exception'))})"
    params = [f"{attribute(rng)}: {_type(rng)}" for _ in range(rng.randint(0, 3))]
    if rng.random() < 0.3:
        params.append(f"{attribute(rng)}: bool = False")
    return f"def {sym}({', '.join(params)}) -> {_type(rng)}"
