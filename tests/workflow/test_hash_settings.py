"""Which settings enter the content hashes (issue 15): speed settings never move a hash, result settings move
exactly the nodes whose outputs they decide.

Each case edits one key of a base config and compares every node hash of the two plans; the stages expected to
move are written out below from what each setting means (docs/provenance.md, "What is hashed"), not computed by
the code under test.
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import pytest

from mtcodegen.config import load_config
from mtcodegen.generate.backends.engine_options import KNOWN
from mtcodegen.plan import SPEED_KEYS, build_plan

# Every engine option the vllm backend knows, with a value; the speed ones are changed one by one below.
ENGINE = {
    "dtype": "bfloat16", "enforce_eager": True, "max_model_len": 4096, "kv_cache_gb": 2,
    "gpu_memory_utilization": 0.9, "tensor_parallel_size": 1, "seed": 0, "max_num_seqs": 64,
    "cpu_threads": "0-1", "enable_prefix_caching": True, "max_lora_rank": 16,
}
EXECUTION = {"sandbox": "unsafe_local", "time_limit_s": 2.0, "time_limit_factor": 1.0, "memory_limit_mb": 1024,
             "output_limit_kb": 1024, "max_processes": 16, "workers": 0, "stop_private_at_first_failure": True}

# (config path, new value, stages whose every node must move; all other nodes must keep their hash)
GEN_DOWN = {"generate", "execute", "metrics"}
RESULT_CHANGES = [
    (("execution", "time_limit_s"), 4.0, GEN_DOWN),
    (("execution", "time_limit_factor"), 2.0, GEN_DOWN),
    (("execution", "memory_limit_mb"), 256, GEN_DOWN),
    (("execution", "output_limit_kb"), 64, GEN_DOWN),
    (("execution", "max_processes"), 4, GEN_DOWN),
    (("execution", "sandbox"), "nsjail", GEN_DOWN),
    # public tests in the loop always run every test; only the private judging stops early
    (("execution", "stop_private_at_first_failure"), False, {"execute", "metrics"}),
    (("sampling", "temperature"), 0.5, GEN_DOWN),
    (("sampling", "top_p"), 0.5, GEN_DOWN),
    (("sampling", "max_tokens"), 64, GEN_DOWN),
    (("sampling", "seed"), 7, GEN_DOWN),
    (("sampling", "samples"), 3, GEN_DOWN),
    (("models", "tiny", "engine", "dtype"), "float32", GEN_DOWN),
    (("models", "tiny", "engine", "max_model_len"), 2048, GEN_DOWN),
    (("models", "tiny", "engine", "seed"), 1, GEN_DOWN),
    (("models", "tiny", "source", "local"), "models/other", {"model"} | GEN_DOWN),
    (("metrics", "seed"), 3, {"metrics"}),
    (("metrics", "bootstrap_resamples"), 10, {"metrics"}),
]
SPEED_CHANGES = [
    (("execution", "workers"), 4),
    (("models", "tiny", "engine", "kv_cache_gb"), 40),
    (("models", "tiny", "engine", "cpu_threads"), "0-15"),
    (("models", "tiny", "engine", "max_num_seqs"), 256),
    (("models", "tiny", "engine", "gpu_memory_utilization"), 0.5),
    (("models", "tiny", "engine", "tensor_parallel_size"), 4),
    (("models", "tiny", "engine", "enforce_eager"), False),
    # one engine per model or one per cell (engine_server.py): the same records either way
    (("models", "tiny", "engine", "share_engine"), False),
    (("models", "tiny", "engine", "enable_prefix_caching"), False),
    (("models", "tiny", "engine", "max_lora_rank"), 64),
]


@pytest.fixture
def base(workflow_copy, tiny_config):
    (workflow_copy.root / "models" / "other").mkdir()
    (workflow_copy.root / "models" / "other" / "config.json").write_text('{"model_type": "other"}\n')
    config = load_config(tiny_config, root=workflow_copy.root)
    config["models"]["tiny"]["engine"] = dict(ENGINE)
    config["execution"] = dict(EXECUTION)
    return workflow_copy.root, config


def hashes(root, config) -> dict[tuple[str, str], str]:
    plan = build_plan(load_config(copy.deepcopy(config), root=root), root=root)
    return {(n.stage, n.name): h for stage, nodes in plan.nodes.items() for h, n in nodes.items()}


def edited(config, path, value):
    config = copy.deepcopy(config)
    target = config
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return config


@pytest.mark.parametrize("path,value", SPEED_CHANGES, ids=[".".join(p) for p, _ in SPEED_CHANGES])
def test_a_speed_setting_moves_no_hash_and_still_reaches_the_job(base, path, value):
    root, config = base
    before, after = hashes(root, config), hashes(root, edited(config, path, value))
    assert before == after
    plan = build_plan(load_config(edited(config, path, value), root=root), root=root)
    section = "execution" if path[0] == "execution" else "engine"
    for node in plan.nodes["generate"].values():
        assert node.job_params()[section][path[-1]] == value  # the job runs with it
        assert path[-1] not in node.spec["params"][section]  # the hash never sees it
    if section == "execution":
        for node in plan.nodes["execute"].values():
            assert node.job_params()["execution"]["workers"] == value


@pytest.mark.parametrize("path,value,moved", RESULT_CHANGES, ids=[".".join(p) for p, _, _ in RESULT_CHANGES])
def test_a_result_setting_moves_exactly_the_nodes_it_decides(base, path, value, moved):
    root, config = base
    before, after = hashes(root, config), hashes(root, edited(config, path, value))
    assert before.keys() == after.keys()
    stages = {stage for stage, _ in before}
    assert moved <= stages
    for key in before:
        if key[0] in moved:
            assert before[key] != after[key], f"{key} kept its hash after {'.'.join(path)} changed"
        else:
            assert before[key] == after[key], f"{key} moved after {'.'.join(path)} changed"


def test_every_known_engine_option_is_classified():
    """A new engine option must be placed on purpose: SPEED_KEYS lists the speed ones; this list the rest."""
    result = {"dtype", "max_model_len", "seed", "lora", "model", "script", "backend"}
    known = {key for options in KNOWN.values() for key in options} | {"backend"}
    assert known - result - SPEED_KEYS["engine"] == set()
    assert not result & SPEED_KEYS["engine"]


def test_shards_of_an_interrupted_cell_resume_under_other_speed_settings(tmp_path):
    """Same hash, same directory: a cell interrupted with 0 workers and a 2 GiB KV cache resumes its finished
    shards with 4 workers and 40 GiB, and refuses shards made with another temperature."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "generate"))
    from generate_fakes import FakeJudge, stdio_problem

    from mtcodegen.generate.backends.scripted import ScriptedBackend
    from mtcodegen.generate.stage import generate_cell
    from mtcodegen.jsonl import write_jsonl

    answer = "```python\nprint('PASS')\n```"
    write_jsonl(tmp_path / "p.jsonl.gz", [stdio_problem("toy/1"), stdio_problem("toy/2")])
    out = tmp_path / "cell" / "trajectories.jsonl.gz"

    def run(kv_cache_gb, workers, temperature=1.0, crash_on=None):
        def responder(conversation, params):
            if crash_on and any(crash_on in m["content"] for m in conversation):
                raise RuntimeError("killed")
            return answer

        params = {"cell": {"reasoning": "none", "instruction": "none", "feedback": "failed_tests", "turns": 1,
                           "cot_retry": False, "limit": None, "samples": None},
                  "sampling": {"samples": 1, "seed": 0, "temperature": temperature, "top_p": 0.95, "max_tokens": 64},
                  "engine": {"backend": "vllm", "dtype": "bfloat16", "kv_cache_gb": kv_cache_gb},
                  "execution": {"sandbox": "unsafe_local", "time_limit_s": 2.0, "workers": workers}}
        return generate_cell(tmp_path / "p.jsonl.gz", params, out, shard_problems=1, max_in_flight=1,
                             backend_factory=lambda: ScriptedBackend(responder), judge_factory=FakeJudge)

    with pytest.raises(RuntimeError, match="killed"):
        run(kv_cache_gb=2, workers=0, crash_on="toy/2")  # the first shard finished, the second died
    with pytest.raises(ValueError, match="holds shards of a different run"):
        run(kv_cache_gb=40, workers=4, temperature=0.5)
    stats = run(kv_cache_gb=40, workers=4)
    assert (stats["shards_reused"], stats["shards_generated"]) == (1, 1)
