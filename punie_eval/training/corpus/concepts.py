"""Conceptual questions answered in prose, with no tool call: Python topics, and questions
ABOUT the tools (what they return, what a field means) answered from the tool schemas."""

# ruff: noqa: E501  (phrasing and value tables: one entry per line reads better than wrapped fragments)

from __future__ import annotations

from punie_eval.registry import ToolRegistry

# (answer, phrasings, subjects). One fixed answer per topic: the model learns "question → prose".
# The subjects are noun phrases for TOPIC_FRAMES, so a topic is not asked only in a handful of
# fixed sentences a tiny model would memorise instead of learning "a concept → prose".
PYTHON_TOPICS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    (
        "A Protocol describes structural typing: any class with the right methods matches, without having to inherit from it. "
        "An abstract base class is nominal: implementations must inherit from the ABC and it can share code and enforce abstract "
        "methods at instantiation. Use a Protocol for interfaces you do not own, an ABC when you want shared behaviour.",
        (
            "What's the difference between typing.Protocol and abc.ABC?",
            "Protocol or ABC: how do I choose?",
            "Explain structural typing with Protocol versus inheriting from an ABC",
            "Why would I prefer a Protocol over an ABC for an interface?",
            "Should my interface be a Protocol or an abstract base class?",
            "Is inheriting from an ABC better than using a Protocol?",
            "How do Protocols relate to abstract base classes?",
        ),
        ("typing.Protocol versus abstract base classes", "structural typing with Protocols"),
    ),
    (
        "A frozen dataclass is immutable: assigning to a field after construction raises FrozenInstanceError. Because its "
        "fields cannot change, the dataclass also gets a __hash__ based on its fields, so instances can be dict keys and set members.",
        (
            "What does frozen=True do on a dataclass?",
            "Why would I make a dataclass frozen?",
            "Can I change fields of a frozen dataclass?",
            "What happens if I assign to a field of a frozen dataclass?",
            "Are frozen dataclasses hashable?",
            "How do I make an immutable dataclass?",
        ),
        ("frozen dataclasses", "dataclass(frozen=True)"),
    ),
    (
        "A generator expression is lazy: it yields one item at a time and keeps almost nothing in memory, while a list "
        "comprehension builds the whole list at once. Use a generator for large or streamed data consumed once; use a list "
        "when you need indexing, len() or several passes.",
        (
            "Generator expression or list comprehension: which one should I use?",
            "Why is a generator more memory-friendly than a list?",
            "What does it mean that generators are lazy?",
            "Is a list comprehension or a generator expression better for a huge file?",
            "When is a generator expression the better choice over building a list?",
            "Why do generator expressions use less memory than list comprehensions?",
        ),
        ("generator expressions versus list comprehensions", "lazy generator expressions"),
    ),
    (
        "__exit__ receives the exception type, value and traceback when the with block raises (or three Nones otherwise). "
        "If it returns a true value the exception is suppressed; if it returns False or None the exception propagates after cleanup.",
        (
            "What arguments does __exit__ get?",
            "Can a context manager swallow an exception?",
            "How do I write a context manager class?",
            "What happens to an exception raised in a with statement?",
            "How can __exit__ suppress an error from the with body?",
            "What should __exit__ return to let an exception propagate?",
        ),
        ("how __exit__ handles exceptions", "exceptions in context managers"),
    ),
    (
        "Default argument values are evaluated once, when the function is defined, so a list or dict default is shared by "
        "every call and mutations leak between calls. Use None as the default and create the list inside the function.",
        (
            "Why shouldn't I use a list as a default parameter value?",
            "Why does my default dict keep old values between calls?",
            "What's the pitfall with mutable defaults in Python?",
            "Why do default lists in function signatures cause surprises?",
            "Is def add(x, seen=set()) safe?",
            "Why should defaults be None instead of an empty list?",
        ),
        ("mutable default arguments", "the mutable default parameter pitfall"),
    ),
    (
        "A decorator is a callable that takes a function and returns a replacement, applied with @name above the def. It is used "
        "to add behaviour such as caching, logging or retries; functools.wraps keeps the original name and docstring.",
        ("What is a decorator in Python?", "How do decorators work?", "Explain Python decorators with an example"),
        ("decorators", "Python decorators and functools.wraps"),
    ),
    (
        "`is` compares identity (the same object), `==` compares equality (the __eq__ method). Use `is` only for singletons "
        "such as None, True and False, and `==` for values.",
        ("What's the difference between is and == in Python?", "When should I use `is None`?"),
        ("is versus ==", "identity versus equality"),
    ),
    (
        "*args collects extra positional arguments into a tuple and **kwargs collects extra keyword arguments into a dict. "
        "They let a function accept a variable number of arguments or forward them to another call.",
        ("What do *args and **kwargs mean?", "How do I accept any number of arguments in a function?"),
        ("*args and **kwargs", "variadic function arguments"),
    ),
    (
        "The GIL (global interpreter lock) lets only one thread execute Python bytecode at a time in CPython. Threads still "
        "help for I/O-bound work; for CPU-bound work use processes (multiprocessing) or native extensions that release the GIL.",
        (
            "What is the GIL?",
            "Why don't Python threads speed up CPU-bound code?",
            "Threads or processes for CPU-heavy work?",
        ),
        ("the GIL", "the global interpreter lock"),
    ),
    (
        "async/await runs coroutines cooperatively on an event loop: a coroutine pauses at each await so others can run while it "
        "waits for I/O. It suits many concurrent network calls; it does not make CPU-bound code faster.",
        ("How does async/await work in Python?", "When is asyncio a good fit?", "What does await actually do?"),
        ("async and await", "asyncio coroutines"),
    ),
    (
        "A list is mutable and meant for homogeneous sequences that grow; a tuple is immutable, hashable when its items are, "
        "and suits fixed records and dict keys.",
        ("List or tuple: what's the difference?", "Why are tuples immutable and when do I want that?"),
        ("lists versus tuples", "when to use a tuple"),
    ),
    (
        "Type hints are annotations that document expected types; Python does not enforce them at runtime. A static checker "
        "such as mypy or pyright reads them to find bugs before the code runs.",
        ("Are type hints checked at runtime?", "What are type hints for?", "Why bother with type annotations?"),
        ("type hints at runtime", "type annotations"),
    ),
    (
        "A TypedDict describes a dict with a fixed set of string keys and a type per key; it stays a plain dict at runtime. "
        "A dataclass creates a real class with attributes, defaults and methods.",
        ("TypedDict or dataclass?", "What is a TypedDict used for?"),
        ("TypedDict versus dataclass",),
    ),
    (
        "An Enum defines a fixed set of named constants; members compare by identity, can be iterated, and make invalid "
        "values impossible to pass where a member is expected.",
        ("Why use an Enum instead of string constants?", "What is enum.Enum good for?"),
        ("enums versus string constants", "enum.Enum"),
    ),
    (
        "__slots__ declares a fixed set of attributes, so instances have no per-instance __dict__: they use less memory and "
        "reject unknown attributes. Dataclasses support it with slots=True.",
        ("What does __slots__ do?", "How can I reduce the memory of many small objects?"),
        ("__slots__",),
    ),
    (
        "A closure is an inner function that remembers variables from the enclosing scope after the outer function returns. "
        "Use nonlocal to rebind such a variable from the inner function.",
        ("What is a closure in Python?", "What does the nonlocal keyword do?"),
        ("closures and nonlocal", "closures"),
    ),
    (
        "@staticmethod defines a function in a class namespace with no implicit first argument; @classmethod receives the class "
        "as cls and is typical for alternative constructors; a normal method receives the instance as self.",
        ("classmethod vs staticmethod?", "When do I need a classmethod?"),
        ("classmethod versus staticmethod",),
    ),
    (
        "@property turns a method into a computed attribute read without parentheses; a setter can validate assignments. "
        "It lets you start with a plain attribute and add logic later without changing callers.",
        ("What does @property do?", "How do I make a read-only attribute?"),
        ("the @property decorator", "properties"),
    ),
    (
        "An iterator has __next__ and raises StopIteration when exhausted; an iterable has __iter__ returning an iterator. "
        "Lists are iterables you can loop over many times, an iterator is consumed once.",
        ("What is the difference between an iterable and an iterator?", "Why can I only loop over a generator once?"),
        ("iterables versus iterators",),
    ),
    (
        "pathlib.Path is an object-oriented path API: paths join with /, and methods such as read_text, exists and glob replace "
        "os.path string functions. It is the modern default.",
        ("pathlib or os.path?", "Why is pathlib preferred for file paths?"),
        ("pathlib versus os.path",),
    ),
    (
        "A virtual environment is an isolated Python installation for one project, so its dependencies do not clash with other "
        "projects. Create it with python -m venv .venv and activate it before installing packages.",
        ("What is a virtual environment and why use one?", "Why do I need a venv?"),
        ("virtual environments",),
    ),
    (
        "A pytest fixture is a function decorated with @pytest.fixture that provides setup (and teardown after yield) to tests "
        "that name it as a parameter; scope controls how often it is created.",
        ("How do pytest fixtures work?", "What is a fixture in pytest?"),
        ("pytest fixtures",),
    ),
    (
        "Merging keeps both histories and records a merge commit; rebasing replays your commits on top of the other branch for "
        "a linear history but rewrites commit hashes, so avoid rebasing shared branches.",
        ("git rebase vs git merge?", "Should I rebase or merge my feature branch?"),
        ("git rebase versus git merge",),
    ),
    (
        "Exceptions should be caught as narrowly as possible: catch the specific exception you can handle, keep the try block "
        "small, and re-raise with `raise ... from err` to keep the cause. A bare except also swallows KeyboardInterrupt.",
        ("Why is a bare except a bad idea?", "How should I handle exceptions properly in Python?"),
        ("bare except clauses", "catching exceptions narrowly"),
    ),
    (
        "A metaclass is the class of a class: it controls how classes are created. Most needs are met by class decorators or "
        "__init_subclass__, which are simpler.",
        ("What is a metaclass?", "Do I ever need metaclasses?"),
        ("metaclasses",),
    ),
    (
        'f-strings embed expressions in string literals, like f"{name}: {value:.2f}"; they are the fastest and most readable '
        "way to format strings in modern Python.",
        ("How do f-strings work?", "What's the best way to format strings in Python?"),
        ("f-strings",),
    ),
    (
        "A lambda is an anonymous single-expression function, handy as a short key= argument; for anything longer a named def "
        "is clearer and shows up properly in tracebacks.",
        ("When should I use a lambda?", "What is a lambda function?"),
        ("lambda functions",),
    ),
    (
        "Dependency injection means passing collaborators (a client, a clock, a repository) into a function or class instead of "
        "creating them inside, which makes code easier to test and to change.",
        ("What is dependency injection?", "How do I make my code easier to test?"),
        ("dependency injection",),
    ),
    (
        "functools.lru_cache memoises a function: results are stored per argument tuple and returned on repeated calls. "
        "Arguments must be hashable; use cache for an unbounded cache.",
        ("What does lru_cache do?", "How can I memoize a function in Python?"),
        ("functools.lru_cache", "memoization with lru_cache"),
    ),
    (
        "A static type checker analyses the code without running it and reports type errors such as wrong argument types, "
        "missing attributes or returning None where a value is expected.",
        ("What does a type checker like mypy do?", "What kind of bugs does mypy catch?"),
        ("static type checkers like mypy",),
    ),
    (
        "A linter such as ruff checks code for style problems and likely bugs (unused imports, undefined names, too long lines); "
        "many of its findings can be fixed automatically.",
        ("What is a linter for?", "What does ruff check for?"),
        ("linters like ruff",),
    ),
    (
        "Hello! I am Punie, a coding assistant. I answer Python questions in prose and inspect or change your project by "
        "calling typed tools: type checking, linting, tests, code navigation, git and files.",
        ("Hi!", "Hello, who are you?", "What can you do?", "What kind of help can you give me?"),
        (),
    ),
)

FIELD_MEANINGS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "In a RuffViolation, fixable is True when ruff can fix the violation automatically (for example with ruff check --fix); "
        "False means the fix must be made by hand. RuffResult.fixable_count counts the fixable violations.",
        (
            "What does the fixable field of a ruff violation mean?",
            "If a lint violation says fixable=True, what does that tell me?",
            "Explain fixable and fixable_count in RuffResult",
            "Can ruff repair a violation whose fixable flag is False?",
            "Which ruff violations get fixed by ruff check --fix?",
        ),
    ),
    (
        "git_status reports which files changed: clean, file_count and files, each with file, status and staged (whether it is "
        "in the index). git_diff reports how much changed: file_count, additions and deletions overall and per file, with the "
        "hunks; pass staged=True to diff the staged changes instead of the unstaged ones.",
        (
            "How is git_diff different from git_status?",
            "When should I use git_status and when git_diff?",
            "What does git_diff tell me that git_status does not?",
            "git_status or git_diff: what does each one report?",
            "Why would I call git_diff after git_status?",
        ),
    ),
    (
        "error_count counts diagnostics of severity error and warning_count those of severity warning; errors holds every "
        "diagnostic (TypeCheckError with file, line, column, severity, code and message), and success is True when there are no errors.",
        (
            "What's the difference between error_count and warning_count in a TypeCheckResult?",
            "What does success mean in a type check result?",
        ),
    ),
    (
        "In GitFileStatus, staged is True when the change is already in the index, so it goes into the next commit; status says "
        "what happened to the file: modified, added, deleted, untracked, renamed, copied or unknown.",
        ("What does the staged flag in git_status results mean?", "What values can status take in a GitFileStatus?"),
    ),
    (
        "SymbolInfo.kind is the LSP SymbolKind number: 5 is a class, 6 a method, 12 a function, 13 a variable and 14 a constant. "
        "symbol_count is the number of top-level symbols and children holds nested ones such as methods.",
        ("What does kind mean in document_symbols results?", "What is symbol kind 5 versus 12?"),
    ),
    (
        "reference_count is the number of places that reference the symbol, and references lists them, each with file, line, "
        "column and an optional preview of the line.",
        ("What is reference_count in find_references?", "What does a ReferenceLocation contain?"),
    ),
    (
        "parse_error is None when the tool output was parsed; otherwise it holds the reason the raw output could not be turned "
        "into a typed result, and the other fields are empty.",
        ("What is parse_error for in the tool results?", "When is parse_error set?"),
    ),
    (
        "run_command is the untyped fallback: it runs a shell command and returns its output as a plain string. Prefer the typed "
        "tools (typecheck, ruff_check, pytest_run, the git tools) whenever one exists, because their results have fields you can read.",
        ("When should run_command be used?", "Why not just run shell commands for everything?"),
    ),
)

# Asking for an explanation, in sentences that work with any subject.
TOPIC_FRAMES = (
    "Explain {s}",
    "Explain {s} briefly",
    "Can you explain {s}?",
    "What should I know about {s}?",
    "Help me understand {s}",
    "Tell me about {s}",
    "I keep getting confused by {s}. What's the idea?",
    "Give me a short explanation of {s}",
    "In plain words, what's the deal with {s}?",
    "A conceptual question about {s}: why does it matter?",
    "What is important about {s} in practice?",
    "Teach me {s} in two sentences",
    "No code to run, just explain {s}",
    "Without using any tools, explain {s}",
    "What's the idea behind {s}?",
    "Could you walk me through {s}?",
    "I'm reviewing some code that relies on {s}. What do I need to know?",
    "Summarise {s} for me",
    "Why do people care about {s}?",
    "ELI5: {s}",
    "How would you describe {s} to a junior developer?",
    "What's the short version of {s}?",
    "Quick explainer on {s}",
    "What is the point of {s}?",
    "Give me the gist of {s}",
    "I've never really understood {s}. Can you explain it?",
    "Explain {s} like I'm new to Python",
    "What's worth knowing about {s}?",
    "A colleague mentioned {s} in a review. What does that mean?",
    "Break down {s} for me",
    "Describe {s} in a few sentences",
    "What's the key thing to understand about {s}?",
    "Talk me through {s}",
    "Can you give me an overview of {s}?",
)

TOOL_QUESTIONS = (
    "What does the {tool} tool return?",
    "Which fields does the result of {tool} have?",
    "Describe the result type of {tool}",
    "Without calling it, what does {tool} give back?",
    "What's in the object that {tool} returns?",
    "Don't run anything: what fields does {tool} produce?",
    "What type does {tool} return, and what is in it?",
    "Explain the result of {tool} field by field",
    "Which attributes can I read on the result of {tool}?",
    "Tell me what {tool} returns; no need to call it",
    "What do I get back from a {tool} call?",
    "What are the parameters of {tool} and what does it return?",
    "Just from the schema: what is in a {tool} result?",
    "What's the return type of {tool}?",
    "What arguments does {tool} take, and what comes back?",
    "How is the result of {tool} structured?",
    "If I call {tool}, which fields can my code read afterwards?",
    "Remind me what {tool} returns",
    "I'm writing code against {tool}. What does its result look like?",
    "What's the signature of the {tool} tool?",
    "Describe the parameters and the result of {tool}",
    "Don't call {tool}, just tell me what it returns",
    "Which attributes does a {tool} result expose?",
    "What shape is the data {tool} gives back?",
    "Explain what {tool} returns without running it",
    "Without executing it: what are the fields of the {tool} result?",
)

# Said before a conceptual question to rule out a tool call; the question follows in lower case.
NO_CALL_PREFIXES = (
    "Without calling any tool: ",
    "Without executing anything, ",
    "No need to run it: ",
    "Don't call anything; ",
    "Conceptually, ",
    "Before you run anything: ",
)


def tool_answer(registry: ToolRegistry, tool: str) -> str:
    """A prose description of a tool's signature and result fields, straight from the schemas."""
    spec = registry.tool(tool)
    params = ", ".join(spec.param_names)
    if spec.returns is None:
        return f"{tool}({params}) returns a plain string (the file contents or the command output), not a typed result."
    parts = []
    for name, field in registry.types[spec.returns].fields.items():
        item = (
            f" (each a {field.item_type} with {', '.join(registry.types[field.item_type].fields)})"
            if field.item_type
            else ""
        )
        parts.append(f"{name}{item}")
    return f"{tool}({params}) returns a {spec.returns} with the fields {', '.join(parts)}."
