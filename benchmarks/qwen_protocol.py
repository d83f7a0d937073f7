"""Qwen2.5-Coder's own EvalPlus protocol for instruct models, on our weights and engine: how much of the gap to
the published score is the protocol (answer prefill, stop strings, sanitizer) rather than the model.

    .venv/bin/python benchmarks/qwen_protocol.py --model results/model/<hash>/checkpoint \
        --dataset humaneval --release ../shared/data/evalplus/HumanEvalPlus-v0.1.10.jsonl.gz \
        --problems results/problems/<hash>/problems.jsonl.gz [--dtype bfloat16] [--out qwen_protocol.jsonl]

What Qwen's evaluation does (qwencoder-eval/instruct/eval_plus, QwenLM/Qwen2.5-Coder at d5ead97: model.py
`ChatML`, generate.py, test.sh), reproduced here with our prompt words:
  - the first user turn of `configs/calibration.yaml` (prompts/system/evalplus_instruct.txt,
    prompts/problem/evalplus_instruct.txt: the same messages as the pipeline's calibration cell), rendered with
    the model's chat template, and the assistant's answer **prefilled** with "```python\\n": the model writes
    code from its first token;
  - greedy, stopping at the first "\\n```", "\\nif __name__", "\\ndef main(", "\\nprint(" or "\\n#" (so example
    calls, prints and top-level comments end the program), tabs as 4 spaces, anything after a stray "```" cut;
  - scored after ``evalplus.sanitize`` (imports and what the entry point reaches) by evalplus's evaluator.
Differences left: our prompt words, our `max_tokens` (1024, theirs 2048 within a 1536-token context), and the
weights (the Q4_K_M GGUF, theirs bf16), which is the point: what remains is the model.

Both the raw completions and the sanitized ones are judged by evalplus's CLI (the truth for both), on base
and plus tests; prints pass@1 of each. One engine start, one generate call for all tasks.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "workflow"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import evalplus_agreement as bench  # noqa: E402  (the sibling script: release reader, evalplus runner)
from calibration_report import passes  # noqa: E402  (the sibling script: how a trajectory's verdict is read)
from mtcodegen import jsonl  # noqa: E402
from mtcodegen.generate.prompts import PromptLibrary, first_message  # noqa: E402

PREFILL = "```python\n"
STOPS = ("\n```", "\nif __name__", "\ndef main(", "\nprint(", "\n#")
CELL = {"system": "evalplus_instruct", "problem_template": "evalplus_instruct"}  # calibration.yaml's prompts


def program_of(completion: str) -> str:
    """The file Qwen's generate.py writes for one completion: tabs as spaces, cut at a stray fence."""
    text = completion.replace("\t", "    ")
    return text.split("```")[0] if "```" in text else text


def prompts_for(problems: list[dict], tokenizer) -> list[str]:
    cell = PromptLibrary().for_cell(CELL)
    out = []
    for problem in problems:
        messages = [{"role": "system", "content": cell.system},
                    {"role": "user", "content": first_message(cell, problem)}]
        out.append(tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True) + PREFILL)
    return out


def write_rows(path: str, rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8") as out:
        out.writelines(json.dumps(row) + "\n" for row in rows)


def paired(trajectories, problems_by_task, protocol) -> dict[str, dict[str, int]]:
    """Per test set, how many tasks pass in both, only the pipeline's turn 1, only the protocol, neither (the
    pipeline's verdict read by benchmarks/calibration_report.py's `passes`: base = passed >= base_tests)."""
    table = {s: {"both": 0, "pipeline_only": 0, "protocol_only": 0, "neither": 0} for s in ("base", "plus")}
    for record in trajectories:
        task = record["problem_id"].split("/", 1)[1]
        if task not in protocol:
            continue
        ours = passes(record["attempts"][0], problems_by_task[task]["base_tests"])
        for test_set in table:
            a, b = ours[test_set], protocol[task][test_set]
            table[test_set]["both" if a and b else "pipeline_only" if a else "protocol_only" if b else "neither"] += 1
    return table


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, help="a checkpoint directory (results/model/<hash>/checkpoint)")
    parser.add_argument("--dataset", choices=("humaneval", "mbpp"), required=True)
    parser.add_argument("--release", required=True, help="the evalplus release file (.jsonl or .jsonl.gz)")
    parser.add_argument("--problems", required=True, help="our problems file of that release (the calibration run's)")
    parser.add_argument("--dtype", default="bfloat16")
    parser.add_argument("--max-tokens", type=int, default=1024)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", help="write every task's prompt, completion and verdicts here (JSONL)")
    parser.add_argument("--summary", help="write the summary JSON here too (vLLM logs to standard output)")
    parser.add_argument("--trajectories", help="an execute trajectories file of the same problems (the pipeline's "
                                               "calibration cell): adds the paired table, task by task, of its turn-1 "
                                               "verdicts against the protocol's sanitized ones")
    args = parser.parse_args(argv)
    from evalplus.sanitize import sanitize

    from mtcodegen.generate.backends.vllm_backend import VLLMBackend

    rows = bench.read_release(Path(args.release))
    entry = {r["task_id"]: r["entry_point"] for r in rows}
    problems = sorted(jsonl.read_jsonl(args.problems), key=lambda p: int(p["id"].rsplit("/", 1)[1]))
    tasks = [p["id"].split("/", 1)[1] for p in problems]
    unknown = sorted(set(tasks) - set(entry))
    if unknown:
        parser.error(f"--problems has tasks that {args.release} lacks: {unknown[:5]}")
    backend = VLLMBackend(args.model, {"dtype": args.dtype, "enforce_eager": True, "max_model_len": 4096,
                                       "kv_cache_gb": 2, "seed": 0})
    import vllm

    prompts = prompts_for(problems, backend.llm.get_tokenizer())
    started = time.perf_counter()
    outputs = backend.llm.generate(prompts, vllm.SamplingParams(temperature=0.0, top_p=1.0, max_tokens=args.max_tokens,
                                                                stop=list(STOPS), seed=0), use_tqdm=False)
    generation_s = time.perf_counter() - started
    tokens = sum(len(o.outputs[0].token_ids) for o in outputs)
    device, dtype = backend.device, backend.dtype
    backend.close()
    completions = [o.outputs[0].text for o in outputs]
    if args.out:  # the generation is kept before anything is judged (rewritten below with the verdicts)
        write_rows(args.out, [{"task": t, "prompt": p, "completion": c} for t, p, c in zip(tasks, prompts, completions)])
    judged = []
    for task, completion in zip(tasks, completions):
        raw = program_of(completion)
        judged.append({"task": task, "label": "raw", "code": raw})
        judged.append({"task": task, "label": "sanitized", "code": sanitize(raw, entry[task])})
    verdicts = bench.evalplus_verdicts(args.dataset, judged, rows, args.workers)
    summary = {"dataset": args.dataset, "release": Path(args.release).name, "tasks": len(tasks), "device": device,
               "dtype": dtype, "completion_tokens": tokens, "generation_s": round(generation_s, 1),
               "length_cut": sum(o.outputs[0].finish_reason == "length" for o in outputs),
               "pass_at_1": bench.pass_at_1(judged, verdicts)}
    if args.trajectories:
        by_task = {p["id"].split("/", 1)[1]: p for p in problems}
        sanitized = {program["task"]: verdict for program, verdict in zip(judged, verdicts)
                     if program["label"] == "sanitized"}
        summary["paired"] = paired(jsonl.read_jsonl(args.trajectories), by_task, sanitized)
    if args.out:
        write_rows(args.out, [{"task": task, "prompt": prompt, "completion": completion,
                               "raw": {k: verdicts[2 * i][k] for k in ("base", "plus")},
                               "sanitized": {k: verdicts[2 * i + 1][k] for k in ("base", "plus")}}
                              for i, (task, prompt, completion) in enumerate(zip(tasks, prompts, completions))])
    bench.emit(summary, args.summary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
