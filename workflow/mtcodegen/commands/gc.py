"""`mtcodegen gc --config A.yaml [--config B.yaml ...] [--delete]`: results no config references.

Lists every node directory under results/<stage>/<hash>/ that is not in the plan of any of the given configs
(with its size and, from its manifest, its readable name), and every result moved aside to
results/superseded/ when its upstream node was recomputed; `--delete` removes them. Nothing is removed without
`--delete`, and only directories whose name is a node hash of a known stage: logs, the index and anything
else in results/ are left alone. The stages are those of mtcodegen.stages.STAGES. Pass every config whose
results you want to keep.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from ..config import load_config
from ..plan import build_plan
from ..provenance import HASH_CHARS, SUPERSEDED
from ..stages import STAGE_NAMES

HASH_DIR = re.compile(rf"^[0-9a-f]{{{HASH_CHARS}}}$")


def add_arguments(parser) -> None:
    parser.add_argument("--config", action="append", required=True, help="a config to keep (repeat for several)")
    parser.add_argument("--results", help="results directory (default: the configs' results_dir)")
    parser.add_argument("--delete", action="store_true", help="remove what is listed (default: only list it)")


def unreferenced(results: Path, keep: set[tuple[str, str]]) -> list[Path]:
    found = []
    for stage in sorted(STAGE_NAMES):
        stage_dir = results / stage
        if stage_dir.is_dir():
            found += [d for d in sorted(stage_dir.iterdir()) if d.is_dir() and HASH_DIR.match(d.name)
                      and (stage, d.name) not in keep]
    # Results moved aside when their upstream node was recomputed (provenance.supersede): no plan uses them.
    superseded = results / SUPERSEDED
    if superseded.is_dir():
        found += [d for stage in sorted(STAGE_NAMES) if (superseded / stage).is_dir()
                  for d in sorted((superseded / stage).iterdir()) if d.is_dir()]
    return found


def _size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def _name(path: Path) -> str:
    try:
        return json.loads((path / "manifest.json").read_text()).get("name", "?")
    except (OSError, ValueError):
        return "(no manifest: incomplete)"


def run(args) -> int:
    plans = [build_plan(load_config(c)) for c in args.config]
    dirs = {p.config["results_dir"] for p in plans}
    if args.results is None and len(dirs) > 1:
        raise ValueError(f"the configs use different results_dir values ({', '.join(sorted(dirs))}): pass --results")
    results = Path(args.results or dirs.pop())
    if not results.is_dir():
        raise FileNotFoundError(f"results directory not found: {results}")
    keep = {(stage, h) for p in plans for stage, nodes in p.nodes.items() for h in nodes}
    garbage = unreferenced(results, keep)
    total = 0
    for path in garbage:
        size = _size(path)
        total += size
        print(f"{size / 1e6:10.1f} MB  {path}  {_name(path)}")
        if args.delete:
            shutil.rmtree(path)
    verb = "removed" if args.delete else "unreferenced (run with --delete to remove)"
    print(f"{len(garbage)} node directories, {total / 1e6:.1f} MB {verb}; kept {len(keep)} nodes of {len(plans)} config(s)")
    return 0
