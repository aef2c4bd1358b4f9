"""One conversation per kind. Each builder returns an ``Example``: the messages (system first)
and, for every assistant message, which tools its code calls (for the mixed variant)."""

from __future__ import annotations

import random
from dataclasses import dataclass

from punie_eval.generation.prompts import tool_response
from punie_eval.registry import ToolRegistry
from punie_eval.training.corpus import combos, concepts, results, summaries, system_prompts, vocab, wording
from punie_eval.training.corpus.combos import Chain
from punie_eval.training.corpus.requests import Intent, fill

Message = dict[str, str]


@dataclass
class Example:
    kind: str
    messages: list[Message]
    calls: dict[int, tuple[str, ...]]  # message index -> tools called by that assistant message

    def record(self) -> dict[str, list[Message]]:
        return {"messages": self.messages}


# {D}/{d}: the command's description (capitalised or not), {c}: the command line itself.
RUN_COMMAND_WORDINGS = (
    "{D}",
    "{D}",
    "Run `{c}`",
    "Please {d}",
    "Execute {c} in the shell",
    "run {c}",
    "`{c}` please",
    "Can you run `{c}` for me?",
    "There's no tool for it, so just run `{c}`",
    "In a shell: {c}",
    "I need to {d}.",
    "Go ahead and {d}",
    "Shell out and run {c}",
    "Could you {d}?",
    "{D}, and show me the output",
    "What does `{c}` print?",
)
# {p}: the path, {t}: the content as shown to the user.
WRITE_FILE_WORDINGS = (
    "Create {p} containing: {t}",
    "Write `{t}` to {p}",
    "Save {p} with the content {t}",
    "Overwrite {p} so it holds `{t}`",
    "Put this into {p}: {t}",
    "Make a file {p} with `{t}` in it",
    "{p} should contain exactly `{t}` - write it",
    "Replace the contents of {p} with: {t}",
    "Write a new {p}: {t}",
    "Dump `{t}` into {p}",
    "Could you create {p}? Content: {t}",
    "Set {p} to `{t}`",
)


def tool_call(code: str, compact: bool = False) -> str:
    """The wire format of one execute_code call: the spaced layout the chat template renders,
    or the compact one (the corpus uses only the spaced one; a tiny model should not spend
    capacity on a coin flip that changes nothing)."""
    if compact:
        return f"<tool_call><function=execute_code><parameter=code>\n{code}\n</parameter></function></tool_call>"
    return f"<tool_call>\n<function=execute_code>\n<parameter=code>\n{code}\n</parameter>\n</function>\n</tool_call>"


def _start(rng: random.Random, request: str) -> list[Message]:
    return [{"role": "system", "content": system_prompts.system_prompt(rng)}, {"role": "user", "content": request}]


def _maybe_no_call(rng: random.Random, question: str) -> str:
    """Now and then the user says up front that nothing should run."""
    if rng.random() < 0.15:
        return rng.choice(concepts.NO_CALL_PREFIXES) + wording.lower_first(question)
    return question


def prose_python(rng: random.Random) -> Example:
    answer, phrasings, subjects = rng.choice(concepts.PYTHON_TOPICS)
    if subjects and rng.random() < 0.5:
        question = rng.choice(concepts.TOPIC_FRAMES).format(s=rng.choice(subjects))
    else:
        question = rng.choice(phrasings)
    if subjects:  # not the greeting
        question = _maybe_no_call(rng, question)
    messages = _start(rng, wording.polite(rng, question))
    return Example("prose", [*messages, {"role": "assistant", "content": answer}], {})


def prose_tool(rng: random.Random, registry: ToolRegistry) -> Example:
    if rng.random() < 0.5:
        answer, phrasings = rng.choice(concepts.FIELD_MEANINGS)
        question = rng.choice(phrasings)
    else:
        tool = rng.choice(sorted(registry.tools))
        question, answer = rng.choice(concepts.TOOL_QUESTIONS).format(tool=tool), concepts.tool_answer(registry, tool)
    messages = _start(rng, wording.polite(rng, _maybe_no_call(rng, question)))
    return Example("prose_tool", [*messages, {"role": "assistant", "content": answer}], {})


def single(rng: random.Random, intent: Intent, kind: str = "single") -> Example:
    request, s = fill(intent, rng.choice(intent.templates), vocab.slots(rng))
    messages = _start(rng, wording.polite(rng, request))
    messages.append({"role": "assistant", "content": tool_call(intent.code(s))})
    return Example(kind, messages, {2: intent.tools})


def composed(rng: random.Random, by_tool: dict[str, list[Intent]]) -> Example:
    """Two single-tool requests of different tools in one message, both calls in one code block."""
    while True:
        tool_a, tool_b = rng.sample(sorted(by_tool), 2)
        first, second = rng.choice(by_tool[tool_a]), rng.choice(by_tool[tool_b])
        made = combos.compose(rng, first, second, vocab.slots(rng))
        if made:
            break
    request, code = made
    messages = _start(rng, wording.polite(rng, request))
    messages.append({"role": "assistant", "content": tool_call(code)})
    return Example("composed", messages, {2: (tool_a, tool_b)})


def run_command(rng: random.Random) -> Example:
    command, args, description = rng.choice(vocab.SHELL_COMMANDS)
    shown = " ".join([command, *args])
    request = rng.choice(RUN_COMMAND_WORDINGS).format(
        d=description, D=description[0].upper() + description[1:], c=shown
    )
    cwd = rng.choice((None, None, None, "frontend" if command == "npm" else "."))
    listed = "[" + ", ".join(vocab.py_str(a) for a in args) + "]"
    call = f"run_command({vocab.py_str(command)}, {listed}" + (f", cwd={vocab.py_str(cwd)})" if cwd else ")")
    code = f"output = {call}\nprint(output)"
    messages = _start(rng, wording.polite(rng, request))
    messages.append({"role": "assistant", "content": tool_call(code)})
    return Example("run_command", messages, {2: ("run_command",)})


def write_file(rng: random.Random) -> Example:
    path = rng.choice((*vocab.NOTE_FILES, vocab.python_file(rng)))
    text = rng.choice(vocab.FILE_CONTENTS)
    shown = text.strip().replace("\n", " / ")
    request = rng.choice(WRITE_FILE_WORDINGS).format(p=path, t=shown)
    code = f"result = write_file({vocab.py_str(path)}, {vocab.py_str(text)})\nprint(result)"
    messages = _start(rng, wording.polite(rng, request))
    messages.append({"role": "assistant", "content": tool_call(code)})
    return Example("write_file", messages, {2: ("write_file",)})


def multi_summary(rng: random.Random, intent: Intent, registry: ToolRegistry) -> Example:
    """Turn 1 calls the tool, the result comes back in a user turn, turn 2 summarises it in prose."""
    request, s = fill(intent, rng.choice(intent.templates), vocab.slots(rng))
    if rng.random() < 0.5:
        asks = summaries.ASK_AFTER_QUESTION if request.endswith("?") else summaries.ASK_AFTER_COMMAND
        request += rng.choice(asks)
    messages = _start(rng, wording.polite(rng, request))
    messages.append({"role": "assistant", "content": tool_call(intent.code(s))})
    tool = intent.tools[0]
    result, rendered = results.build(registry, tool, rng, s)
    messages.append({"role": "user", "content": tool_response(rendered)})
    path = s.testdir if tool == "pytest_run" else s.dir
    messages.append({"role": "assistant", "content": summaries.SUMMARIES[tool](result, path)})
    return Example("multi_summary", messages, {2: intent.tools})


def multi_chain(rng: random.Random, chain: Chain, registry: ToolRegistry) -> Example:
    """Turn 1 calls the first tool, its result comes back, turn 2 calls the second on a value from it."""
    templates = [t for t in chain.first.templates if not t.endswith("?")] or list(chain.first.templates)
    request, s = fill(chain.first, rng.choice(templates), vocab.slots(rng))
    follow_up = rng.choice(chain.follow_ups)
    if follow_up[:1] in ",.;" and request.endswith("."):  # no "column 6., then"
        request = request[:-1]
    messages = _start(rng, wording.polite(rng, request + follow_up))
    messages.append({"role": "assistant", "content": tool_call(chain.first.code(s))})
    result, rendered = results.build(registry, chain.first.tools[0], rng, s, at_least=chain.at_least)
    messages.append({"role": "user", "content": tool_response(rendered)})
    messages.append({"role": "assistant", "content": tool_call(chain.code(chain.pick(result, s)))})
    return Example("multi_chain", messages, {2: chain.first.tools, 4: (chain.second,)})
