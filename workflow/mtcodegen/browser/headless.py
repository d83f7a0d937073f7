"""Headless Chromium driven through the DevTools protocol on a pipe (``--remote-debugging-pipe``): what the
browser tests and benchmarks/browser_load.py use to open pages, act on them and take screenshots.

Why a pipe and not selenium or playwright: Debian's ``chromium`` is all it needs (no driver binary, no npm, no
PyPI package, no port on the network). Messages are JSON, each ended by a NUL byte: commands on the browser's
fd 3, replies and events on its fd 4 (chromium's remote_debugging_pipe).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

# The brief's flags: no sandbox (containers have no user namespaces for it), no GPU, and nothing that reaches
# the network on its own (QUIC, background fetches, component updates, sync), in a fresh profile.
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--hide-scrollbars", "--mute-audio")


class BrowserError(RuntimeError):
    pass


def find_chromium() -> str | None:
    """The Chromium binary: $CHROMIUM, else the first of chromium / chromium-browser / google-chrome on PATH."""
    if os.environ.get("CHROMIUM"):
        return os.environ["CHROMIUM"]
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


class Chromium:
    """One headless browser with one page. ``with Chromium() as browser: browser.open(path) ...``"""

    def __init__(self, binary: str | None = None, width: int = 1400, height: int = 900, timeout_s: float = 60.0,
                 extra_flags: tuple[str, ...] = ()):
        self.binary = binary or find_chromium()
        if not self.binary:
            raise BrowserError("no Chromium found (apt-get install chromium, or set $CHROMIUM)")
        self.width, self.height, self.timeout_s = width, height, timeout_s
        self.profile = tempfile.mkdtemp(prefix="mtcodegen-chromium-")
        self._next_id = 0
        self._buffer = b""
        self.events: list[dict[str, Any]] = []
        self.console: list[str] = []
        to_browser_r, to_browser_w = os.pipe()
        from_browser_r, from_browser_w = os.pipe()

        def child_fds() -> None:  # runs in the child before exec: the pipe ends become its fds 3 and 4
            read_end, write_end = os.dup(to_browser_r), os.dup(from_browser_w)  # dup: inheritable copies
            os.dup2(read_end, 3)
            os.dup2(write_end, 4)

        self._stderr = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [self.binary, *FLAGS, *extra_flags, "--remote-debugging-pipe", f"--user-data-dir={self.profile}",
             f"--window-size={width},{height}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self._stderr,
            close_fds=False, preexec_fn=child_fds)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._out = os.fdopen(to_browser_w, "wb", buffering=0)
        self._in = os.fdopen(from_browser_r, "rb", buffering=0)
        try:
            targets = self.send("Target.getTargets")["targetInfos"]
            page = next(t for t in targets if t["type"] == "page")
            self.session = self.send("Target.attachToTarget", {"targetId": page["targetId"], "flatten": True},
                                     session=False)["sessionId"]
            for domain in ("Page", "Runtime", "Log"):
                self.send(f"{domain}.enable")
            self.send("Emulation.setDeviceMetricsOverride",
                      {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
        except BaseException:
            self.close()
            raise

    # -- protocol --------------------------------------------------------------------------------------------
    def send(self, method: str, params: dict[str, Any] | None = None, session: bool = True) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session and getattr(self, "session", None):
            message["sessionId"] = self.session
        try:
            self._out.write(json.dumps(message).encode() + b"\0")
        except BrokenPipeError:
            raise BrowserError(f"Chromium exited: {self._stderr_tail()}") from None
        while True:
            reply = self._read()
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise BrowserError(f"{method}: {reply['error'].get('message')}")
                return reply.get("result", {})
            self._event(reply)

    def _read(self) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            chunk = self._in.read(1 << 20)
            if not chunk:
                raise BrowserError(f"Chromium closed its pipe: {self._stderr_tail()}")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def _event(self, event: dict[str, Any]) -> None:
        method = event.get("method", "")
        if method == "Runtime.consoleAPICalled":
            args = event["params"].get("args", [])
            self.console.append(" ".join(str(a.get("value", a.get("description", ""))) for a in args))
        elif method == "Runtime.exceptionThrown":
            details = event["params"]["exceptionDetails"]
            self.console.append("exception: " + str(details.get("exception", {}).get("description") or details.get("text")))
        elif method == "Log.entryAdded":
            entry = event["params"]["entry"]
            self.console.append(f"{entry.get('level')}: {entry.get('text')}")
        self.events.append(event)
        del self.events[:-200]

    def _stderr_tail(self) -> str:
        self._stderr.seek(0)
        return self._stderr.read()[-2000:].decode(errors="replace")

    # -- page ------------------------------------------------------------------------------------------------
    def evaluate(self, expression: str, await_promise: bool = False) -> Any:
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                 "awaitPromise": await_promise})
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            raise BrowserError(f"page error in {expression[:80]!r}: "
                               f"{details.get('exception', {}).get('description') or details.get('text')}")
        return result["result"].get("value")

    def open(self, target: str | os.PathLike, fragment: str = "") -> float:
        """Navigate to a file (or URL) and wait for its load event; return the seconds it took."""
        url = target if str(target).startswith(("file:", "http:", "https:", "about:", "data:")) else \
            Path(target).resolve().as_uri()
        # From a blank page, so that opening the same file with another fragment is a new load, not a hash change.
        self.send("Page.navigate", {"url": "about:blank"})
        self.wait_for("document.readyState === 'complete' && location.href === 'about:blank'")
        started = time.perf_counter()
        self.send("Page.navigate", {"url": url + (f"#{fragment}" if fragment else "")})
        self.wait_for("document.readyState === 'complete'")
        return time.perf_counter() - started

    def wait_for(self, expression: str, timeout_s: float | None = None, interval_s: float = 0.01) -> Any:
        """Poll a JavaScript expression until it is truthy; return its value."""
        deadline = time.monotonic() + (timeout_s or self.timeout_s)
        while True:
            value = self.evaluate(f"(function(){{try{{return ({expression});}}catch(e){{return null;}}}})()")
            if value:
                return value
            if time.monotonic() > deadline:
                raise BrowserError(f"timed out waiting for {expression!r}; console: {self.console[-10:]}")
            time.sleep(interval_s)

    def click(self, selector: str) -> None:
        """Click the first element matching a CSS selector (a real mouse event at its centre)."""
        box = self.evaluate(
            f"(function(){{var e=document.querySelector({json.dumps(selector)}); if(!e) return null;"
            "e.scrollIntoView({block:'center'}); var r=e.getBoundingClientRect();"
            "return [r.left + r.width/2, r.top + r.height/2];})()")
        if not box:
            raise BrowserError(f"no element matches {selector!r}")
        self.click_at(*box)

    def click_at(self, x: float, y: float) -> None:
        for kind in ("mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1})

    def screenshot(self, path: str | os.PathLike, full_page: bool = False) -> Path:
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            metrics = self.send("Page.getLayoutMetrics")["cssContentSize"]
            params["clip"] = {"x": 0, "y": 0, "width": metrics["width"], "height": min(metrics["height"], 8000),
                              "scale": 1}
            params["captureBeyondViewport"] = True
        data = self.send("Page.captureScreenshot", params)["data"]
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path

    def close(self) -> None:
        try:
            if self.process.poll() is None:
                try:
                    self._out.write(json.dumps({"id": 0, "method": "Browser.close"}).encode() + b"\0")
                except OSError:
                    pass
                try:
                    self.process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
        finally:
            for handle in (getattr(self, "_out", None), getattr(self, "_in", None)):
                try:
                    handle and handle.close()
                except OSError:
                    pass
            self._stderr.close()
            shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
