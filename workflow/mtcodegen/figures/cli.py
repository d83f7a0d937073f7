"""`mtcodegen figure NAME --metrics-dir D --out-prefix figures/NAME`: one figure, as NAME.pdf and NAME.png
(and the extra outputs the figure declares). The figures and the options each needs come from the registry."""

from __future__ import annotations

import argparse
from pathlib import Path

from .registry import INPUTS, figures, get

DEFAULT_REFERENCE = Path(__file__).resolve().parents[2] / "report" / "reference.csv"


def _named_path(value: str) -> tuple[str, str]:
    name, sep, path = value.partition("=")
    if not sep or not name or not path:
        raise argparse.ArgumentTypeError(f"expected NAME=PATH, got {value!r}")
    return name, path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    names = sorted(figures())
    parser.add_argument("name", choices=names, metavar="NAME", help=f"one of: {', '.join(names)}")
    parser.add_argument("--out-prefix", required=True, help="write <prefix>.pdf and <prefix>.png")
    for kind, spec in INPUTS.items():
        users = [n for n, f in figures().items() if kind in f.reads]
        where = "" if kind == "metrics" else f" ({', '.join(users)})"
        if spec.many:
            parser.add_argument(spec.flag, dest=kind, type=_named_path, action="append", metavar="NAME=PATH",
                                help=spec.help + where)
        else:
            parser.add_argument(spec.flag, dest=kind, metavar="PATH", help=spec.help + where)


def run(args: argparse.Namespace) -> int:
    figure = get(args.name)
    inputs = {kind: getattr(args, kind) for kind in INPUTS}
    if inputs["reference"] is None:
        inputs["reference"] = str(DEFAULT_REFERENCE)
    for kind, spec in INPUTS.items():
        if spec.many and inputs[kind] is not None:
            inputs[kind] = dict(inputs[kind])
        if kind in figure.reads and not spec.many and inputs[kind] is not None and not Path(inputs[kind]).exists():
            raise FileNotFoundError(f"{spec.flag} {inputs[kind]}: not found")
    for path in figure.draw(args.out_prefix, **inputs):
        print(f"wrote {path}")
    return 0


def __getattr__(name: str):
    # FIGURES: name -> draw(metrics_dir, out_prefix, ...) of the figures drawn from the metrics tables, for the
    # benchmarks and older callers; computed from the registry on use, so it never goes stale.
    if name == "FIGURES":
        return {n: f.module.draw for n, f in figures().items() if "metrics" in f.reads}
    raise AttributeError(name)
