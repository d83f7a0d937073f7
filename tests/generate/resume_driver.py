"""Runs one cell with the scripted backend (slow on purpose) and the fake judge; test_stage.py kills it.

usage: python resume_driver.py PROBLEMS OUT DELAY_S
"""

import json
import logging
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from generate_fakes import FakeJudge  # noqa: E402
from mtcodegen.generate.backends.scripted import ScriptedBackend  # noqa: E402
from mtcodegen.generate.stage import generate_cell  # noqa: E402

FAIL = "```python\nprint('fail')\n```"
PASS = "```python\nprint('PASS')\n```"

if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    problems, out, delay = sys.argv[1], sys.argv[2], float(sys.argv[3])
    params = {"cell": {"reasoning": "none", "instruction": "none", "feedback": "failed_tests", "turns": 2,
                       "cot_retry": False, "limit": None, "samples": None},
              "sampling": {"samples": 2, "seed": 3, "temperature": 1.0, "top_p": 0.95, "max_tokens": 64}}
    stats = generate_cell(problems, params, out, backend_factory=lambda: ScriptedBackend(
        responses=[FAIL, PASS], delay_s=delay), judge_factory=FakeJudge, cell_hash="c", cell_name="resume",
        shard_problems=1, max_in_flight=3)  # 3 live trajectories: shards of 2 overlap, yet finish one by one
    print(json.dumps(stats))
