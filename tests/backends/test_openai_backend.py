"""The OpenAI-compatible backend against a fake server on 127.0.0.1 started by the test."""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from mtcodegen.generate.backends import SamplingParams
from mtcodegen.generate.backends.openai_backend import OpenAIBackend, OpenAIBackendError


class FakeServer:
    """Answers /v1/chat/completions; ``script`` holds what to do for the next requests: an HTTP status, or
    ("sleep", seconds) to stall past the client's timeout; afterwards it answers 200."""

    def __init__(self):
        self.requests, self.headers, self.script = [], [], []
        self.in_flight = self.max_in_flight = 0
        self.delay_s = 0.0
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with server.lock:
                    server.requests.append(body)
                    server.headers.append(dict(self.headers))
                    action = server.script.pop(0) if server.script else 200
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                try:
                    if isinstance(action, tuple):
                        time.sleep(action[1])
                        action = 200
                    time.sleep(server.delay_s)
                    if action != 200:
                        self.send_response(action)
                        self.end_headers()
                        self.wfile.write(b'{"error": "scripted failure"}')
                        return
                    last = body["messages"][-1]["content"]
                    reply = {
                        "choices": [{"index": i, "message": {"role": "assistant", "content": f"{last}#{i}"},
                                     "finish_reason": "stop" if i == 0 else "length"} for i in range(body["n"])],
                        "usage": {"prompt_tokens": 7, "completion_tokens": 5 * body["n"] + 1},
                    }
                    data = json.dumps(reply).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client timed out and left
                finally:
                    with server.lock:
                        server.in_flight -= 1

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    fake = FakeServer()
    yield fake
    fake.close()


def backend(server, **options):
    options = {"max_retries": 3, "backoff_s": 0.01, "timeout_s": 5.0, **options}
    return OpenAIBackend(server.base_url, model="test-model", **options)


def conv(text):
    return [{"role": "system", "content": "sys"}, {"role": "user", "content": text}]


def test_batch_in_order_with_n_seed_and_usage(server):
    with backend(server) as b:
        out = b.chat([conv("a"), conv("b")], [SamplingParams(n=2, seed=11, max_tokens=9, stop=("```",)),
                                              SamplingParams(n=1, seed=12)])
    assert [[c.text for c in row] for row in out] == [["a#0", "a#1"], ["b#0"]]
    assert [c.finish_reason for c in out[0]] == ["stop", "length"]
    assert [c.completion_tokens for c in out[0]] == [6, 5]  # 11 tokens over 2 choices
    assert all(c.prompt_tokens == 7 for row in out for c in row)
    by_text = {r["messages"][-1]["content"]: r for r in server.requests}
    assert by_text["a"]["n"] == 2 and by_text["a"]["seed"] == 11 and by_text["a"]["stop"] == ["```"]
    assert by_text["a"]["max_tokens"] == 9 and by_text["a"]["model"] == "test-model"
    assert by_text["b"]["seed"] == 12 and "stop" not in by_text["b"]


def test_500_then_200_is_retried(server, caplog):
    server.script = [500, 503]
    with backend(server) as b, caplog.at_level(logging.WARNING):
        out = b.chat([conv("x")], [SamplingParams()])
    assert out[0][0].text == "x#0"
    assert len(server.requests) == 3
    assert "HTTP 500; retry 1/3" in caplog.text and "HTTP 503; retry 2/3" in caplog.text


def test_429_is_retried(server):
    server.script = [429]
    with backend(server) as b:
        assert b.chat([conv("x")], [SamplingParams()])[0][0].text == "x#0"
    assert len(server.requests) == 2


def test_timeout_is_retried_then_succeeds(server):
    server.script = [("sleep", 1.0)]
    with backend(server, timeout_s=0.3) as b:
        started = time.time()
        assert b.chat([conv("slow")], [SamplingParams()])[0][0].text == "slow#0"
    assert len(server.requests) == 2 and time.time() - started < 3


def test_persistent_timeout_ends_that_conversation_only(server, caplog):
    server.script = [("sleep", 1.0)] * 3
    with backend(server, timeout_s=0.2, max_retries=2, max_concurrency=1) as b, caplog.at_level(logging.ERROR):
        out = b.chat([conv("x"), conv("y")], [SamplingParams(n=2), SamplingParams()])
    assert [(c.text, c.finish_reason, c.completion_tokens) for c in out[0]] == [("", "error", 0)] * 2
    assert out[1][0].text == "y#0"  # the rest of the batch is kept
    assert re.search(r"gave up after 3 tries \(.*time", caplog.text)


def test_client_error_is_not_retried(server):
    server.script = [400]
    with backend(server) as b:
        with pytest.raises(OpenAIBackendError, match="HTTP 400: .*scripted failure"):
            b.chat([conv("x")], [SamplingParams()])
    assert len(server.requests) == 1


def test_concurrency_is_bounded(server):
    server.delay_s = 0.3
    with backend(server, max_concurrency=3) as b:
        out = b.chat([conv(str(i)) for i in range(9)], [SamplingParams()] * 9)
    assert [row[0].text for row in out] == [f"{i}#0" for i in range(9)]  # order kept
    assert 2 <= server.max_in_flight <= 3  # concurrent, never above the bound (3 unless the machine stalls)


def test_api_key_sent_from_the_named_variable_and_never_logged(server, monkeypatch, caplog):
    monkeypatch.setenv("MY_TEST_KEY", "sk-very-secret")
    server.script = [500]
    with caplog.at_level(logging.DEBUG), backend(server, api_key_env="MY_TEST_KEY") as b:
        b.chat([conv("x")], [SamplingParams()])
    assert server.headers[0]["Authorization"] == "Bearer sk-very-secret"
    assert "sk-very-secret" not in caplog.text and "MY_TEST_KEY" in caplog.text


def test_missing_api_key_variable_is_named(server, monkeypatch):
    monkeypatch.delenv("ABSENT_KEY_VAR", raising=False)
    with pytest.raises(ValueError, match="ABSENT_KEY_VAR is not set"):
        backend(server, api_key_env="ABSENT_KEY_VAR")


def test_mismatched_lengths(server):
    with backend(server) as b, pytest.raises(ValueError, match="2 conversations but 1 sampling"):
        b.chat([conv("a"), conv("b")], [SamplingParams()])
