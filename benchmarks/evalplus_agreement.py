"""Our verdicts against evalplus's own evaluator, per program and per test set (base, plus).

    python benchmarks/evalplus_agreement.py --dataset humaneval \
        --release ../shared/data/evalplus/HumanEvalPlus-v0.1.10.jsonl.gz \
        [--problems results/problems/<hash>/problems.jsonl.gz] [--trajectories results/generate/<hash>/trajectories.jsonl.gz] \
        [--limit N | --tasks Mbpp/2,Mbpp/3] [--programs canonical,variants,model,model_variants] [--out agreement.json]

Programs judged, per task: the canonical solution (prompt + canonical_solution), deliberately wrong variants of
it (``VARIANTS``: wrong on every input, wrong on about a fifth of the inputs -- usually passes base, fails plus
--, and a right-but-float variant that evalplus's `==` accepts), and, with ``--trajectories``, the model's
programs of a generate/execute run (every attempt's code, deduplicated) and the wrong variants of each task's
first one (the greedy single-turn answer: a model program, unlike the canonical one, may define helpers, print
or read globals).

Ours: the problems file of our loader (``mtcodegen.data.evalplus``; prepared here when ``--problems`` is not
given), judged by ``mtcodegen.sandbox.Judge`` (nsjail) exactly as the execute stage does: the problem's
checker, its private tests, stop at the first failure; base verdict = ``passed >= base_tests``, plus = AC.
evalplus: its own CLI (``python -m evalplus.evaluate``) in a subprocess, offline, reading the same release file
(a subset with the tasks judged) through ``HUMANEVAL_OVERRIDE_PATH`` / ``MBPP_OVERRIDE_PATH``, with its cache in
a temporary directory; its "plus" verdict is base pass and plus pass (how evalplus scores HumanEval+/MBPP+).

Prints one JSON summary (agreement per set, every disagreement with both sides' details); the exit status is 0.
The small version of this comparison is tests/sandbox/test_evalplus_agreement.py.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "workflow"))

from mtcodegen import jsonl  # noqa: E402
from mtcodegen.sandbox import Judge, JudgeRequest, Limits  # noqa: E402

OVERRIDE_VARIABLE = {"humaneval": "HUMANEVAL_OVERRIDE_PATH", "mbpp": "MBPP_OVERRIDE_PATH"}

# Appended to a correct program: the entry point is wrapped so that its result is changed on some inputs.
# The choice of input is a CRC of repr(args): deterministic across processes (str hashes are not).
_WRAP = '''

import zlib as _mtc_zlib

def _mtc_perturb(value):
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, float):
        return value + 1.0
    if isinstance(value, str):
        return value + "x"
    if isinstance(value, list):
        return value[:-1] if value else [0]
    if isinstance(value, tuple):
        return value[:-1] if value else (0,)
    if isinstance(value, dict):
        return {{**value, "_mtc": 1}}
    if isinstance(value, (set, frozenset)):
        return set(value) | {{"_mtc"}}
    if value is None:
        return 0
    return None

_mtc_original = {entry}

def {entry}(*args, **kwargs):
    key = _mtc_zlib.crc32(repr((args, kwargs)).encode())
    value = _mtc_original(*args, **kwargs)
    return {action}
'''
VARIANTS = {
    "wrong_always": "_mtc_perturb(value)",
    "wrong_sometimes": "_mtc_perturb(value) if key % 5 == 0 else value",
    # Right values, int results as floats: evalplus compares with ==, so 3.0 passes where 3 is expected.
    "float_results": "float(value) if type(value) is int else value",
}


def variant(program: str, entry_point: str, name: str) -> str:
    return program + _WRAP.format(entry=entry_point, action=VARIANTS[name])


def read_release(path: Path) -> list[dict[str, Any]]:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def first_tasks(release_rows, limit: int | None) -> list[dict[str, Any]]:
    rows = sorted(release_rows, key=lambda r: _task_number(r["task_id"]))
    return rows[:limit] if limit else rows


def load_problems(args, release_rows) -> dict[str, dict[str, Any]]:
    """Our problems of the tasks judged: read from --problems, or prepared here by our loader from the rows."""
    if args.problems:
        problems = list(jsonl.read_jsonl(args.problems))
    else:
        from mtcodegen.data.prepare import prepare

        with tempfile.TemporaryDirectory(prefix="mtcodegen-evalplus-") as tmp:
            subset = Path(tmp, "release.jsonl")
            subset.write_text("".join(json.dumps(r) + "\n" for r in release_rows))
            problems, report = prepare({"dataset": args.dataset, "format": "evalplus", "split": "test",
                                        "source": {"files": {"test": str(subset)}}})
        if report["skipped_rows"]:
            print(f"our loader skipped: {report['skipped_rows']}", file=sys.stderr)
    wanted = {r["task_id"] for r in release_rows}
    return {task: p for p in problems if (task := p["id"].split("/", 1)[1]) in wanted}


def _task_number(task_id: str) -> int:
    return int(task_id.rsplit("/", 1)[1])


def model_programs(path: str, tasks: set[str]) -> dict[str, list[str]]:
    """Every distinct program of a trajectories file, by task id (the problem id without the dataset key)."""
    found: dict[str, list[str]] = {}
    for record in jsonl.read_jsonl(path):
        task = record["problem_id"].split("/", 1)[1]
        if task not in tasks:
            continue
        for attempt in record["attempts"]:
            code = attempt.get("code")
            if code and code not in found.setdefault(task, []):
                found[task].append(code)
    return found


PROGRAM_KINDS = ("canonical", "variants", "model", "model_variants")


def programs_for(problems, release_by_task, trajectories, kinds=PROGRAM_KINDS) -> list[dict[str, Any]]:
    """The programs judged, per task: those of `kinds` (the canonical solution, its wrong VARIANTS, the model's
    programs, the wrong VARIANTS of the model's first program: a greedy run's single-turn answer)."""
    wants_model = trajectories and {"model", "model_variants"} & set(kinds)
    models = model_programs(trajectories, set(problems)) if wants_model else {}
    programs = []
    for task, problem in problems.items():
        row = release_by_task[task]
        canonical = row["prompt"] + row["canonical_solution"]
        if "canonical" in kinds:
            programs.append({"task": task, "label": "canonical", "code": canonical})
        for name in VARIANTS if "variants" in kinds else ():
            programs.append({"task": task, "label": name, "code": variant(canonical, row["entry_point"], name)})
        for i, code in enumerate(models.get(task, []) if "model" in kinds else ()):
            programs.append({"task": task, "label": f"model{i}", "code": code})
        for name in VARIANTS if "model_variants" in kinds and models.get(task) else ():
            code = variant(models[task][0], row["entry_point"], name)
            programs.append({"task": task, "label": f"model_{name}", "code": code})
    return programs


def ours(programs, problems, time_s: float, workers: int) -> list[dict[str, Any]]:
    requests = []
    for program in programs:
        problem = problems[program["task"]]
        requests.append(JudgeRequest(
            program=program["code"], kind="call", entry_point=problem["entry_point"],
            tests=problem["private_tests"], limits=Limits(time_s=time_s, memory_mb=1024),
            checker=problem["checker"], stop_on_first_failure=True))
    with Judge(mode="nsjail", workers=workers) as judge:
        verdicts = judge.run(requests)
    out = []
    for program, verdict in zip(programs, verdicts):
        base_tests = problems[program["task"]]["base_tests"]
        out.append({"base": verdict["verdict"] == "AC" or verdict["passed"] >= base_tests,
                    "plus": verdict["verdict"] == "AC", "verdict": verdict["verdict"],
                    "passed": verdict["passed"], "total": verdict["total"], "detail": verdict["detail"][:300]})
    return out


def evalplus_verdicts(dataset: str, programs, release_rows, workers: int, extra: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """evalplus's CLI on the programs, offline, on a subset of the release file with exactly their tasks.
    ``extra``: more CLI arguments, e.g. ("--gt_time_limit_factor", "20") to tell a time limit from a wrong answer."""
    tasks = {p["task"] for p in programs}
    with tempfile.TemporaryDirectory(prefix="mtcodegen-evalplus-") as tmp:
        subset = Path(tmp, "release.jsonl")
        subset.write_text("".join(json.dumps(r) + "\n" for r in release_rows if r["task_id"] in tasks))
        samples = Path(tmp, "samples.jsonl")
        samples.write_text("".join(json.dumps({"task_id": p["task"], "solution": p["code"]}) + "\n"
                                   for p in programs))
        env = {**os.environ, OVERRIDE_VARIABLE[dataset]: str(subset), "XDG_CACHE_HOME": str(Path(tmp, "cache")),
               "TOKENIZERS_PARALLELISM": "false"}
        done = subprocess.run([sys.executable, "-m", "evalplus.evaluate", "--dataset", dataset,
                               "--samples", str(samples), "--parallel", str(workers), "--i_just_wanna_run", *extra],
                              env=env, cwd=tmp, capture_output=True, text=True)
        results_path = Path(tmp, "samples_eval_results.json")
        if done.returncode != 0 or not results_path.exists():
            raise RuntimeError(f"evalplus.evaluate failed (exit {done.returncode}): {done.stderr[-2000:]}")
        results = json.loads(results_path.read_text())["eval"]
    seen: dict[str, int] = {}
    out = []
    for program in programs:  # evalplus keeps each task's samples in file order (completion_id)
        index = seen.get(program["task"], 0)
        seen[program["task"]] = index + 1
        entry = results[program["task"]][index]
        assert entry["solution"] == program["code"], "evalplus results out of order"
        base = entry["base_status"] == "pass"
        out.append({"base": base, "plus": base and entry["plus_status"] == "pass",
                    "base_status": entry["base_status"], "plus_status": entry["plus_status"],
                    "fail_input": json.dumps((entry["base_fail_tests"] or entry["plus_fail_tests"] or [None])[0])[:300]})
    return out


def pass_at_1(programs, verdicts) -> dict[str, dict[str, dict[str, Any]]]:
    """Per program label and test set: how many tasks pass and the percent (one program per task and label)."""
    passed: dict[str, dict[str, int]] = {}
    tasks: dict[str, set[str]] = {}
    for program, verdict in zip(programs, verdicts):
        tally = passed.setdefault(program["label"], {"base": 0, "plus": 0})
        tasks.setdefault(program["label"], set()).add(program["task"])
        for test_set in tally:
            tally[test_set] += verdict[test_set]
    return {label: {s: {"passed": v, "percent": round(100 * v / len(tasks[label]), 1)} for s, v in sets.items()}
            for label, sets in passed.items()}


def emit(summary: dict[str, Any], path: str | None) -> None:
    """Print a benchmark's JSON summary, and write it to `path` too when one is given."""
    text = json.dumps(summary, indent=1, default=str)
    if path:
        Path(path).write_text(text + "\n")
    print(text)


def compare(programs, our, their) -> dict[str, Any]:
    disagreements = []
    counts = {s: {"agree": 0, "total": 0} for s in ("base", "plus")}
    by_label: dict[str, dict[str, int]] = {}
    for program, a, b in zip(programs, our, their):
        group = "model" if re.fullmatch(r"model\d+", program["label"]) else program["label"]  # model0, model1, ...
        for test_set in ("base", "plus"):
            same = a[test_set] == b[test_set]
            counts[test_set]["total"] += 1
            counts[test_set]["agree"] += same
            tally = by_label.setdefault(group, {"pairs": 0, "agree": 0, "ours_pass": 0, "evalplus_pass": 0})
            tally["pairs"] += 1
            tally["agree"] += same
            tally["ours_pass"] += a[test_set]
            tally["evalplus_pass"] += b[test_set]
            if not same:
                disagreements.append({"task": program["task"], "program": program["label"], "set": test_set,
                                      "ours": a, "evalplus": b})
    for value in counts.values():
        value["agreement"] = round(value["agree"] / value["total"], 5) if value["total"] else None
    pairs = sum(v["total"] for v in counts.values())
    agree = sum(v["agree"] for v in counts.values())
    return {"agreement": round(agree / pairs, 5) if pairs else None, "pairs": pairs, "by_set": counts,
            "by_program": by_label, "disagreements": disagreements}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", choices=sorted(OVERRIDE_VARIABLE), required=True)
    parser.add_argument("--release", required=True, help="the evalplus release file (.jsonl or .jsonl.gz)")
    parser.add_argument("--problems", help="our problems file of that release (default: prepare it here)")
    parser.add_argument("--trajectories", help="a generate/execute trajectories file: its programs are judged too")
    parser.add_argument("--limit", type=int, help="only the first N tasks (by number)")
    parser.add_argument("--tasks", help="only these tasks, comma-separated (e.g. Mbpp/255,Mbpp/271)")
    parser.add_argument("--time-limit", type=float, default=2.0, help="our per-test CPU limit (s), as execution.time_limit_s")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", help="write the full JSON here too")
    parser.add_argument("--evalplus-time-factor", type=float,
                        help="evalplus's per-input limit as a multiple of the canonical solution's time (its default 4)")
    parser.add_argument("--programs", default=",".join(PROGRAM_KINDS),
                        help="which programs to judge, comma-separated: canonical, variants, model, model_variants (default all; a "
                             "full-set run can be split in two)")
    args = parser.parse_args(argv)
    kinds = tuple(k.strip() for k in args.programs.split(",") if k.strip())
    if not kinds or set(kinds) - set(PROGRAM_KINDS):
        parser.error(f"--programs {args.programs!r}: choose among {', '.join(PROGRAM_KINDS)}")
    release_rows = read_release(Path(args.release))
    if args.tasks:
        wanted = {t.strip() for t in args.tasks.split(",") if t.strip()}
        unknown = sorted(wanted - {r["task_id"] for r in release_rows})
        if unknown:
            parser.error(f"--tasks: not in {args.release}: {', '.join(unknown)}")
        release_rows = [r for r in release_rows if r["task_id"] in wanted]
    release_rows = first_tasks(release_rows, args.limit)
    release_by_task = {r["task_id"]: r for r in release_rows}
    started = time.time()
    problems = load_problems(args, release_rows)
    programs = programs_for(problems, release_by_task, args.trajectories, kinds)
    prepared_s = time.time() - started
    our = ours(programs, problems, args.time_limit, args.workers)
    ours_s = time.time() - started - prepared_s
    extra = ("--gt_time_limit_factor", str(args.evalplus_time_factor)) if args.evalplus_time_factor else ()
    their = evalplus_verdicts(args.dataset, programs, release_rows, args.workers, extra)
    summary = compare(programs, our, their)
    summary.update({"dataset": args.dataset, "release": Path(args.release).name, "tasks": len(problems),
                    "programs": len(programs), "seconds": {"prepare": round(prepared_s, 1), "ours": round(ours_s, 1),
                                                          "evalplus": round(time.time() - started - prepared_s - ours_s, 1)}})
    emit(summary, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
