"""Slot values the request templates are filled with: many distinct paths, symbols and numbers,
so the model learns to copy them from the request rather than memorise a few."""

from __future__ import annotations

import random
from dataclasses import dataclass


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Wide pools (and a share of made-up words, ``coined``) so a name in a request is something to
# copy, never something to recognise: the suite's and the users' projects use their own names.
PACKAGES = _words(
    """punie app core billing webshop inventory notes tracker api orbit ledger acme payroll crm portal
    scheduler mailer analytics catalog shipping booking gateway dashboard harbor quill falcon nimbus
    lumen atlas vega sprout kiosk hermes pylon relay beacon forge cobalt juniper meadow tundra pebble
    warden yarrow zephyr clinic fleet studio"""
)
SUBPACKAGES = _words(
    """agent models services utils cli db auth handlers tools parsers web api core domain adapters
    storage jobs tasks workers plugins schemas views controllers middleware integrations reports
    billing users accounts search io net config common shared internal legacy experimental pipeline
    ingest export importers commands hooks events metrics monitoring admin graphql rest"""
)
MODULES = _words(
    """config session typed_tools client server models views schemas helpers cache routes loader
    runner store events factory storage validators tasks toolset registry settings pipeline metrics
    main queue worker render search export app base core utils types errors exceptions constants
    serializers forms signals admin urls tests_helpers fixtures migrations commands cli logging_setup
    auth permissions tokens crypto hashing parser lexer compiler scheduler backoff throttle
    limiter mailer notifications webhooks payments invoices orders cart checkout users profiles
    accounts reports charts dashboard filters paginator decorators context middleware db engine
    repository gateway adapters"""
)
CLASS_HEADS = _words(
    """Git Agent Session User Order Cache Http Token Task Event Report Invoice Query Model Tool Payment
    Stream Plugin Ruff Lint Workspace Document Diff Account Profile Cart Checkout Price Product Catalog
    Shipment Booking Ticket Message Mail Notification Webhook Job Worker Queue Schedule Metric Chart
    Dashboard File Folder Path Upload Image Audio Video Search Index Filter Page Route View Form Field
    Schema Table Row Column Record Batch Ledger Budget Tenant Team Role Permission Auth Login Secret
    Key Config Feature"""
)
CLASS_TAILS = _words(
    """Manager Result Config Client Service Handler Store Parser Runner Factory Status Error Registry
    Builder Loader Settings Info Spec Adapter Provider Controller Repository Gateway Backend Engine
    Worker Scheduler Validator Serializer Formatter Renderer Exporter Importer Resolver Processor
    Monitor Tracker Collector Listener Dispatcher Proxy Wrapper Model View Form Mixin Base
    Protocol Options Request Response Event Context State"""
)
FUNC_VERBS = _words(
    """load parse build fetch save run create validate render compute update delete get resolve
    format send handle check merge read execute apply write open close start stop reset refresh sync
    compile encode decode serialize deserialize normalize clean split join sort filter map reduce
    collect emit publish subscribe register unregister notify schedule cancel approve reject
    import export upload download convert transform prepare init setup teardown ensure find lookup
    count"""
)
FUNC_NOUNS = _words(
    """config user session order token report items cache payload settings request response results
    events path schema query tools invoice status registry code agent account profile cart price
    product catalog shipment booking ticket message email notification webhook job queue metrics
    chart file folder upload image index page route form field table row column record batch ledger
    budget tenant team role permission secret key headers body params args options context state
    data rows entries"""
)
QUALIFIERS = _words("all new old raw cached pending active default current next last first")
COINED_SHARE = 0.25
_ONSETS = _words("b c d f g h j k l m n p r s t v w z br dr fr gr kl pl pr st tr sk sn")
_VOWELS = _words("a e i o u ai ea io ou")
_CODAS = ("", "", "", "n", "r", "l", "s", "x", "m", "t")


def coined(rng: random.Random, syllables: int = 2) -> str:
    """A made-up lowercase word ("brelun", "tavox"): a name no pool and no eval suite holds."""
    return "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS) for _ in range(syllables))


def word(rng: random.Random, pool: tuple[str, ...]) -> str:
    """A pool word or, ``COINED_SHARE`` of the time, a coined one."""
    return coined(rng, rng.choice((1, 2, 2, 3))) if rng.random() < COINED_SHARE else rng.choice(pool)


def _capitalised(rng: random.Random, pool: tuple[str, ...]) -> str:
    w = word(rng, pool)
    return w[0].upper() + w[1:]


SEARCH_WORDS = ("Config", "Result", "Session", "Client", "Handler", "parse", "load", "Error", "Registry", "Tool")
AUTHORS = (
    *("Ada", "Ben", "Chloe", "Dmitri", "Eve", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kemal", "Lena"),
    *("Mateo", "Nadia", "Oskar", "Priya", "Quinn", "Rosa", "Sven", "Tomas", "Uma", "Viktor", "Wen", "Yusuf"),
)
# Shell commands with no typed tool: these are the genuine run_command requests.
SHELL_COMMANDS = (
    ("make", ["build"], "build the project with make"),
    ("pip", ["install", "-e", "."], "install the package in editable mode with pip"),
    ("npm", ["install"], "install the frontend dependencies with npm"),
    ("ls", ["-la", "src"], "list the files in src with ls -la"),
    ("du", ["-sh", "."], "check how much disk space the repo uses with du"),
    ("docker", ["ps"], "list the running docker containers"),
    ("python", ["scripts/migrate.py"], "run the migration script scripts/migrate.py"),
    ("uv", ["lock"], "regenerate the uv lock file"),
    ("wc", ["-l", "README.md"], "count the lines in README.md with wc"),
    ("python", ["--version"], "print the Python version"),
    ("make", ["docs"], "build the documentation with make docs"),
    ("pre-commit", ["run", "--all-files"], "run pre-commit on all files"),
    ("tox", ["-e", "py311"], "run tox for the py311 environment"),
    ("alembic", ["upgrade", "head"], "apply the database migrations with alembic"),
)
FILE_CONTENTS = (
    "__version__ = '0.2.0'\n",
    "# TODO: add tests\n",
    "DEBUG = False\n",
    "[tool.ruff]\nline-length = 100\n",
    "from .config import load_config\n",
    "TIMEOUT_SECONDS = 30\n",
    "# Notes\n\nRemember to update the changelog.\n",
)
NOTE_FILES = ("notes/todo.md", "CHANGELOG.md", "docs/notes.md", "README.md", ".env.example", "scratch/ideas.md")


@dataclass(frozen=True)
class Slots:
    """One request's slot values."""

    dir: str
    file: str
    sym: str
    line: int
    col: int
    n: int
    query: str
    testdir: str
    other_file: str


def _package_root(rng: random.Random) -> str:
    """Where the code lives: ``src/pkg/`` mostly, sometimes a flat, ``lib/`` or monorepo layout."""
    pkg = word(rng, PACKAGES)
    return rng.choice(
        (f"src/{pkg}/",) * 5 + (f"{pkg}/", f"{pkg}/", f"lib/{pkg}/", f"packages/{pkg}/", f"services/{pkg}/")
    )


def _subpackages(rng: random.Random) -> str:
    depth = rng.choice((0, 1, 1, 1, 2, 2, 3))
    return "".join(word(rng, SUBPACKAGES) + "/" for _ in range(depth))


def directory(rng: random.Random) -> str:
    if rng.random() < 0.12:
        return rng.choice(("src/", ".", "lib/", "app/"))
    root = _package_root(rng)
    return root + _subpackages(rng) if rng.random() < 0.6 else root


def python_file(rng: random.Random) -> str:
    return f"{_package_root(rng)}{_subpackages(rng)}{word(rng, MODULES)}.py"


def test_dir(rng: random.Random) -> str:
    return rng.choice(
        (
            "tests/",
            "tests/",
            "tests/unit/",
            "tests/integration/",
            "test/",
            f"tests/{word(rng, SUBPACKAGES)}/",
            f"tests/test_{word(rng, MODULES)}.py",
            f"tests/unit/test_{word(rng, MODULES)}.py",
            f"{word(rng, PACKAGES)}/tests/",
        )
    )


def class_name(rng: random.Random) -> str:
    """``HeadTail`` or, one time in three, ``HeadTailTail`` (``GitStatusResult``, ``HttpClientConfig``)."""
    head, tail = _capitalised(rng, CLASS_HEADS), _capitalised(rng, CLASS_TAILS)
    while tail == head:
        tail = _capitalised(rng, CLASS_TAILS)
    if rng.random() < 1 / 3:
        middle = rng.choice([t for t in CLASS_TAILS if t not in (head, tail)])
        return head + middle + tail
    return head + tail


def number(rng: random.Random, low: int, high: int) -> int:
    """A number in [low, high] whose digit count is uniform: a model copying it must learn where
    the number ends, not that line numbers usually have three digits."""
    spans = [(max(low, 10 ** (d - 1) if d > 1 else 0), min(high, 10**d - 1)) for d in range(1, len(str(high)) + 1)]
    lo, hi = rng.choice([(a, b) for a, b in spans if a <= b])
    return rng.randint(lo, hi)


def func_name(rng: random.Random) -> str:
    """``verb_noun`` mostly; also ``verb_qualifier_noun``, ``verb_noun_noun`` and ``_verb_noun``."""
    verb, noun = word(rng, FUNC_VERBS), word(rng, FUNC_NOUNS)
    shape = rng.random()
    if shape < 0.6:
        return f"{verb}_{noun}"
    if shape < 0.78:
        return f"{verb}_{rng.choice(QUALIFIERS)}_{noun}"
    if shape < 0.92:
        return f"{verb}_{noun}_{word(rng, FUNC_NOUNS)}"
    return f"_{verb}_{noun}"


def symbol(rng: random.Random) -> str:
    return class_name(rng) if rng.random() < 0.5 else func_name(rng)


def slots(rng: random.Random) -> Slots:
    file = python_file(rng)
    other = python_file(rng)
    while other == file:
        other = python_file(rng)
    return Slots(
        dir=directory(rng),
        file=file,
        sym=symbol(rng),
        line=number(rng, 1, 420),
        col=number(rng, 0, 40),
        n=rng.choice((2, 3, 4, 5, 6, 7, 8, 10, 12, 15, 20)),
        query=rng.choice((class_name(rng), func_name(rng), rng.choice(SEARCH_WORDS), _capitalised(rng, FUNC_NOUNS))),
        testdir=test_dir(rng),
        other_file=other,
    )


def py_str(text: str) -> str:
    """A double-quoted Python string literal for ``text``."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'
