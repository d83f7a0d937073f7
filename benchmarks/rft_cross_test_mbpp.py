"""Recall of cross-testing on MBPP train tasks that MBPP+ also holds (same task id): MBPP's own reference
code stands in for a kept solution; how many are caught by statement similarity, by cross-testing, by neither.
    .venv/bin/python benchmarks/rft_cross_test_mbpp.py TOP_K <prepared MBPP+ problems.jsonl.gz>   (docs/rft.md)"""
import json, sys, time
from mtcodegen.jsonl import read_jsonl
from mtcodegen.data.mbpp import entry_point_of
from mtcodegen.rft.decontaminate import statement_similarity, similar_statements, cross_test
from mtcodegen.sandbox import Judge

plus = {p["id"]: p for p in read_jsonl(sys.argv[2])}
plus_ids = {p.split("/")[-1] for p in plus}
train, codes = {}, {}
for line in open("../shared/data/mbpp/mbpp.jsonl"):
    r = json.loads(line)
    if 601 <= r["task_id"] <= 974 and str(r["task_id"]) in plus_ids:
        tid = f"mbpp/{r['task_id']}"
        train[tid] = {"id": tid, "kind": "call", "statement": r["text"],
                      "entry_point": entry_point_of(r["code"], r["test_list"])}
        codes[tid] = [(tid + "#ref", (r.get("test_setup_code") or "") + "\n" + r["code"])]
sim = statement_similarity({i: p["statement"] for i, p in train.items()}, {i: p["statement"] for i, p in plus.items()})
by_statement = similar_statements({}, {}, 0.8, sim)
execution = {"sandbox": "nsjail", "time_limit_s": 2.0, "memory_limit_mb": 1024}
started = time.time()
with Judge(mode="nsjail", workers=2) as judge:
    crossed = cross_test(codes, train, plus, judge, execution, top_k=int(sys.argv[1]), similarity=sim)
right = {t for t, m in crossed.items() if m.eval_id.split("/")[-1] == t.split("/")[-1]}
print(json.dumps({
    "train_tasks_in_mbpp_plus": len(train),
    "caught_by_statement": len(by_statement),
    "caught_by_cross_test": len(crossed), "cross_test_on_its_own_mbpp_plus_task": len(right),
    "caught_by_either": len(set(by_statement) | set(crossed)),
    "caught_by_cross_test_only": len(set(crossed) - set(by_statement)),
    "missed": sorted(set(train) - set(by_statement) - set(crossed)),
    "top_k": int(sys.argv[1]), "seconds": round(time.time() - started, 1)}, indent=1))
