"""Feedback types are files: ``prompts/feedback/<type>.txt`` (the template) plus ``prompts/feedback/<type>.yaml``
(its data). Nothing else lists them: the config check, the generate stage and the plan (which hashes both files
into every cell that uses the type) find them in the prompts directory.

The data file says what the type shows and what the public judge must record for it::

    trace: none          # none | line | block | function: the LDB trace of the first failed public test
    placeholders: [failed_count, total, verdict_name, failed_tests]   # exactly the template's placeholders

``placeholders`` must be the template's own set, drawn from feedback.FEEDBACK_PLACEHOLDERS (the values the code
computes). A type that shows ``{trace}`` must ask for a trace, and one that asks for a trace must show it (the
judge would trace for nothing). A new trace granularity is not a file: it needs the sandbox's tracer
(sandbox/runner.py) and the judge's list (sandbox.judge.TRACES).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..sandbox.judge import TRACES
from .feedback import FEEDBACK_PLACEHOLDERS

FEEDBACK_DIR = "feedback"
TEMPLATE_SUFFIX, DATA_SUFFIX = ".txt", ".yaml"
DATA_KEYS = ("trace", "placeholders")
TRACE_CHOICES = ("none",) + tuple(t for t in TRACES if t)


@dataclass(frozen=True)
class FeedbackType:
    name: str
    template: str  # the template text (trailing newlines stripped, as every prompt)
    trace: str | None  # the JudgeRequest.trace granularity, None for no trace
    placeholders: frozenset[str]


def template_path(prompts_root: str | Path, name: str) -> Path:
    return Path(prompts_root) / FEEDBACK_DIR / f"{name}{TEMPLATE_SUFFIX}"


def data_path(prompts_root: str | Path, name: str) -> Path:
    return Path(prompts_root) / FEEDBACK_DIR / f"{name}{DATA_SUFFIX}"


def discover(prompts_root: str | Path) -> list[str]:
    """The feedback types of a prompts directory: every template with its data file beside it, by name."""
    folder = Path(prompts_root) / FEEDBACK_DIR
    if not folder.is_dir():
        return []
    return sorted(p.stem for p in folder.glob(f"*{TEMPLATE_SUFFIX}") if p.with_suffix(DATA_SUFFIX).is_file())


def hashed_data_files(prompts_root: str | Path, name: str, prefix: str = "prompts") -> list[str]:
    """The data file of feedback type ``name`` (as ``<prefix>/feedback/<name>.yaml``) where it decides something
    its template does not, for the plan to hash into the cell: its trace granularity. A data file that asks for
    no trace adds nothing to its template (its placeholders must be the template's, and no trace means no
    {trace}), so it enters no hash: the cells of those types kept their hashes when data files came in."""
    template, data = template_path(prompts_root, name), data_path(prompts_root, name)
    if not template.is_file() or not data.is_file():
        return []  # the config check has already named the problem
    stamp = tuple((p.stat().st_mtime_ns, p.stat().st_size) for p in (template, data))
    trace = _load_cached(str(Path(prompts_root).resolve()), name, stamp).trace
    return [f"{prefix}/{FEEDBACK_DIR}/{name}{DATA_SUFFIX}"] if trace else []


@functools.lru_cache(maxsize=256)
def _load_cached(prompts_root: str, name: str, stamp: tuple) -> FeedbackType:
    """load(), once per version of the two files (a paper-size plan asks for each type thousands of times)."""
    return load(prompts_root, name)


def _unknown(prompts_root: Path, name: str) -> str:
    known = ", ".join(discover(prompts_root)) or "none"
    if template_path(prompts_root, name).is_file():
        return (f"feedback type {name!r} has a template but no data file {data_path(prompts_root, name)} "
                f"(trace, placeholders: docs/extending.md); the feedback types are: {known}")
    return (f"unknown feedback type {name!r}; the feedback types (prompts/{FEEDBACK_DIR}/<name>.txt with its "
            f"<name>.yaml) are: {known}")


def load(prompts_root: str | Path, name: str) -> FeedbackType:
    """One feedback type, checked: a ValueError names the file and what is wrong with it."""
    from .prompts import placeholders  # the one placeholder parser (prompts.py imports feedback.py, not this)

    prompts_root = Path(prompts_root)
    template_file, data_file = template_path(prompts_root, name), data_path(prompts_root, name)
    if not template_file.is_file() or not data_file.is_file():
        raise ValueError(_unknown(prompts_root, name))
    try:
        template = template_file.read_bytes().decode("utf-8").rstrip("\n")
    except UnicodeDecodeError as err:
        raise ValueError(f"prompt file {template_file} is not UTF-8 ({err.reason} at byte {err.start})") from None
    try:
        data = yaml.safe_load(data_file.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        raise ValueError(f"feedback data file {data_file} is not valid YAML: {err}") from None
    if not isinstance(data, dict):
        raise ValueError(f"feedback data file {data_file}: expected a mapping with keys {', '.join(DATA_KEYS)}")
    extra, missing = sorted(set(data) - set(DATA_KEYS)), [k for k in DATA_KEYS if k not in data]
    if extra or missing:
        what = "; ".join(x for x in (extra and f"unknown key(s) {', '.join(map(str, extra))}",
                                     missing and f"missing key(s) {', '.join(missing)}") if x)
        raise ValueError(f"feedback data file {data_file}: {what} (the keys are: {', '.join(DATA_KEYS)})")
    trace = data["trace"] if data["trace"] is not None else "none"
    if trace not in TRACE_CHOICES:
        raise ValueError(f"feedback data file {data_file}: trace {trace!r} is not one of: {', '.join(TRACE_CHOICES)}"
                         " (a new granularity needs the sandbox's tracer, docs/extending.md)")
    declared = data["placeholders"]
    if not isinstance(declared, list) or not all(isinstance(p, str) for p in declared):
        raise ValueError(f"feedback data file {data_file}: placeholders must be a list of names")
    unknown = sorted(set(declared) - FEEDBACK_PLACEHOLDERS)
    if unknown:
        raise ValueError(f"feedback data file {data_file}: unknown placeholder(s) {', '.join(unknown)} (a feedback "
                         f"template can use: {', '.join(sorted(FEEDBACK_PLACEHOLDERS))})")
    used = placeholders(template)
    if used != set(declared):
        differences = "; ".join(x for x in (
            used - set(declared) and f"the template uses {', '.join(sorted(used - set(declared)))} not listed",
            set(declared) - used and f"it lists {', '.join(sorted(set(declared) - used))} the template never uses",
        ) if x)
        raise ValueError(f"feedback data file {data_file}: placeholders must be those of {template_file.name}: "
                         f"{differences}")
    if ("trace" in used) != (trace != "none"):
        why = ("shows {trace} but asks for no trace (set trace: line, block or function)" if "trace" in used
               else f"asks for a {trace} trace its template never shows (add {{trace}} or set trace: none)")
        raise ValueError(f"feedback type {name!r} ({data_file}): {why}")
    return FeedbackType(name, template, None if trace == "none" else trace, frozenset(declared))
