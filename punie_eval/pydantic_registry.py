"""A tool registry from typed Python: function stubs and the Pydantic models they return.

    def search_docs(query: str, limit: int = 5) -> SearchResult:
        \"\"\"Search the documentation.\"\"\"

becomes a ``tools.json`` entry (parameters from ``inspect.signature``, each type from
pydantic's JSON Schema of its annotation, the default as written, the docstring's first
line as description) and ``results/SearchResult.json`` plus one schema per nested model
(pydantic's own ``model_json_schema``, its ``$defs`` split into files ``$ref``-ed as
``<Model>.json``). A stub returning ``str`` returns plain text (``returns: null``).
Needs the optional extra ``punie-eval[pydantic]``; nothing here runs a stub.
"""

from __future__ import annotations

import importlib
import inspect
import json
import shutil
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from punie_eval.atomic import make_staging_dir, replace_dir
from punie_eval.errors import RegistryError, UsageError
from punie_eval.registry_check import MANIFEST, RESULTS, read_registry, type_names

FORMAT = "punie-eval-tools/1"


@dataclass(frozen=True)
class Stub:
    """One typed function to export, and the family (pytest marker) it goes under."""

    function: Callable[..., Any]
    family: str
    where: str  # MODULE:NAME, for messages


def _pydantic() -> Any:
    try:
        import pydantic
    except ImportError:
        raise UsageError("from-pydantic needs pydantic: pip install 'punie-eval[pydantic]'") from None
    return pydantic


def _module(name: str) -> Any:
    here = str(Path.cwd())
    sys.path.insert(0, here)  # MODULE may be a file of the current folder, as with python -m
    try:
        return importlib.import_module(name)
    except Exception as err:  # an import error of the user's module: one line naming it
        raise UsageError(f"{name}: MODULE must be importable, got {type(err).__name__}: {err}") from None
    finally:
        sys.path.remove(here)


def stubs(targets: Iterable[str], family: str | None = None) -> list[Stub]:
    """The functions named by ``MODULE`` (every public function defined there) or ``MODULE:NAME``."""
    out: list[Stub] = []
    for target in targets:
        module_name, _, name = target.partition(":")
        module = _module(module_name)
        group = family or module_name.rpartition(".")[2]
        if name:
            function = getattr(module, name, None)
            if not inspect.isfunction(function):
                raise UsageError(f"{target}: NAME must be a function of {module_name}, got {type(function).__name__}")
            out.append(Stub(function, group, target))
            continue
        found = [
            f
            for n, f in vars(module).items()
            if inspect.isfunction(f) and f.__module__ == module.__name__ and not n.startswith("_")
        ]
        if not found:
            raise UsageError(f"{target}: MODULE must define public functions (the tool stubs), got none")
        out += [Stub(f, group, f"{module_name}:{f.__name__}") for f in found]
    return out


def _json_types(annotation: Any, where: str) -> list[str]:
    """The JSON Schema types pydantic gives an annotation (``list[str] | None`` → array, null)."""
    pydantic = _pydantic()
    try:
        schema = pydantic.TypeAdapter(annotation).json_schema()
    except Exception as err:  # pydantic's error for a type it cannot describe
        raise UsageError(f"{where} must have a JSON-describable type, got {annotation!r}: {err}") from None
    members = [schema, *schema.get("anyOf", [])]
    types = list(dict.fromkeys(t for m in members for t in type_names(m.get("type", ()))))
    if not types:
        raise UsageError(f"{where} must have a JSON type (string, integer, ...), got {annotation!r}")
    return types


def _param(name: str, param: inspect.Parameter, where: str) -> dict[str, Any]:
    here = f"{where}: parameter {name}"
    if param.kind not in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.POSITIONAL_ONLY):
        raise UsageError(f"{here} must be an ordinary parameter, got {param.kind.description}")
    if param.annotation is inspect.Parameter.empty:
        raise UsageError(f"{here} must have a type annotation, got none")
    types = _json_types(param.annotation, here)
    entry: dict[str, Any] = {"name": name, "type": types[0] if len(types) == 1 else types}
    if param.default is not inspect.Parameter.empty:
        try:
            json.dumps(param.default)
        except TypeError:
            raise UsageError(f"{here} must have a JSON default, got {param.default!r}") from None
        entry["default"] = param.default
    return entry


def _split_defs(schema: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """A model's schema and its ``$defs`` as separate schemas, each titled and ``$id``-ed by its name."""
    out: dict[str, dict[str, Any]] = {}
    for name, sub in {**schema.get("$defs", {}), str(schema["title"]): schema}.items():
        body = {k: v for k, v in sub.items() if k != "$defs"}
        out[name] = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": f"{name}.json", **body}
        out[name]["title"] = name
    return out


def _returns(stub: Stub, hints: Mapping[str, Any], schemas: dict[str, dict[str, Any]]) -> str | None:
    annotation = hints.get("return", inspect.Signature.empty)
    if annotation is str:
        return None
    base = _pydantic().BaseModel
    if not (inspect.isclass(annotation) and issubclass(annotation, base)):
        raise UsageError(f"{stub.where}: the return annotation must be a pydantic model or str, got {annotation!r}")
    model: Any = annotation
    schemas.update(_split_defs(model.model_json_schema(ref_template="{model}.json")))
    return str(model.__name__)


def build(items: Iterable[Stub], name: str, description: str = "") -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """(manifest, result schemas by type name) for the stubs."""
    tools: list[dict[str, Any]] = []
    schemas: dict[str, dict[str, Any]] = {}
    for stub in items:
        hints = inspect.get_annotations(stub.function, eval_str=True)
        signature = inspect.signature(stub.function)
        params = []
        for pname, param in signature.parameters.items():
            params.append(_param(pname, param.replace(annotation=hints.get(pname, param.annotation)), stub.where))
        doc = inspect.getdoc(stub.function) or ""
        tools.append(
            {
                "name": stub.function.__name__,
                "family": stub.family,
                "description": doc.strip().split("\n\n")[0].replace("\n", " "),
                "params": params,
                "returns": _returns(stub, hints, schemas),
            }
        )
    manifest = {"format": FORMAT, "name": name, **({"description": description} if description else {}), "tools": tools}
    return manifest, schemas


def refuse_existing(out: Path, *, force: bool) -> None:
    if out.exists() and not force:
        raise UsageError(f"--out {out} exists: pass --force to replace it")


def write_registry(out: Path, manifest: Mapping[str, Any], schemas: Mapping[str, Any], *, force: bool) -> None:
    """Write the folder atomically (staged beside ``out``, checked, then moved into place)."""
    refuse_existing(out, force=force)
    staged = make_staging_dir(out)
    try:
        (staged / RESULTS).mkdir()
        (staged / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        for type_name, schema in sorted(schemas.items()):
            text = json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
            (staged / RESULTS / f"{type_name}.json").write_text(text, encoding="utf-8")
        try:
            read_registry(staged)  # what we write must load: a name Python allows may still be refused
        except RegistryError as err:
            raise RegistryError(err.where.replace(str(staged), str(out)), err.what) from None
        replace_dir(staged, out)
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise


__all__ = ["Stub", "build", "refuse_existing", "stubs", "write_registry"]
