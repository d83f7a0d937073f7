"""A stand-in for `vllm serve` (standard library only): /health, /v1/models, /v1/chat/completions.

    python fake_vllm_server.py PORT [--delay S] [--fail-after N]

It starts an "engine" child process first (as vLLM's VLLM::EngineCore) and prints its pid, so that tests can
check that the supervisor's reaper ends it. An answer is a pure function of the request (its last message and
seed), so two servers answer alike. ``--delay``: seconds per answer; ``--fail-after N``: exit after N answers
(a server dying mid-cell).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_MODEL_LEN = 512


def answer(body: dict) -> str:
    last = body["messages"][-1]["content"]
    digest = hashlib.sha256(f"{last}|{body.get('seed')}".encode()).hexdigest()[:8]
    return f"```python\nprint('PASS {digest}')\n```"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--fail-after", type=int, default=0)
    args = parser.parse_args()
    engine = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3600)"])
    print(f"server {os.getpid()} engine child {engine.pid}", flush=True)
    answered = [0]

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def reply(self, code: int, data: dict) -> None:
            payload = json.dumps(data).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self):
            if self.path == "/health":
                self.reply(200, {})
            elif self.path == "/v1/models":
                self.reply(200, {"data": [{"id": "model", "max_model_len": MAX_MODEL_LEN}]})
            else:
                self.reply(404, {"error": self.path})

        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            time.sleep(args.delay)
            if args.fail_after and answered[0] >= args.fail_after:
                os._exit(3)  # dies mid-cell, without answering
            answered[0] += 1
            text = answer(body)
            self.reply(200, {"choices": [{"index": i, "message": {"content": text}, "finish_reason": "stop"}
                                         for i in range(body.get("n", 1))],
                             "usage": {"prompt_tokens": 7, "completion_tokens": 5 * body.get("n", 1)}})

    ThreadingHTTPServer(("127.0.0.1", args.port), Handler).serve_forever()


if __name__ == "__main__":
    main()
