"""The finetune's log line every ≤ 30 s: steps done of the total, tokens/s, ETA (issue #11 item 6)."""

from __future__ import annotations

import io
import time
from types import SimpleNamespace

import pytest

from mtcodegen.finetune.progress import ProgressLog, progress_line


def test_progress_line_rates_and_eta_by_hand():
    # 5 of 10 steps, 5,000 tokens in 10 s: 500 tokens/s and 10 s to go
    assert progress_line(5, 10, 5000, 10.0, 1.25) == (
        "finetune: step 5/10 (50.0 %), 500 tokens/s, elapsed 0m10s, ETA 0m10s, loss 1.2500")
    # resumed at step 4 with 4,000 tokens seen: this run did 1 step and 1,000 tokens in 2 s
    assert progress_line(5, 545, 5000, 2.0, None, step_base=4, tokens_base=4000) == (
        "finetune: step 5/545 (0.9 %), 500 tokens/s, elapsed 0m02s, ETA 18m00s")
    assert "ETA ?" in progress_line(0, 545, 0, 40.0, None)
    assert "ETA 1h30m00s" in progress_line(1, 3, 100, 2700.0, None)


def test_heartbeat_speaks_during_a_long_step_and_at_the_end():
    stream = io.StringIO()
    log = ProgressLog(interval_s=0.05, stream=stream)
    state = SimpleNamespace(is_world_process_zero=True, global_step=0, max_steps=4, num_input_tokens_seen=0)
    log.on_train_begin(None, state, None)
    time.sleep(0.3)  # one step far longer than the interval: the timer keeps printing
    during = len(log.lines)
    state.global_step, state.num_input_tokens_seen = 1, 800
    log.on_log(None, state, None, logs={"loss": 2.5})
    log.on_step_end(None, state, None)
    time.sleep(0.12)
    state.global_step, state.num_input_tokens_seen = 4, 3200
    log.on_train_end(None, state, None)
    assert during >= 3 and all(line.startswith("finetune: step 0/4") for line in log.lines[:during])
    assert any(line.startswith("finetune: step 1/4 (25.0 %)") and "loss 2.5000" in line for line in log.lines)
    assert log.lines[-1].startswith("finetune: step 4/4 (100.0 %)") and "ETA 0m00s" in log.lines[-1]
    assert stream.getvalue().count("\n") == len(log.lines)
    n = len(log.lines)
    time.sleep(0.12)
    assert len(log.lines) == n  # the timer stopped with the training


def test_other_ranks_print_nothing_and_slow_intervals_are_refused():
    log = ProgressLog(interval_s=0.01, stream=io.StringIO())
    state = SimpleNamespace(is_world_process_zero=False, global_step=0, max_steps=4, num_input_tokens_seen=0)
    log.on_train_begin(None, state, None)
    log.on_train_end(None, state, None)
    assert log.lines == []
    with pytest.raises(ValueError, match="30"):
        ProgressLog(interval_s=60)
