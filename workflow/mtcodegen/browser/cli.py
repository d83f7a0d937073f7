"""`mtcodegen browse`: build one cell's trajectory browser page (docs/browser.md).

    mtcodegen browse --trajectories results/execute/<h>/trajectories.jsonl.gz --problems P.jsonl.gz --out-dir DIR

then open DIR/index.html in a browser. From Snakemake (workflow/rules/browser.smk) the cell's label, its
generate manifest (the full specification) and the other cells over the same problems come too.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..options import json_option


def _peer(text: str) -> dict[str, str]:
    name, sep, directory = text.rpartition("=")  # cell names contain "=" (r=none.fb=binary...); dirs do not
    if not sep or not name or not directory:
        raise argparse.ArgumentTypeError(f"--peer wants NAME=DIR (DIR relative to --out-dir), got {text!r}")
    return {"name": name, "dir": directory}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--trajectories", required=True, help="the execute stage's trajectories.jsonl.gz")
    parser.add_argument("--problems", required=True, help="the problems file the cell was judged on")
    parser.add_argument("--out-dir", required=True, help="the page's directory (replaced)")
    parser.add_argument("--label", help="the cell's label as JSON (name, model, dataset, prompts, feedback, turns)")
    parser.add_argument("--cell-manifest",
                        help="the cell's generate manifest.json: its `spec` is shown as the full specification")
    parser.add_argument("--workers", type=int, default=1,
                        help="processes for the per-problem data files (0: one per core)")
    parser.add_argument("--peer", action="append", type=_peer, default=[], metavar="NAME=DIR",
                        help="another cell over the same problems, for the side-by-side view (repeatable)")


def run(args: argparse.Namespace) -> int:
    from .build import build_page

    label = json_option(args.label, "--label") if args.label else {}
    spec = {}
    if args.cell_manifest:
        path = Path(args.cell_manifest)
        if not path.is_file():
            raise FileNotFoundError(f"--cell-manifest: file not found: {path}")
        try:
            spec = json.loads(path.read_text(encoding="utf-8")).get("spec", {})
        except (json.JSONDecodeError, AttributeError) as err:
            raise ValueError(f"--cell-manifest {path}: not a manifest JSON object ({err})") from None
    summary = build_page(args.trajectories, args.problems, args.out_dir, label=label, spec=spec, peers=args.peer,
                         workers=args.workers)
    print(json.dumps({"out_dir": str(args.out_dir), **summary}, sort_keys=True))
    return 0
