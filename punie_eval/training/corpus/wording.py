"""The surface wrapping of a request: polite prefixes and suffixes, and rare casual variation
(a context sentence, a short reason, "pls", all lower case) around the request text.

The wrapping never changes what is asked: the request text survives intact (only its
capitalisation may change, never that of a path, a symbol or a searched name), so the
code answering it stays the same.
"""

from __future__ import annotations

import random
import re

from punie_eval.training.corpus.vocab import SEARCH_WORDS

POLITE_PREFIXES = (
    *("", "", "", "", "", "", "", "", "", "", "", "", ""),
    *("Can you ", "Could you ", "Please ", "Hey, ", "I'd like you to ", "Would you "),
    *("Before I push, ", "Quick one: ", "Go ahead and ", "I need you to ", "OK, now ", "Hi! "),
    *("Can you please ", "Could you quickly ", "Kindly ", "Just ", "Please go ahead and ", "Would you please "),
    *("Hello! ", "Alright, ", "Next: ", "One more thing: ", "Right, ", "Small task: ", "Real quick: "),
    *("Sorry to bother you, ", "Good morning! ", "Now "),
)
# Prefixes that only read well before an imperative verb ("Can you lint src/", not "Can you git status").
VERB_PREFIXES = frozenset(
    {
        "Can you ",
        "Could you ",
        "Would you ",
        "Please ",
        "I'd like you to ",
        "I need you to ",
        "Go ahead and ",
        "Can you please ",
        "Could you quickly ",
        "Kindly ",
        "Just ",
        "Please go ahead and ",
        "Would you please ",
        "Now ",
        "pls ",
    }
)
ASKING = ("Can you", "Could you", "Would you", "Can you please", "Could you quickly", "Would you please")
POLITE_SUFFIXES = (
    *("", "", "", "", "", "", "", "", ""),
    *(", thanks", ", please", " for me", " when you get a chance", ". Thanks!", ", thank you", ". Thank you!"),
    *(", cheers", " if you can", " when you have a moment", ". Much appreciated!", " please", " now", ", thx"),
    *(". Cheers!", " real quick", ", if that's OK", " when you're free"),
)
QUESTION_PREFIXES = (
    *("", "", "", "", "", ""),
    *("Quick question: ", "Hey, ", "Out of curiosity, ", "Before I push: ", "Hi! ", "One thing: "),
    *("Question: ", "Hey there! ", "Real quick: ", "So, ", "Hello! ", "Just checking: "),
    *("Quick check: ", "Sanity check: ", "Curious: ", "OK, "),
)
QUESTION_SUFFIXES = ("", "", "", "", "", " Thanks.", " Thanks!", " Thank you.", " Cheers.", " Thx!")

# A sentence of context before the request: it sets a scene without naming another tool or path.
CONTEXTS = (
    "I'm refactoring the billing code.",
    "Working on a bug here.",
    "I just pulled the latest main.",
    "Getting ready for a release.",
    "I'm new to this codebase.",
    "Picking this up again after the weekend.",
    "I've been moving some modules around.",
    "I'm reviewing a colleague's branch.",
    "About to open a pull request.",
    "Trying to tidy things up before lunch.",
    "Just finished a big rename.",
    "Back from a meeting, catching up.",
    "I'm pairing with someone on this.",
    "Something feels off today.",
)
# A short reason after the request.
REASONS = (
    " — want to know before I merge",
    " — I'm about to push",
    " — it's for a code review",
    " — trying to track something down",
    " — just want to be sure",
    " — planning my next change",
    " — need it for the standup",
)
GREETINGS = ("Hi! ", "Hello! ", "Hey there! ", "Good morning! ")
P_CONTEXT, P_REASON, P_PLS, P_LOWER = 0.12, 0.08, 0.04, 0.06

# Words a request may start with that are imperative verbs (so "Can you ..." reads right).
VERBS = frozenset(
    (
        *("show", "list", "give", "tell", "find", "look", "pull", "report", "check", "scan", "inspect", "run"),
        *("lint", "type-check", "typecheck", "count", "open", "print", "read", "display", "dump", "diff", "compare"),
        *("execute", "launch", "kick", "test", "make", "verify", "validate", "do", "search", "query", "locate"),
        *("jump", "take", "navigate", "resolve", "hover", "get", "outline", "summarise", "summarize", "enumerate"),
        *("time", "use", "invoke", "create", "write", "save", "overwrite", "put", "install", "build", "regenerate"),
        *("apply", "explain", "describe", "go", "type", "let", "style-check", "mark", "flag", "track", "fetch"),
        *("grab", "bring", "walk", "help", "teach", "point", "fill", "break", "sort", "say", "confirm", "figure"),
        *("work", "collect", "share"),
    )
)
# Capitalised words that may be slot values (a searched name like "Config"): never lower-cased.
# (Class names are CamelCase, which the pattern below never matches.)
_KEEP = frozenset(SEARCH_WORDS)
_SENTENCE_WORD = re.compile(r"(^|[.!?:;—]\s+)([A-Z][a-z']*)\b")
_DOUBLE_STOP = re.compile(r"(?<!\.)\.\.(?![./\w])")
_STOP_COMMA = re.compile(r"(?<=\d)\.(?=, )")
_COURTESIES = ("please", "for me", "thank", "cheers", "thx", " now")  # said once is enough
_I_WORD = re.compile(r"\bI(?='[a-z]+\b|\b)")


def lower_first(text: str) -> str:
    """``text`` continuing a sentence: its first letter lower-cased, unless the first word is "I",
    an acronym, a CamelCase symbol or a searched name ("GitManager at ..." must stay exact)."""
    first = text.split(maxsplit=1)[0] if text.strip() else ""
    keep = text.startswith(("I ", "I'")) or text[:2].isupper() or first[1:] != first[1:].lower() or first in _KEEP
    return text if keep else text[0].lower() + text[1:]


def _after(prefix: str, text: str) -> str:
    """``text`` continuing ``prefix``: lower-cased after "Hey, " or "Quick one: ", kept after a
    finished sentence ("Hi! ", "Thanks. ") or no prefix."""
    return lower_first(text) if prefix and not prefix.endswith(("! ", ". ", "? ")) else text


def casual(text: str) -> str:
    """All lower case, as typed in a hurry: sentence-initial words and "I" are lower-cased, but
    nothing else, so paths, CamelCase symbols, searched names and file contents stay exact."""
    text = _SENTENCE_WORD.sub(lambda m: m[1] + (m[2] if m[2] in _KEEP else m[2].lower()), text)
    return _I_WORD.sub("i", text)


def verb_initial(text: str) -> bool:
    words = text.split(maxsplit=1)
    return bool(words) and words[0].lower().strip(",:") in VERBS


def polite(rng: random.Random, text: str) -> str:
    """Wrap a request in a random polite prefix and suffix; questions keep their question form.
    Now and then a context sentence comes first, a short reason follows, "please" is "pls",
    or the whole message is typed in lower case."""
    context = rng.choice(CONTEXTS) + " " if rng.random() < P_CONTEXT else ""
    reason = rng.choice(REASONS) if rng.random() < P_REASON else ""
    pls = rng.random() < P_PLS
    # a request joined after a full stop: "... column 4.. Then open it", "... column 4., then open it"
    text = _STOP_COMMA.sub("", _DOUBLE_STOP.sub(".", text))
    if "?" in text:
        prefix, suffix = rng.choice(QUESTION_PREFIXES), rng.choice(QUESTION_SUFFIXES)
        body = _after(prefix, text) + (reason + "." if reason else "")
        stop = "." if suffix and not body.endswith((".", "?", "!")) else ""  # "... open that file. Thanks."
        wrapped = prefix + body + stop + suffix
    else:
        prefix, suffix = rng.choice(POLITE_PREFIXES), rng.choice(POLITE_SUFFIXES)
        if pls and "please" not in text:  # "pls" where "please" would go: before a verb, else at the end
            prefix, suffix = ("pls ", suffix) if verb_initial(text) else (prefix, " pls")
        while (prefix in VERB_PREFIXES and not verb_initial(text)) or ("please" in prefix.lower() and "please" in text):
            prefix = rng.choice(POLITE_PREFIXES)
        said, said_after = (
            (" " + prefix + text).lower().replace("pls", "please"),
            suffix.lower().replace("pls", "please"),
        )
        if any(w in said and w in said_after for w in _COURTESIES):
            suffix = ""  # not "Last 5 commits, please, please" or "sum it up for me for me"
        body = _after(prefix, text)
        if prefix.strip() in ASKING:  # a question: "?" ends the ask, the reason follows it
            thanks = suffix[1:] if suffix.startswith(". ") else ""  # ". Thanks!" becomes "? Thanks!"
            wrapped = f"{prefix}{body}{suffix if not thanks else ''}?{thanks}{reason}"
        elif suffix.endswith("!"):
            wrapped = f"{prefix}{body}{reason}{suffix}"
        else:
            end = "" if (body + reason + suffix).endswith((".", "!", "?")) else rng.choice(("", ".", "."))
            wrapped = f"{prefix}{body}{reason}{suffix}{end}"
    if context:  # a greeting still comes first: "Hi! I'm new to this codebase. Lint src/"
        greeting = next((g for g in GREETINGS if wrapped.startswith(g)), "")
        wrapped = greeting + context + wrapped[len(greeting) :]
    return casual(wrapped) if rng.random() < P_LOWER else wrapped
