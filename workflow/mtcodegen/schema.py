"""The config's JSON Schema: the one place where every setting's type and default is written.

Stages read their defaults from here (``default``, ``section``), never from literals of their own, so that a
hand run (``mtcodegen execute``, ``generate``, ``metrics`` without every key) behaves as a planned one: the
plan fills every default from this schema into the hashed params, and a stage given fewer keys fills them the
same way. The schema lives beside the package (``workflow/schemas/``), found through this file, like the
package's own code.

Only PyYAML and jsonschema are needed: every stage's environment has both (envs/*.yaml).
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

import jsonschema
import yaml

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schemas" / "config.schema.yaml"


@functools.lru_cache(maxsize=1)
def _schema() -> dict[str, Any]:
    if not SCHEMA_PATH.is_file():
        raise FileNotFoundError(f"the config schema is missing: {SCHEMA_PATH}")
    return yaml.safe_load(SCHEMA_PATH.read_text(encoding="utf-8"))


def load_schema() -> dict[str, Any]:
    """A private copy of the whole schema."""
    return copy.deepcopy(_schema())


def _section_schema(name: str) -> dict[str, Any]:
    properties = _schema()["properties"]
    if name not in properties:
        raise KeyError(f"the config schema has no section {name!r} (known: {', '.join(sorted(properties))})")
    # The section's own schema, with the shared $defs its $refs point at.
    return {"$defs": _schema().get("$defs", {}), **properties[name]}


@functools.lru_cache(maxsize=None)
def _defaults(name: str) -> dict[str, Any]:
    return {key: sub["default"] for key, sub in _section_schema(name).get("properties", {}).items()
            if "default" in sub}


def section_defaults(name: str) -> dict[str, Any]:
    """Key -> default of each key of the top-level section ``name`` that has one (e.g. ``execution``)."""
    return copy.deepcopy(_defaults(name))


def default(section: str, key: str) -> Any:
    """The schema's default of ``section.key``; a KeyError naming the key if the schema gives none."""
    defaults = _defaults(section)
    if key not in defaults:
        raise KeyError(f"the config schema gives no default for {section}.{key}")
    return copy.deepcopy(defaults[key])


def defaults_at(path: str) -> dict[str, Any]:
    """Key -> default of each key of the mapping at dotted ``path``, where ``*`` is any key of a mapping of
    named entries: ``defaults_at("finetune.*.lora")`` -> ``{"r": 8, "alpha": 16, "dropout": 0.0}``."""
    node = _schema()
    for part in path.split("."):
        node = node.get("additionalProperties") if part == "*" else node.get("properties", {}).get(part)
        if not isinstance(node, dict):
            raise KeyError(f"the config schema has no mapping at {path!r} (no {part!r})")
        if "$ref" in node:
            node = _schema()["$defs"][node["$ref"].rsplit("/", 1)[1]]
    return {key: copy.deepcopy(sub["default"]) for key, sub in node.get("properties", {}).items() if "default" in sub}


def clear_cache() -> None:
    """Forget the loaded schema (a test that edits it, then reads its defaults again)."""
    _schema.cache_clear()
    _defaults.cache_clear()


def with_defaults(validator_class):
    """The jsonschema recipe for filling `default`s while validating (Snakemake's validate does the same)."""
    validate_properties = validator_class.VALIDATORS["properties"]

    def set_defaults(validator, properties, instance, schema):
        if isinstance(instance, dict):
            for name, subschema in properties.items():
                if "default" in subschema and name not in instance:
                    instance[name] = copy.deepcopy(subschema["default"])
        yield from validate_properties(validator, properties, instance, schema)

    return jsonschema.validators.extend(validator_class, {"properties": set_defaults})


def section(name: str, values: dict[str, Any], what: str | None = None) -> dict[str, Any]:
    """``values`` checked against the schema of section ``name`` and completed with its defaults (a copy).

    A bad value raises ValueError naming the key, as ``<what>.<key>: <what was expected>`` (``what``
    defaults to the section's name), e.g. ``execution.memory_limit_mb: 8 is less than the minimum of 16``.
    """
    what = what or name
    if not isinstance(values, dict):
        raise ValueError(f"{what}: expected a mapping of settings, got {type(values).__name__}")
    filled = copy.deepcopy(values)
    validator = with_defaults(jsonschema.Draft202012Validator)(_section_schema(name))
    errors = sorted(validator.iter_errors(filled), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        raise ValueError("; ".join(
            f"{'.'.join([what, *map(str, e.absolute_path)])}: {e.message}" for e in errors[:5]))
    return filled
