"""The calibration table (docs/results/calibration.md) from a finished `configs/calibration.yaml` run.

    python benchmarks/calibration_report.py [--config configs/calibration.yaml] [--out docs/results/calibration.md]

For each cell of the config (its execute result found by hash, as the plan computes it): pass@1 on the base
tests (evalplus's "HumanEval" / "MBPP": a private verdict with ``passed >= base_tests``, the judge stopping at
the first failure) and on base + plus ("HumanEval+" / "MBPP+"), after turns 1, 2 and 3 (a trajectory's last
attempt up to that turn; it stops at its first public pass), each with a 95 % Wilson interval (closed form for
a binomial proportion: one greedy sample per problem). Cells not run yet are listed as missing. Prints the
markdown table; ``--out`` writes it between the ``<!-- table -->`` markers of that file.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "workflow"))

from mtcodegen import jsonl  # noqa: E402
from mtcodegen.config import load_config  # noqa: E402
from mtcodegen.figures.reference import read_reference  # noqa: E402
from mtcodegen.plan import build_plan  # noqa: E402

REFERENCE = ROOT / "workflow" / "report" / "reference.csv"
NAMES = {("humaneval_plus", "base"): "HumanEval", ("humaneval_plus", "plus"): "HumanEval+",
         ("mbpp_plus", "base"): "MBPP", ("mbpp_plus", "plus"): "MBPP+"}
MARK = "<!-- table -->"


def wilson(successes: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    if n == 0:
        return (math.nan, math.nan)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def passes(attempt: dict, base_tests: int) -> dict[str, bool]:
    private = attempt.get("private") or {}
    ac = private.get("verdict") == "AC"
    return {"base": ac or int(private.get("passed", 0)) >= base_tests, "plus": ac}


def cell_rows(trajectories, problems, turns: int) -> dict[tuple[str, int], tuple[int, int]]:
    counts: dict[tuple[str, int], list[int]] = {}
    for record in trajectories:
        base_tests = problems[record["problem_id"]]["base_tests"]
        for turn in range(1, turns + 1):
            upto = [a for a in record["attempts"] if a["turn"] <= turn]
            verdict = passes(upto[-1], base_tests) if upto else {"base": False, "plus": False}
            for test_set, ok in verdict.items():
                tally = counts.setdefault((test_set, turn), [0, 0])
                tally[0] += ok
                tally[1] += 1
    return {k: (v[0], v[1]) for k, v in counts.items()}


def published(reference: Path = REFERENCE) -> dict[tuple[str, str, str], float]:
    """Greedy single-turn pass@1 (%) by (model, dataset key, test set), from the reference table: its dataset
    column names the base-tests row "humaneval (base tests of HumanEval+)", the plus row "humaneval_plus"."""
    found = {}
    for row in read_reference(reference).itertuples():
        if row.metric != "pass@1" or row.setting != "single-turn":
            continue
        name = row.dataset.split()[0]
        key = (name, "plus") if name.endswith("_plus") else (f"{name}_plus", "base")
        found[(row.model, *key)] = float(row.value)
    return found


def latest_by_name() -> dict[tuple[str, str], str]:
    found = {}
    index = ROOT / "results" / "index.tsv"
    for line in index.read_text().splitlines() if index.exists() else []:
        parts = line.split("\t")
        if len(parts) >= 3:
            found[(parts[0], parts[2])] = parts[1]
    return found


def table(config_path: str) -> tuple[str, list[str]]:
    plan = build_plan(load_config(config_path), ROOT)
    reference = published()
    turns = max(cell.label["turns"] for cell in plan.cells)
    after = [f"after turn {t}" for t in range(2, turns + 1)]
    lines = ["| model | block | benchmark | published | reproduced, turn 1 (single turn) [95 % CI] | "
             + " | ".join(after) + " | difference at turn 1 |", "|---" * (6 + len(after)) + "|"]
    missing, used = [], []
    index = latest_by_name()
    for cell in plan.cells:
        dataset = cell.label["dataset"].split("/")[0]
        # The plan's hash, else the newest finished result of that cell name (results/index.tsv): the code
        # fingerprint in the hash moves with every edit of the package, a finished run keeps its own.
        execute_hash = cell.execute.hash
        out = ROOT / "results" / "execute" / execute_hash / "trajectories.jsonl.gz"
        if not out.exists() and ("execute", cell.label["name"]) in index:
            execute_hash = index[("execute", cell.label["name"])]
            out = ROOT / "results" / "execute" / execute_hash / "trajectories.jsonl.gz"
        if not out.exists():
            missing.append(f"{cell.label['name']} (execute {cell.execute.hash})")
            continue
        spec = json.loads((out.parent / "manifest.json").read_text())["spec"]
        spec = json.loads(spec) if isinstance(spec, str) else spec
        used.append((cell.label["name"], execute_hash, spec["inputs"]["problems"]))
        problems_file = ROOT / "results" / "problems" / spec["inputs"]["problems"] / "problems.jsonl.gz"
        problems = {p["id"]: p for p in jsonl.read_jsonl(problems_file)}
        counts = cell_rows(jsonl.read_jsonl(out), problems, cell.label["turns"])
        for test_set in ("base", "plus"):
            cells = []
            for turn in range(1, turns + 1):
                if turn > cell.label["turns"]:
                    cells.append("—")
                    continue
                k, n = counts[(test_set, turn)]
                lo, hi = wilson(k, n)
                cells.append(f"{100 * k / n:.1f} ({k}/{n}) [{100 * lo:.1f}–{100 * hi:.1f}]")
            value = reference.get((cell.label["model"], dataset, test_set))
            k1, n1 = counts[(test_set, 1)]
            difference = "—" if value is None else f"{100 * k1 / n1 - value:+.1f}"
            lines.append(f"| {cell.label['model']} | {cell.label['block']} | {NAMES[(dataset, test_set)]} | "
                         f"{'—' if value is None else value} | " + " | ".join(cells) + f" | {difference} |")
    lines += ["", "Results: " + "; ".join(f"`{n}`: execute `{h}`, problems `{p}`" for n, h, p in used)]
    return "\n".join(lines), missing


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", default="configs/calibration.yaml")
    parser.add_argument("--out", help="a markdown file with two <!-- table --> markers: the table goes between")
    args = parser.parse_args(argv)
    text, missing = table(args.config)
    if missing:
        text += "\n\nNot run yet: " + "; ".join(missing)
    print(text)
    if args.out:
        path = Path(args.out)
        before, _, rest = path.read_text().partition(MARK)
        _, _, after = rest.partition(MARK)
        path.write_text(f"{before}{MARK}\n{text}\n{MARK}{after}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
