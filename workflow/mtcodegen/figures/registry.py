"""The figures of the pipeline, found by looking in one folder: nothing else lists them.

A figure is one module in ``figures/catalog/`` (its name is the figure's name) with its caption beside it,
``catalog/<name>.rst``. The module defines::

    CATEGORY = "1. Multi-turn"          # the report's section
    def draw(metrics_dir, out_prefix):  # writes <out_prefix>.pdf and .png; returns the written paths

and, where it needs them, ``READS`` (the inputs it draws from, default ``("metrics",)``; the keyword each is
passed as is in INPUTS below) and ``EXTRA_OUTPUTS`` (suffix -> whether the report shows it, e.g.
``{"csv": True, "md": False}``). `mtcodegen figure`, the Snakemake rules (workflow/rules/figures.smk), the
report and the tests all take their list from ``figures()``; adding a figure is adding its two files.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

CATALOG = "mtcodegen.figures.catalog"
CATALOG_DIR = Path(__file__).resolve().parent / "catalog"


@dataclass(frozen=True)
class InputKind:
    keyword: str  # the keyword argument of ``draw``
    flag: str  # the `mtcodegen figure` option
    help: str
    many: bool = False  # repeated NAME=PATH options (a mapping) rather than one path


# What a figure may draw from. A figure of a new kind of input adds its kind here and its source in figures.smk.
INPUTS = {
    "metrics": InputKind("metrics_dir", "--metrics-dir", "directory of the metrics CSV tables"),
    "reference": InputKind("reference", "--reference", "the paper's reported numbers (workflow/report/reference.csv)"),
    "loss_curves": InputKind("curves", "--curve", "one finetune's loss.csv as NAME=LOSS_CSV (repeat)", many=True),
}
BASE_OUTPUTS = ("pdf", "png")


@dataclass(frozen=True)
class Figure:
    name: str
    module: ModuleType
    category: str
    caption: Path
    reads: tuple[str, ...]
    extra_outputs: dict[str, bool]  # suffix -> shown in the report

    @property
    def outputs(self) -> tuple[str, ...]:
        return BASE_OUTPUTS + tuple(self.extra_outputs)

    @property
    def reported(self) -> tuple[str, ...]:
        return ("png",) + tuple(s for s, shown in self.extra_outputs.items() if shown)

    def draw(self, out_prefix: str | Path, **inputs: Any) -> list[Path]:
        """Draw from ``inputs`` (input kind -> path, or NAME -> path mapping for a ``many`` kind)."""
        missing = [kind for kind in self.reads if inputs.get(kind) is None]
        if missing:
            flags = ", ".join(INPUTS[k].flag for k in missing)
            raise ValueError(f"figure {self.name} needs {flags}")
        return self.module.draw(out_prefix=out_prefix, **{INPUTS[k].keyword: inputs[k] for k in self.reads})


class FigureError(ValueError):
    """A figure module that cannot be used, named with what is wrong with it."""


def load(name: str, module: ModuleType, caption_dir: Path = CATALOG_DIR) -> Figure:
    """Check one figure module against the contract above."""
    where = f"figure module {module.__name__} ({getattr(module, '__file__', '?')})"
    if not callable(getattr(module, "draw", None)):
        raise FigureError(f"{where}: defines no draw(metrics_dir, out_prefix) function")
    category = getattr(module, "CATEGORY", None)
    if not isinstance(category, str) or not category.strip():
        raise FigureError(f"{where}: defines no CATEGORY (the report section, e.g. '1. Multi-turn')")
    reads = tuple(getattr(module, "READS", ("metrics",)))
    unknown = [r for r in reads if r not in INPUTS]
    if not reads or unknown:
        raise FigureError(f"{where}: READS {list(reads)} must name input kinds among {', '.join(INPUTS)}")
    extra = dict(getattr(module, "EXTRA_OUTPUTS", {}))
    clash = [s for s in extra if s in BASE_OUTPUTS or not str(s).isalnum()]
    if clash:
        raise FigureError(f"{where}: EXTRA_OUTPUTS {clash}: pdf and png are always written; suffixes are "
                          "letters and digits")
    caption = caption_dir / f"{name}.rst"
    if not caption.is_file() or not caption.read_text(encoding="utf-8").strip():
        raise FigureError(f"{where}: its caption {caption} is missing or empty (the report shows it)")
    return Figure(name, module, category.strip(), caption, reads, {str(k): bool(v) for k, v in extra.items()})


@cache
def figures() -> dict[str, Figure]:
    """Every figure of the catalog, by name (sorted). Modules whose name starts with ``_`` are helpers."""
    package = importlib.import_module(CATALOG)
    out = {}
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        if info.name.startswith("_") or info.ispkg:
            continue
        module = importlib.import_module(f"{CATALOG}.{info.name}")
        out[info.name] = load(info.name, module, Path(package.__path__[0]))
    if not out:
        raise FigureError(f"no figure modules found in {package.__path__[0]}")
    return out


def get(name: str) -> Figure:
    try:
        return figures()[name]
    except KeyError:
        raise FigureError(f"unknown figure {name!r}; the figures are: {', '.join(figures())}") from None
