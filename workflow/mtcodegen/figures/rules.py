"""What workflow/rules/figures.smk needs to write one rule per registered figure: its inputs, the options of
`mtcodegen figure`, and its outputs (those the report shows wrapped by Snakemake's ``report``).

``sources`` maps each input kind (registry.INPUTS) to a function of no argument that returns this config's
path for it (a mapping NAME -> path for a kind of many), evaluated when Snakemake builds the DAG.
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path
from typing import Any, Callable

from .registry import INPUTS, Figure


def inputs(figure: Figure, sources: dict[str, Callable[[], Any]]):
    """Input function: kind -> path, or ``<kind>_<i>`` -> path for a kind of many (in the order of ``args``)."""

    def get(wildcards=None) -> dict[str, str]:
        out = {}
        for kind in figure.reads:
            value = sources[kind]()
            if INPUTS[kind].many:
                out |= {f"{kind}_{i}": str(path) for i, path in enumerate(value.values())}
            else:
                out[kind] = str(value)
        return out

    return get


def args(figure: Figure, sources: dict[str, Callable[[], Any]]):
    """Params function: the `mtcodegen figure` options that pass the figure its inputs."""

    def get(wildcards, input) -> str:
        out = []
        for kind in figure.reads:
            flag = INPUTS[kind].flag
            if INPUTS[kind].many:
                for i, name in enumerate(sources[kind]()):
                    path = input[f"{kind}_{i}"]
                    out.append(f"{flag} {shlex.quote(f'{name}={path}')}")
            else:
                out.append(f"{flag} {shlex.quote(str(input[kind]))}")
        return " ".join(out)

    return get


def outputs(figure: Figure, directory: str, report: Callable, rules_dir: str | Path) -> dict[str, Any]:
    """suffix -> output path; the suffixes the report shows carry the caption (relative to ``rules_dir``, as
    ``report`` wants it) and the figure's category."""
    caption = os.path.relpath(figure.caption, rules_dir)
    out = {}
    for suffix in figure.outputs:
        path = f"{directory}/{figure.name}.{suffix}"
        out[suffix] = report(path, caption=caption, category=figure.category) if suffix in figure.reported else path
    return out
