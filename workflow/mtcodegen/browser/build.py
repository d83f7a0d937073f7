"""Write one cell's browser page: a directory that opens from the file system, with no server.

    index.html          the page (static: everything it shows comes from data/)
    assets/             app.js, app.css and the vendored highlight.js with its licence
    data/index.js       the cell's spec and the problem list with every sample's outcome
    data/p/<n>.js       one file per problem: statement, tests, its trajectories (loaded when opened)
    outcomes.csv        per problem: samples solved at each turn, failed, no code, error (for the report)

Data files are JavaScript (``mtcgData({...});``), loaded with <script src>: pages opened from file:// cannot
fetch() JSON in Chromium, but they may run scripts from beside them. Records are read once and spooled per
problem, so memory holds one problem's trajectories, not the cell's (a paper-size cell is ~100k messages).
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import tempfile
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from ..jsonl import FILE_MODE, read_jsonl, share_files
from ..skipped import read_skip
from .outcomes import ERROR, FAILED, NO_CODE
from .payload import problem_header, trajectory_payload

STATIC = Path(__file__).parent / "static"
FORMAT_VERSION = 1  # of the data files; the page refuses others


def js_data(payload: Any) -> str:
    """A data file's text. JSON is valid JavaScript; '<' is escaped so that no text in it can ever close a
    <script> element, even if someone inlines the file; U+2028/2029 likewise for older parsers."""
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    text = text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return f"mtcgData({text});\n"


class _Strings:
    """Intern a problem file's strings: the system prompt and the statement repeat in every trajectory."""

    def __init__(self):
        self.index: dict[str, int] = {}
        self.table: list[str] = []

    def __call__(self, text: str) -> int:
        if text not in self.index:
            self.index[text] = len(self.table)
            self.table.append(text)
        return self.index[text]


def _intern(trajectory: dict[str, Any], strings: _Strings) -> dict[str, Any]:
    for message in trajectory["messages"]:
        message["text"] = strings(message["text"])
    for attempt in trajectory["attempts"]:
        if isinstance(attempt["code"], str):
            attempt["code"] = strings(attempt["code"])
    return trajectory


def _read_problems(path: Path) -> tuple[list[str], dict[str, dict[str, Any]]]:
    order, problems = [], {}
    for problem in read_jsonl(path):
        if "id" not in problem:
            raise ValueError(f"{path}: a problem has no 'id' field")
        order.append(problem["id"])
        problems[problem["id"]] = problem
    return order, problems


def build_page(trajectories: str | Path, problems: str | Path, out_dir: str | Path, *,
               label: dict[str, Any] | None = None, spec: dict[str, Any] | None = None,
               peers: list[dict[str, str]] | None = None, workers: int = 1) -> dict[str, Any]:
    """Build the page of one cell into ``out_dir`` (replaced atomically). ``peers``: other cells over the same
    problems, ``{"name", "dir"}`` with ``dir`` relative to ``out_dir`` (their pages load beside this one).
    ``workers``: processes for the per-problem files (0: one per core). Returns a summary (problems,
    trajectories, outcome counts)."""
    trajectories, problems, out_dir = Path(trajectories), Path(problems), Path(out_dir)
    for path, what in ((trajectories, "trajectories"), (problems, "problems")):
        if not path.is_file():
            raise FileNotFoundError(f"{what} file not found: {path}")
    order, by_id = _read_problems(problems)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        summary = _build_into(trajectories, problems, order, by_id, tmp, label or {}, spec or {}, peers or [],
                              workers or os.cpu_count() or 1)
        share_files(tmp)
        tmp.chmod(0o777 & ~_umask())  # mkdtemp's 0700 would hide the page from the group
        if out_dir.exists():
            shutil.rmtree(out_dir)
        tmp.rename(out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return summary


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _build_into(trajectories: Path, problems_path: Path, order: list[str], by_id: dict[str, dict[str, Any]],
                out: Path, label: dict[str, Any], spec: dict[str, Any], peers: list[dict[str, str]],
                workers: int) -> dict[str, Any]:
    # Pass 1: check and spool the records per problem (the file is read once, in any order).
    spool_dir = out / ".spool"
    spool_dir.mkdir()
    seen: set[str] = set()
    cell_names: Counter[str] = Counter()
    for line, record in enumerate(read_jsonl(trajectories), 1):
        where = f"{trajectories}:{line}"
        for key in ("problem_id", "sample", "attempts"):
            if key not in record:
                raise ValueError(f"{where}: trajectory has no '{key}' field")
        problem_id = record["problem_id"]
        if problem_id not in by_id:
            raise ValueError(f"{where}: trajectory of problem {problem_id!r}, which is not in {problems_path}")
        cell_names[str(record.get("cell_name", ""))] += 1
        seen.add(problem_id)
        with open(spool_dir / f"{_key(problem_id)}.jsonl", "a", encoding="utf-8") as handle:
            handle.write(json.dumps([where, record], ensure_ascii=False) + "\n")
    if not seen:
        skip = read_skip(trajectories.parent)
        if not skip:
            raise ValueError(f"{trajectories}: no trajectories: nothing to browse")
        # A skipped cell (its model was never trained: mtcodegen.skipped): an empty page that says why.
        label = {**label, "skipped": skip["reason"]}
    if label.get("name") and set(cell_names) - {"", label["name"]}:
        raise ValueError(f"{trajectories}: trajectories of cell(s) {sorted(set(cell_names) - {''})} given for "
                         f"cell {label['name']!r}")

    # Pass 2: one data file per problem, in problems-file order. The similarity scores dominate the cost
    # (~10 ms per pair of ~400-token programs: ~10 CPU-minutes for a paper-size cell), so problems are
    # spread over worker processes.
    (out / "data" / "p").mkdir(parents=True)
    jobs = [(number, by_id[pid], spool_dir / f"{_key(pid)}.jsonl", out / "data" / "p" / f"{number}.js",
             str(trajectories)) for number, pid in enumerate(p for p in order if p in seen)]
    if workers > 1 and len(jobs) > 1:
        with ProcessPoolExecutor(max_workers=min(workers, len(jobs))) as pool:
            results = list(pool.map(_problem_file, jobs, chunksize=1))
    else:
        results = [_problem_file(job) for job in jobs]
    spool_dir.rmdir()
    listing = [entry for entry, _ in results]
    max_turn = max((attempts for _, attempts in results), default=0)
    rows = [(e["id"], e["difficulty"], e["outcomes"]) for e in listing]

    turns = max(max_turn, int(label.get("turns") or 0))
    _write(out / "data" / "index.js", {
        "format": FORMAT_VERSION, "label": label, "spec": spec, "turns": turns, "peers": peers,
        "problems": listing, "trajectories": sum(len(p["samples"]) for p in listing)})
    _write_outcomes_csv(out / "outcomes.csv", rows, turns)
    assets = out / "assets"
    assets.mkdir()
    for name in ("app.js", "app.css"):
        shutil.copyfile(STATIC / name, assets / name)
    vendor = STATIC / "vendor" / "highlight.js"
    for name in ("highlight.min.js", "github.min.css"):
        shutil.copyfile(vendor / name, assets / name)
    shutil.copyfile(vendor / "LICENSE", assets / "LICENSE.highlight.js.txt")
    shutil.copyfile(STATIC / "index.html", out / "index.html")
    counts = Counter(_bucket(o) for _, _, outs in rows for o in outs)
    return {"problems": len(listing), "trajectories": sum(len(p["samples"]) for p in listing),
            "outcomes": dict(sorted(counts.items()))}


def _problem_file(job) -> tuple[dict[str, Any], int]:
    """Write one problem's data file from its spooled records; return its list entry and its most attempts."""
    number, problem, spool, target, source = job
    with open(spool, encoding="utf-8") as handle:
        spooled = [json.loads(line) for line in handle]
    spool.unlink()
    spooled.sort(key=lambda item: item[1]["sample"])
    samples = [record["sample"] for _, record in spooled]
    if len(set(samples)) != len(samples):
        dup = sorted(s for s, n in Counter(samples).items() if n > 1)
        raise ValueError(f"{source}: problem {problem['id']!r} has samples {dup} more than once")
    items = [trajectory_payload(record, where) for where, record in spooled]
    failed = {test["index"] for t in items for a in t["attempts"] for test in (a["private"] or {}).get("tests", [])
              if isinstance(test.get("index"), int)}
    strings = _Strings()
    trajectories_out = [_intern(t, strings) for t in items]
    header = problem_header(problem, failed)
    header["statement"] = strings(header["statement"] or "")
    _write(target, {"format": FORMAT_VERSION, "problem": header, "strings": strings.table,
                    "trajectories": trajectories_out})
    entry = {"id": problem["id"], "file": number, "difficulty": problem.get("difficulty"),
             "rating": problem.get("rating"), "kind": problem.get("kind"), "samples": samples,
             "outcomes": [t["outcome"] for t in items]}
    return entry, max(len(t["attempts"]) for t in items)


def _bucket(code: int) -> str:
    return {FAILED: "failed", NO_CODE: "no_code", ERROR: "error"}.get(code, f"solved_t{code}")


def _key(problem_id: str) -> str:
    """A spool file name for any problem id (ids contain '/', and are untrusted text)."""
    return hashlib.sha256(problem_id.encode()).hexdigest()[:32]


def _write(path: Path, payload: Any) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(js_data(payload))
    path.chmod(FILE_MODE)


def _write_outcomes_csv(path: Path, rows, turns: int) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["problem_id", "difficulty", "samples"] + [f"solved_turn_{t}" for t in range(1, turns + 1)]
                        + ["failed", "no_code", "error"])
        for problem_id, difficulty, outcomes in rows:
            count = Counter(outcomes)
            writer.writerow([problem_id, difficulty or "", len(outcomes)]
                            + [count.get(t, 0) for t in range(1, turns + 1)]
                            + [count.get(FAILED, 0), count.get(NO_CODE, 0), count.get(ERROR, 0)])
