"""One engine per model (issue #16 item 2): cells lease one running server; it stops when idle, dies with its
supervisor, and a server dying mid-cell stops the cell with a clear error that a rerun resumes from.

A stand-in server (fake_vllm_server.py) replaces `vllm serve`; test_shared_engine_slow.py runs the real one.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sys
import time
from pathlib import Path

import pytest

from mtcodegen.generate.backends.base import EngineDied
from mtcodegen.generate.backends.engine_server import EngineServerError, acquire, stop_all
from mtcodegen.generate.backends.served import ServedVLLMBackend
from mtcodegen.generate.stage import generate_cell
from mtcodegen.jsonl import read_jsonl, write_jsonl

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "generate"))
sys.path.insert(0, str(Path(__file__).parent))
from fake_vllm_server import answer  # noqa: E402
from generate_fakes import FakeJudge, stdio_problem  # noqa: E402
from process_state import alive, wait_dead  # noqa: E402

FAKE = Path(__file__).with_name("fake_vllm_server.py")
OPTIONS = {"dtype": "float32", "max_model_len": 512}


def fake(*extra: str) -> list[str]:
    return [sys.executable, str(FAKE), "{port}", *extra]




def server_pids(lease) -> tuple[int, int]:
    """(server, its engine child), from the line the stand-in prints into the engine's log."""
    deadline = time.time() + 10
    while time.time() < deadline:
        for line in lease.log_path.read_text().splitlines():
            if line.startswith("server "):
                words = line.split()
                return int(words[1]), int(words[4])
        time.sleep(0.1)
    raise AssertionError(f"no pid line in {lease.log_path}")


def starts(engine_dir: Path) -> list[dict]:
    path = engine_dir / "starts.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


@pytest.fixture
def tokenizer_dir(tmp_path) -> Path:
    """A word-level tokenizer with a chat template: a checkpoint directory for the served backend's length check."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    words = ["[UNK]", "system", "user", "assistant", ":"]
    tok = Tokenizer(models.WordLevel({w: i for i, w in enumerate(words)}, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]")
    fast.chat_template = ("{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}"
                          "{% if add_generation_prompt %}assistant:{% endif %}")
    out = tmp_path / "model"
    fast.save_pretrained(out)
    return out


@pytest.fixture
def engine_dir(tmp_path):
    path = tmp_path / "engines"
    yield path
    stop_all(path)


def test_two_cells_lease_one_engine_which_stops_when_idle(engine_dir, tokenizer_dir):
    first = acquire(engine_dir, tokenizer_dir, OPTIONS, idle_s=1.0, server_argv=fake())
    second = acquire(engine_dir, tokenizer_dir, OPTIONS, idle_s=1.0, server_argv=fake())
    assert (first.started_here, second.started_here) == (True, False)
    assert first.url == second.url and first.info["pid"] == second.info["pid"]
    assert len(starts(engine_dir)) == 1
    server, engine = server_pids(first)
    first.release()
    time.sleep(2.5)  # one lease is still held: the engine stays
    assert second.alive()
    second.release()
    assert wait_dead([first.info["pid"], server, engine]) == []
    assert not (engine_dir / f"{first.key}.json").exists()
    third = acquire(engine_dir, tokenizer_dir, OPTIONS, idle_s=1.0, server_argv=fake())
    assert third.started_here and len(starts(engine_dir)) == 2  # a stopped engine is started again
    third.release()


def test_other_engine_options_get_another_engine(engine_dir, tokenizer_dir):
    a = acquire(engine_dir, tokenizer_dir, OPTIONS, server_argv=fake())
    b = acquire(engine_dir, tokenizer_dir, OPTIONS | {"max_model_len": 256}, server_argv=fake())
    assert a.url != b.url and b.started_here
    assert a.alive()  # in use: left running
    a.release(), b.release()
    assert len(stop_all(engine_dir)) == 2
    assert wait_dead([a.info["pid"], b.info["pid"]]) == []


def test_stop_all_leaves_an_engine_another_run_still_leases(engine_dir, tokenizer_dir):
    # Two Snakemake runs share results/engines: the one that ends first must not stop the other's engine.
    mine = acquire(engine_dir, tokenizer_dir, OPTIONS, server_argv=fake())
    theirs = acquire(engine_dir, tokenizer_dir, OPTIONS | {"max_model_len": 256}, server_argv=fake())
    mine.release()
    assert stop_all(engine_dir) == [mine.info["pid"]]
    assert wait_dead([mine.info["pid"]]) == []
    assert theirs.alive()
    theirs.release()
    assert stop_all(engine_dir) == [theirs.info["pid"]]


def test_an_idle_engine_of_another_model_is_stopped_before_a_new_one_starts(engine_dir, tokenizer_dir):
    a = acquire(engine_dir, tokenizer_dir, OPTIONS, server_argv=fake())  # idle_s: 60 s
    a.release()
    b = acquire(engine_dir, tokenizer_dir, OPTIONS | {"max_model_len": 256}, server_argv=fake())
    assert wait_dead([a.info["pid"]], timeout=1) == []  # stopped before b started, not 60 s later
    assert b.alive()
    b.release()


def test_sigkill_of_the_supervisor_ends_the_server_and_its_engine(engine_dir, tokenizer_dir):
    lease = acquire(engine_dir, tokenizer_dir, OPTIONS, server_argv=fake())
    server, engine = server_pids(lease)
    os.kill(int(lease.info["pid"]), signal.SIGKILL)
    assert wait_dead([server, engine]) == [], "the reaper left the server or its engine running"
    assert not lease.alive()
    lease.release()
    again = acquire(engine_dir, tokenizer_dir, OPTIONS, server_argv=fake())  # stale registration: a new engine
    assert again.started_here and again.alive()
    again.release()


def test_a_server_that_cannot_start_is_a_clear_error(engine_dir, tokenizer_dir):
    crash = [sys.executable, "-c", "print('no such model: /nowhere'); raise SystemExit(2)"]
    with pytest.raises(EngineServerError, match=r"exited before it was ready(.|\n)*no such model: /nowhere"):
        acquire(engine_dir, tokenizer_dir, OPTIONS, server_argv=crash)
    silent = [sys.executable, "-c", "import time; time.sleep(60)"]
    with pytest.raises(EngineServerError, match=r"did not answer http://127.0.0.1:\d+/health within 2 s"):
        acquire(engine_dir, tokenizer_dir, OPTIONS | {"seed": 1}, server_argv=silent, start_timeout_s=2)


def params(limit=None):
    return {"cell": {"reasoning": "none", "instruction": "none", "feedback": "failed_tests", "turns": 1,
                     "cot_retry": False, "limit": limit, "samples": None},
            "sampling": {"samples": 2, "seed": 5, "temperature": 1.0, "top_p": 0.95, "max_tokens": 32}}


def run_cell(tmp_path, name, engine_dir, tokenizer_dir, argv, **kwargs):
    out = tmp_path / name / "trajectories.jsonl.gz"
    factory = lambda: ServedVLLMBackend(acquire(engine_dir, tokenizer_dir, OPTIONS, server_argv=argv),  # noqa: E731
                                        tokenizer_dir)
    stats = generate_cell(tmp_path / "p.jsonl.gz", params(), out, backend_factory=factory, judge_factory=FakeJudge,
                          cell_name=name, **kwargs)
    return stats, list(read_jsonl(out))


def test_cells_on_the_shared_engine_get_their_own_seeded_answers(tmp_path, engine_dir, tokenizer_dir):
    write_jsonl(tmp_path / "p.jsonl.gz", [stdio_problem(f"toy/{i}") for i in range(3)])
    stats_a, a = run_cell(tmp_path, "a", engine_dir, tokenizer_dir, fake())
    stats_b, b = run_cell(tmp_path, "b", engine_dir, tokenizer_dir, fake())
    assert len(starts(engine_dir)) == 1  # two cells, one engine start
    assert stats_a["runtime"][0]["backend"] == "vllm" and stats_a["runtime"][0]["engine_started_by_this_job"]
    assert not stats_b["runtime"][0]["engine_started_by_this_job"]
    for record in a:
        # the stand-in answers from (last user message, seed): each call must carry its own seed, which is
        # sha256(trajectory seed, turn 1, step 1) (docs/generation.md "Seeds"), computed here on its own
        key = f"{record['seed']}\0{1}\0{1}".encode()
        seed = int.from_bytes(hashlib.sha256(key).digest()[:4], "big") & 0x7FFFFFFF
        user = [m for m in record["messages"] if m["role"] == "user"][-1]["content"]
        assert record["attempts"][0]["response"] == answer({"messages": [{"content": user}], "seed": seed})
    texts = {r["attempts"][0]["response"] for r in a}
    assert len(texts) == len(a) == 6  # 3 problems x 2 samples, every seed its own answer
    assert [r["attempts"][0]["response"] for r in a] == [r["attempts"][0]["response"] for r in b]


def test_a_conversation_over_max_model_len_ends_alone_as_error(tmp_path, engine_dir, tokenizer_dir):
    problems = [stdio_problem("toy/0"), stdio_problem("toy/1", statement="word " * 600)]
    write_jsonl(tmp_path / "p.jsonl.gz", problems)
    _, records = run_cell(tmp_path, "long", engine_dir, tokenizer_dir, fake())
    finishes = {(r["problem_id"], r["finish"]) for r in records}
    assert finishes == {("toy/0", "public_pass"), ("toy/1", "error")}


def test_engine_killed_mid_cell_is_a_clear_error_and_a_rerun_resumes(tmp_path, engine_dir, tokenizer_dir):
    write_jsonl(tmp_path / "p.jsonl.gz", [stdio_problem(f"toy/{i}") for i in range(4)])
    _, reference = run_cell(tmp_path, "reference", engine_dir, tokenizer_dir, fake())
    stop_all(engine_dir)
    with pytest.raises(EngineDied, match=r"shared vLLM engine at http://127.0.0.1:\d+ .* is gone.*its log: .*\.log"):
        run_cell(tmp_path, "cell", engine_dir, tokenizer_dir, fake("--fail-after", "4"), shard_problems=1,
                 max_in_flight=2)
    kept = len(list((tmp_path / "cell" / "shards").glob("shard-*.jsonl.gz")))
    assert 1 <= kept < 4  # 4 answers: the first problem's 2 samples at least, never the last problem
    stats, records = run_cell(tmp_path, "cell", engine_dir, tokenizer_dir, fake(), shard_problems=1,
                              max_in_flight=2)
    assert (stats["shards_reused"], stats["shards_generated"]) == (kept, 4 - kept)
    assert len(starts(engine_dir)) == 3  # reference, the engine that died, the rerun's
    assert [(r["problem_id"], r["sample"], r["attempts"][0]["response"]) for r in records] == \
        [(r["problem_id"], r["sample"], r["attempts"][0]["response"]) for r in reference]
