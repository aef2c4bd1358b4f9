"""``punie-eval diagnose FILE``: what the scorer sees in one raw model response.

Prints each parsed call (function, wrapped/closed, code), the diagnosis, the tool calls in
the code with their arguments, and every field read with its validity. ``--json`` prints the
same as one JSON object. FILE ``-`` reads standard input.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from punie_eval.commands.registry_arg import add_tools_argument, chosen_registry
from punie_eval.errors import UsageError
from punie_eval.scoring.codeinfo import analyze_code
from punie_eval.scoring.diagnosis import diagnose
from punie_eval.scoring.parsing import parse_response
from punie_eval.types import CodeInfo, Diagnosis, ParsedResponse, to_jsonable


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="raw response text; - for standard input")
    parser.add_argument("--expect", choices=("tool", "prose"), default="tool", help="what the query expects")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    add_tools_argument(parser)


def _read(name: str) -> str:
    if name == "-":
        return sys.stdin.read()
    try:
        return Path(name).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise UsageError(f"{name}: FILE must be a readable UTF-8 text file, got {type(err).__name__}: {err}") from None


def _text_report(parsed: ParsedResponse, diagnosis: Diagnosis, infos: list[CodeInfo | None]) -> list[str]:
    also = f" (also: {', '.join(diagnosis.also)})" if diagnosis.also else ""
    kind = "format failure" if diagnosis.format_failure else "not a format failure"
    lines = [f"diagnosis: {diagnosis.label}{also} [{kind}]", f"  {diagnosis.detail}"]
    if not parsed.calls:
        lines.append("calls: none")
    for i, (call, info) in enumerate(zip(parsed.calls, infos, strict=True), 1):
        lines.append(
            f"call {i}: function={call.function} style={call.style} wrapped={call.wrapped} closed={call.closed}"
        )
        other = {k: v for k, v in call.params.items() if k != "code"}
        if other:
            lines.append(f"  other parameters: {other}")
        if call.code is None:
            lines.append("  code: (none)")
            continue
        lines += ["  code:", *(f"    | {line}" for line in call.code.splitlines())]
        if info is None:
            continue
        if info.syntax_error:
            lines.append(f"  syntax error: {info.syntax_error}")
        for site in info.calls:
            args = ", ".join(f"{k}={v!r}" for k, v in site.args.items())
            status = "" if site.known else " UNKNOWN TOOL"
            lines.append(f"  tool {site.tool}({args}) line {site.line}{status}")
        for read in info.field_reads:
            verdict = "valid" if read.valid else "INVALID"
            lines.append(f"  field {read.tool}(…).{read.path} on {read.type_name}: {verdict} (line {read.line})")
    return lines


def run(args: argparse.Namespace) -> int:
    text = _read(args.file)
    parsed = parse_response(text)
    diagnosis = diagnose(parsed, expect_tool=args.expect == "tool")
    registry = chosen_registry(args)
    infos = [analyze_code(c.code, registry) if c.code is not None else None for c in parsed.calls]
    if args.json:
        out: dict[str, Any] = {
            "diagnosis": to_jsonable(diagnosis),
            "calls": [
                {**to_jsonable(call), "analysis": to_jsonable(info) if info else None}
                for call, info in zip(parsed.calls, infos, strict=True)
            ],
            "think": list(parsed.think),
            "before": parsed.before,
            "after": parsed.after,
        }
        print(json.dumps(out, indent=2, default=list))
    else:
        print("\n".join(_text_report(parsed, diagnosis, infos)))
    return 0


__all__ = ["add_arguments", "run"]
