"""The runner that lives inside the jail (stdlib only: the project tree is not mounted there).

It is started once per jail and serves one program after another (each "load" replaces the program), as PID 1 of the jail's PID namespace, and talks to the host over
its stdin/stdout, one JSON object per line:

    host -> {"op": "load", "program": str, "kind": "stdio"|"call", "entry_point": str|null, "limits": {...}}
    runner -> {"ok": true} | {"ok": false, "verdict": "CE", "detail": "SyntaxError: ..."}
    host -> {"op": "test", "input": str} (stdio) | {"op": "test", "args": typed_json, "kwargs": typed_json}
            (optionally "trace": "line"|"block"|"function"; "result_not_none": true sends whether a non-bool
            result is not None instead of the result, for evalplus's not-None oracle)
    runner -> one raw outcome: {"status": "exited"|"signaled"|"timeout"|"output_limit", "code", "signal",
              "cpu_s", "wall_s", "memory_kb", "stdout", "stderr", "stdout_bytes", "report": {...}|null}
    host -> {"op": "quit"}

The runner never decides AC/WA: expected outputs never enter the jail, the host compares. Each test runs in a
fresh fork of the runner (which has already compiled the program and imported common modules), with its own
rlimits, stdin/stdout/stderr in memory files capped by RLIMIT_FSIZE, and a private report file (fd 3) for the
exception name or the serialized return value. Being PID 1, the runner cannot be killed from inside the
namespace (the kernel drops signals to init that it has no handler for), and ``kill(-1, SIGKILL)`` after each
test removes every process the test left behind (daemons, fork bombs).

Per-test cost is mostly the fork (page tables and copy-on-write faults, dear on a virtual machine), so the
rest is kept off the per-test path: the four memory files sit at fds 0-3 of the runner for its whole life
(emptied and rewound after each test) with their Python file objects built once, the clamped rlimits are
computed once per program, and signal dispositions are set once in the runner for the forks to inherit.
"""

import builtins
import collections
import fcntl
import gc
import io
import json
import math
import os
import resource
import select
import signal
import sys
import time

# Modules the programs commonly import, loaded once here so that each forked test starts warm. Not `random`
# (nor `statistics`, which imports it): once imported it reseeds itself from urandom in every fork, ~0.2 ms
# on each test of every program, where the few programs that use it pay ~2.5 ms to import it themselves.
for _name in ("collections", "itertools", "functools", "heapq", "bisect", "math", "re", "string", "typing",
              "fractions", "decimal", "operator", "copy", "array"):
    try:
        __import__(_name)
    except ImportError:
        pass

# The builtins plain CPython's site module adds (exit, quit, help, copyright, credits, license): contest solutions
# call exit() all the time. The runner runs with -S (no site-packages); under -S, importing site does not run its
# main(), so only these builtins are added and sys.path stays as it is.
try:
    import site as _site

    _site.setquit()
    _site.setcopyright()
    _site.sethelper()
except Exception:  # a stdlib without site still judges, as before
    pass

# Captured before any program runs, so that a program patching builtins cannot change how results are encoded.
_type, _len, _repr, _str, _sorted, _isfinite = type, len, repr, str, sorted, math.isfinite
_json_dumps = json.dumps
# The standard library's dict subclasses compare as dicts (a test expecting {"a": 2} passes a Counter, as MBPP's
# `assert f(x) == {...}` and evalplus's `==` do); they are sent as plain dicts, read with dict's own items()
# so that no method of the program's can change what is sent. Any other subclass is refused (its __eq__ is the
# program's).
_COUNTER, _ORDERED_DICT, _DEFAULT_DICT = collections.Counter, collections.OrderedDict, collections.defaultdict
_dict_items = dict.items

REPORT_FD = 3
IS_INIT = os.getpid() == 1  # PID 1 of the jail's PID namespace (false only in unsafe_local mode)
EXCERPT = 1024
TRACE_HEAD, TRACE_TAIL = 100, 100  # trace events kept: the first and the last
TRACE_CPU_SHARE = 0.8  # of the test's CPU time limit, after which tracing stops and the trace is sent
TRACE_VALUE_CHARS = 80
REPORT_GRACE_S = 0.5  # how long a timed-out test may take to report where it was before it is killed
CPU_CHECK_MARGIN_S = 0.25  # after the CPU limit, when the runner looks whether a test is stuck in C code
STACK_MB = 256  # the stack a test gets (Codeforces' 256 MB), at most its memory limit (docs/sandbox.md)
FRAME_BYTES = 1024  # one Python call counted against the stack (CPython 3.10 used ~0.5-1 KiB of C stack a call): 262,144 calls in 256 MiB
DEEP_STACK_KB = 16 << 10  # a stack over this (Linux gives 8 MiB by default) when time ran out: deep C recursion
FRAME_WALK = 20_000  # frames counted at most when reporting where a test was when its CPU time ran out
TRACE_VARIABLES = 20


class Unserializable(Exception):
    """A return value that is not plain data (a custom class, a subclass of a builtin type...)."""


def encode_strict(value, depth=0):
    """typed_json encoding that accepts exact builtin types only (no subclasses, so no custom ``__eq__``)."""
    if depth > 100:
        raise Unserializable("nested too deeply")
    t = _type(value)
    if value is None or t is bool or t is str:
        return value
    if t is int:
        return value
    if t is float:
        if _isfinite(value):
            return value
        return {"__float__": "nan" if value != value else ("inf" if value > 0 else "-inf")}
    if t is list:
        return [encode_strict(v, depth + 1) for v in value]
    if t is tuple:
        return {"__tuple__": [encode_strict(v, depth + 1) for v in value]}
    if t is set or t is frozenset:
        items = _sorted((encode_strict(v, depth + 1) for v in value), key=lambda e: _json_dumps(e, sort_keys=True))
        return {("__set__" if t is set else "__frozenset__"): items}
    if t is dict or t is _COUNTER or t is _ORDERED_DICT or t is _DEFAULT_DICT:  # identity only: nothing patchable
        return {"__dict__": [[encode_strict(k, depth + 1), encode_strict(v, depth + 1)]
                             for k, v in _dict_items(value)]}
    if t is bytes:
        import base64

        return {"__bytes__": base64.b64encode(value).decode("ascii")}
    if t is complex:
        return {"__complex__": [encode_strict(value.real, depth + 1), encode_strict(value.imag, depth + 1)]}
    raise Unserializable(f"returned a {t.__name__}, not plain data")


def decode(data):
    """typed_json decoding of the call arguments (mirror of mtcodegen.typed_json.decode)."""
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    if isinstance(data, list):
        return [decode(v) for v in data]
    ((tag, payload),) = data.items()
    if tag == "__tuple__":
        return tuple(decode(v) for v in payload)
    if tag == "__set__":
        return set(decode(v) for v in payload)
    if tag == "__frozenset__":
        return frozenset(decode(v) for v in payload)
    if tag == "__dict__":
        return {decode(k): decode(v) for k, v in payload}
    if tag == "__float__":
        return {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}[payload]
    if tag == "__bytes__":
        import base64

        return base64.b64decode(payload)
    if tag == "__complex__":
        return complex(decode(payload[0]), decode(payload[1]))
    raise ValueError(f"unknown typed_json tag {tag!r}")


def short_repr(value, limit=TRACE_VALUE_CHARS):
    """A bounded repr: reprlib cuts containers and long strings while it formats them (a full repr of a long
    list at the end of every block would cost O(n) each time), then the text is cut to ``limit``."""
    try:
        text = _trace_repr().repr(value)
    except BaseException as err:  # a hostile __repr__ must not break the trace
        text = f"<repr failed: {_type(err).__name__}>"
    return text if _len(text) <= limit else text[: limit - 3] + "..."


_REPR = None


def _trace_repr():
    global _REPR
    if _REPR is None:
        import reprlib

        _REPR = reprlib.Repr()
        _REPR.maxlevel, _REPR.maxstring, _REPR.maxother, _REPR.maxlong = 3, 60, 60, 40
        _REPR.maxlist = _REPR.maxtuple = _REPR.maxdeque = _REPR.maxarray = 8
        _REPR.maxdict = _REPR.maxset = _REPR.maxfrozenset = 6
    return _REPR


def basic_blocks(source):
    """{line: (block, statement line, first statement of its block)} from the program's AST, the basic blocks
    of its control-flow graph as LDB cuts them (staticfg): a block ends at a branch (an ``if`` test, a loop
    guard, a ``try``/``with``/``match``) and a new one starts at each branch target and join point; a loop's
    guard is a block of its own (the target of the back edge); a block ends after return/raise/break/continue.
    Functions' (and classes') bodies are blocks of their own frames. Lines of one statement map to it."""
    import ast

    tree = ast.parse(source)
    table, counter = {}, iter(range(1 << 30))

    def mark(first, last, block, statement, leader):
        for line in range(first, max(first, last) + 1):
            table[line] = (block, statement, leader and line == first)

    def header_end(stmt, body):
        return max(stmt.lineno, body[0].lineno - 1) if body else stmt.end_lineno

    def sequence(stmts):
        block, leader = next(counter), True
        for stmt in stmts:
            if isinstance(stmt, (ast.For, ast.AsyncFor, ast.While)):  # the guard: a block of its own
                mark(stmt.lineno, header_end(stmt, stmt.body), next(counter), stmt.lineno, True)
                sequence(stmt.body)
                if stmt.orelse:
                    sequence(stmt.orelse)
                block, leader = next(counter), True
                continue
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                first = min([d.lineno for d in stmt.decorator_list] + [stmt.lineno])
                mark(first, header_end(stmt, stmt.body), block, first, leader)
                leader = False
                sequence(stmt.body)  # another frame
                continue
            compound = hasattr(stmt, "body") and isinstance(getattr(stmt, "body"), list)
            mark(stmt.lineno, header_end(stmt, stmt.body) if compound else stmt.end_lineno, block, stmt.lineno, leader)
            leader = False
            if isinstance(stmt, ast.If):
                sequence(stmt.body)
                if stmt.orelse:
                    sequence(stmt.orelse)
            elif isinstance(stmt, (ast.With, ast.AsyncWith)):  # __exit__ may swallow an exception: a branch
                sequence(stmt.body)
            elif isinstance(stmt, ast.Try) or _type(stmt).__name__ == "TryStar":
                sequence(stmt.body)
                for handler in stmt.handlers:
                    mark(handler.lineno, header_end(handler, handler.body), next(counter), handler.lineno, True)
                    sequence(handler.body)
                for part in (stmt.orelse, stmt.finalbody):
                    if part:
                        sequence(part)
            elif _type(stmt).__name__ == "Match":
                for case in stmt.cases:
                    sequence(case.body)
            elif not isinstance(stmt, (ast.Return, ast.Raise, ast.Break, ast.Continue)):
                continue
            block, leader = next(counter), True

    sequence(tree.body)
    return table


# Frames whose lines belong to the statement around them (they would only repeat its line).
_INLINE_FRAMES = frozenset({"<listcomp>", "<dictcomp>", "<setcomp>", "<genexpr>", "<lambda>"})


class Tracer:
    """LDB-style trace of the program's own code (docs/sandbox.md, "Traces"). ``block``: one event per executed
    basic block (``basic_blocks``) with the lines it ran and the variables at its END (the last block's are
    the values when its frame returns); ``line``: the same with every statement a block of its own;
    ``function``: each call (arguments) and return (value and the variables then), and for a plain script
    the variables at its end. The first TRACE_HEAD and the last TRACE_TAIL events are kept (the middle is
    counted), so the end of the run is always there; tracing stops (and the trace is sent) when the test
    has used TRACE_CPU_SHARE of its CPU time, so that a traced endless loop still reports."""

    def __init__(self, granularity, report, source="", skip_module=False, cpu_budget_s=None, wall_deadline=None):
        import collections
        import types

        self.granularity, self.report, self.skip_module = granularity, report, skip_module
        self.lines = source.splitlines()
        try:
            self.blocks = basic_blocks(source) if granularity != "function" else {}
        except (SyntaxError, ValueError, RecursionError, MemoryError):  # it compiled, so this is rare: lines
            self.blocks = {}
        self.head, self.tail = [], collections.deque(maxlen=TRACE_TAIL)
        self.count, self.truncated, self.stopped = 0, False, None
        self.open = {}  # id(frame) -> [frame, block, statement, event]
        self.cpu_budget_s, self.wall_deadline = cpu_budget_s, wall_deadline
        self._plain = (types.ModuleType, types.FunctionType, types.BuiltinFunctionType, type)

    def _locals(self, frame):
        items = [(k, v) for k, v in frame.f_locals.items()
                 if not k.startswith("__") and not isinstance(v, self._plain)]
        return {k: short_repr(v) for k, v in items[:TRACE_VARIABLES]}

    def _add(self, event):
        event["index"] = self.count
        self.count += 1
        if _len(self.head) < TRACE_HEAD:
            self.head.append(event)
        else:
            self.tail.append(event)
        if self.count % 64 == 0 and (
                (self.cpu_budget_s is not None and time.process_time() > self.cpu_budget_s)
                or (self.wall_deadline is not None and time.monotonic() > self.wall_deadline)):
            self.stop("time")
        return event

    def stop(self, why):
        """Stop tracing (the program runs on untraced) and send what was seen, open blocks with their
        variables as they are now."""
        self.stopped, self.truncated = why, True
        sys.settrace(None)
        for frame, _, _, event in self.open.values():
            if event is not None and "locals" not in event:
                event["locals"], event["unfinished"] = self._locals(frame), True
        self.flush()

    def flush(self):
        events = self.head + list(self.tail)
        self.truncated = self.truncated or self.count > _len(events)
        self.report({"trace": {"events": events, "truncated": self.truncated, "total": self.count,
                               "omitted": self.count - _len(events), "stopped": self.stopped}})

    def _code(self, lines):
        text = [self.lines[n - 1].rstrip() if 0 < n <= _len(self.lines) else "" for n in lines]
        return text if _len(text) <= 8 else text[:4] + ["..."] + text[-3:]

    def _end_block(self, state, frame):
        event = state[3]
        if event is not None:
            event["code"] = self._code(event["lines"])
            event["locals"] = self._locals(frame)
            state[3] = None

    def __call__(self, frame, event, arg):
        if self.stopped is not None or frame.f_code.co_filename != "<solution>":
            return None
        name = frame.f_code.co_name
        if event == "call":
            if name in _INLINE_FRAMES or (self.skip_module and name == "<module>"):
                return None  # a call problem's module only defines things: LDB traces the entry function
            self.open[id(frame)] = [frame, None, None, None]
            if self.granularity == "function" and name != "<module>":
                self._add({"event": "call", "function": name, "line": frame.f_lineno, "locals": self._locals(frame)})
            return self
        state = self.open.get(id(frame))
        if state is None:
            return None
        if event == "line":
            if self.granularity == "function":
                return self
            line = frame.f_lineno
            block, statement, leader = self.blocks.get(line, (("line", line), line, True))
            if self.granularity == "line":  # every statement a block of its own
                block, leader = statement, statement != state[2]
            current = state[3]
            if current is None or block != state[1] or (leader and statement != state[2]):
                self._end_block(state, frame)
                state[1] = block
                state[3] = self._add({"function": name, "line": line, "lines": [line]})
            elif line not in current["lines"]:
                current["lines"].append(line)
            state[2] = statement
        elif event == "exception":
            if state[3] is not None:
                state[3]["raised"] = getattr(arg[0], "__name__", "exception")
        elif event == "return":
            del self.open[id(frame)]
            if self.granularity == "function":
                if name == "<module>":
                    values = self._locals(frame)
                    if values:
                        self._add({"event": "end", "function": name, "line": frame.f_lineno, "locals": values})
                else:
                    self._add({"event": "return", "function": name, "line": frame.f_lineno,
                               "value": short_repr(arg), "locals": self._locals(frame)})
            else:
                current = state[3]
                self._end_block(state, frame)
                if current is not None and name != "<module>":
                    current["returns"] = short_repr(arg)
        return self


class Streams:
    """The test's stdin, stdout, stderr and report files: memory files at fds 0-3 of the runner, created once.
    A forked test inherits them in place, and with them file objects built here once (the runner never uses
    them, so the forks always get them fresh). The test shares their file offsets with the runner: ``reset``
    rewinds and empties all four before the next test, whatever the last one did to them."""

    COUNT = 4

    def __init__(self):
        for fd, name in enumerate(("stdin", "stdout", "stderr", "report")):
            memfd = os.memfd_create(name, 0)
            if memfd != fd:
                os.dup2(memfd, fd)
                os.close(memfd)
        self.sizes = [0] * self.COUNT
        self.stdin = io.TextIOWrapper(open(0, "rb", buffering=1 << 16, closefd=False), encoding="utf-8",
                                      errors="replace")
        self.stdout = io.TextIOWrapper(open(1, "wb", buffering=1 << 16, closefd=False), encoding="utf-8",
                                       write_through=False)
        self.stderr = io.TextIOWrapper(open(2, "wb", buffering=1 << 16, closefd=False), encoding="utf-8",
                                       errors="backslashreplace", line_buffering=True)
        self.report = open(REPORT_FD, "wb", buffering=0, closefd=False)

    def reset(self, stdin_data):
        for fd in range(self.COUNT):
            fcntl.fcntl(fd, fcntl.F_SETFL, 0)  # status flags live in the shared file too (O_APPEND, O_NONBLOCK)
            if self.sizes[fd]:
                os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
        if stdin_data:
            os.pwrite(0, stdin_data, 0)
        self.sizes[0] = len(stdin_data)

    def read(self, cap):
        """(sizes, contents) of stdout, stderr and report, at most cap + 1 bytes each; remembers every size
        (the test may have written to its stdin file too) for the next reset."""
        sizes, contents = [], []
        for fd in range(self.COUNT):
            size = os.fstat(fd).st_size
            self.sizes[fd] = size
            if fd:
                sizes.append(size)
                contents.append(os.pread(fd, min(size, cap + 1), 0) if size else b"")
        return sizes, contents


class Runner:
    def __init__(self, channel_in, channel_out, streams):
        self.channel_in, self.channel_out = channel_in, channel_out
        self.streams = streams
        self.code = None
        self._pending = b""

    def send(self, message):
        self.channel_out.write((json.dumps(message) + "\n").encode())
        self.channel_out.flush()

    def serve(self):
        """Answer messages in order. The host pipelines tests (sends several ahead); an "abort" cancels those
        still queued (each gets {"skipped": true}), so stopping at a first failure costs at most the test that
        was already running."""
        queue = []
        while True:
            if not self._fill(queue, block=not queue) and not queue:
                return  # the host closed the channel
            message = queue.pop(0)
            op = message["op"]
            if op == "quit":
                return
            if op == "abort":
                continue
            if op == "test" and any(m["op"] == "abort" for m in queue):
                self.send({"skipped": True})
            elif op == "load":
                self.send(self.load(message))
            elif op == "test":
                self.send(self.run_test(message))
            else:
                self.send({"ok": False, "verdict": "IE", "detail": f"unknown op {op!r}"})

    def _fill(self, queue, block):
        """Parse every complete message waiting on the channel (with ``block``, wait for at least one).
        False at end of input."""
        fd = self.channel_in.fileno()
        while True:
            if not block and not select.select([fd], [], [], 0)[0]:
                return True
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                return False
            self._pending += chunk
            *lines, self._pending = self._pending.split(b"\n")
            queue.extend(json.loads(line) for line in lines if line.strip())
            if queue:
                block = False

    def load(self, message):
        self.kind, self.entry_point, self.limits = message["kind"], message.get("entry_point"), message["limits"]
        try:
            self.code = compile(message["program"], "<solution>", "exec", dont_inherit=True)
            self.source = message["program"]
        except (SyntaxError, ValueError, OverflowError, RecursionError, MemoryError) as err:
            detail = f"{_type(err).__name__}: {err}"
            return {"ok": False, "verdict": "CE", "detail": detail[:EXCERPT]}
        self.baseline = _address_space_bytes()
        self.rlimits = self.test_rlimits()
        gc.freeze()  # forks then share the runner's objects without the collector copying their pages
        return {"ok": True}

    # -- one test ---------------------------------------------------------------------------------------
    def run_test(self, message):
        # stdin, stdout, stderr and the report channel are memory files, not pipes: the test never blocks on a
        # full pipe, so the runner sleeps until the test ends or its time is up (one wake-up per test), and a
        # daemon holding stdout open cannot hold the runner. RLIMIT_FSIZE caps what each file can take.
        self.streams.reset(message.get("input", "").encode())
        started = time.monotonic()
        pid = os.fork()
        if pid == 0:  # the test process: never returns
            try:
                self.child(message)
            finally:
                os._exit(120)
        return self.supervise(pid, started, self.limits)

    def supervise(self, pid, started, limits):
        cap = limits["output_kb"] * 1024
        pidfd = os.pidfd_open(pid)
        killed, stack_kb = None, None
        # The test ends itself when its CPU time is spent (arm_cpu_timer) unless it is stuck inside C code; look
        # once shortly after that point, then at the wall timer; a test killed here is measured first.
        check_at = min(limits["wall_s"], limits["time_s"] + CPU_CHECK_MARGIN_S)
        for deadline, final in ((check_at, False), (limits["wall_s"], True)):
            if select.select([pidfd], [], [], max(0.0, deadline - (time.monotonic() - started)))[0]:
                break
            cpu = _cpu_seconds(pid)
            if final or (cpu is not None and cpu > limits["time_s"]):
                stack_kb, killed = _stack_kb(pid), "timeout"
                # Python code (a small stack): its own handler reports where it is and ends it (arm_cpu_timer).
                if (stack_kb or 0) <= DEEP_STACK_KB:
                    os.kill(pid, signal.SIGPROF)
                    if select.select([pidfd], [], [], REPORT_GRACE_S)[0]:
                        break
                os.kill(pid, signal.SIGKILL)
                break
        _, status, rusage = os.wait4(pid, 0)
        wall = time.monotonic() - started
        os.close(pidfd)
        self.kill_leftovers(pid)  # before reading: nothing writes to the files any more
        sizes, contents = self.streams.read(cap)
        clear_scratch()
        signaled = os.WIFSIGNALED(status)
        if killed is None and (sizes[0] + sizes[1] > cap or sizes[2] > cap
                               or (signaled and os.WTERMSIG(status) == signal.SIGXFSZ)):
            killed = "output_limit"
        outcome = {
            "status": killed or ("signaled" if signaled else "exited"),
            "code": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
            "signal": os.WTERMSIG(status) if signaled else None,
            "cpu_s": round(rusage.ru_utime + rusage.ru_stime, 4),
            "wall_s": round(wall, 4),
            "memory_kb": rusage.ru_maxrss,
            "stdout": contents[0][:cap].decode("utf-8", "replace"),
            "stderr": contents[1][-EXCERPT:].decode("utf-8", "replace"),
            "stdout_bytes": sizes[0],
            "report": None,
        }
        if stack_kb is not None:
            outcome["stack_kb"] = stack_kb
        # The report file holds JSON lines; the last result line wins, trace lines are collected.
        for line in contents[2].split(b"\n"):
            try:
                item = json.loads(line)
            except ValueError:
                continue
            if _type(item) is not dict:
                continue
            if "trace" in item:
                outcome["trace"] = item["trace"]
            else:
                outcome["report"] = item
        return outcome

    @staticmethod
    def kill_leftovers(pid):
        """In the jail (PID 1) kill(-1) reaches every other process of the jail, however it detached; then
        reap them all. Outside a jail (unsafe_local) only the test's process group can be killed: kill(-1)
        there would hit every process of the user."""
        if IS_INIT:
            try:
                os.kill(-1, signal.SIGKILL)
            except ProcessLookupError:
                pass
        else:
            try:
                os.killpg(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        while True:
            try:
                reaped, _ = os.waitpid(-1, 0 if IS_INIT else os.WNOHANG)
            except ChildProcessError:
                return
            if reaped == 0:
                return

    # -- inside the forked test process -------------------------------------------------------------------
    def child(self, message):
        os.closerange(REPORT_FD + 1, 1 << 16)  # the channel to the host and anything else of the runner's
        if not IS_INIT:
            os.setpgid(0, 0)
        for which, value in self.rlimits:
            try:
                resource.setrlimit(which, (value, value))
            except (ValueError, OSError):
                pass
        streams = self.streams
        report_file = streams.report

        def report(item):
            try:
                report_file.write((_json_dumps(item) + "\n").encode())
            except BaseException:
                pass

        sys.stdin, sys.stdout, sys.stderr = streams.stdin, streams.stdout, streams.stderr
        sys.argv = ["solution.py"]
        tracer = None
        if message.get("trace"):
            tracer = Tracer(message["trace"], report, self.source, skip_module=self.kind == "call",
                            cpu_budget_s=TRACE_CPU_SHARE * self.limits["time_s"],
                            wall_deadline=time.monotonic() + TRACE_CPU_SHARE * self.limits["wall_s"])
        namespace = {"__name__": "__main__" if self.kind == "stdio" else "solution", "__builtins__": builtins}
        self.cap_recursion()
        self.arm_cpu_timer(report, tracer)
        code = 0
        try:
            if tracer:
                sys.settrace(tracer)
            exec(self.code, namespace)
            if self.kind == "call":
                function = namespace.get(self.entry_point)
                if not callable(function):
                    sys.settrace(None)
                    report({"missing": self.entry_point})
                    self.finish(1, tracer)
                args = decode(message["args"])
                kwargs = decode(message["kwargs"])
                result = function(*args, **kwargs)
                sys.settrace(None)
                if message.get("result_not_none") and _type(result) is not bool:
                    result = result is not None  # evalplus's not-None oracle: a re.Match is no plain data
                try:
                    report({"result": encode_strict(result)})
                except Unserializable as err:
                    report({"unserializable": _str(err)})
                except RecursionError:
                    report({"unserializable": "nested too deeply"})
        except SystemExit as exit_:
            sys.settrace(None)
            if self.kind == "call":  # exiting is never a way to return a value
                report({"exception": "SystemExit", "message": _str(exit_.code)[:200]})
                code = 1
            else:
                code = exit_.code if _type(exit_.code) is int else (0 if exit_.code is None else 1)
                if _type(exit_.code) is str:
                    sys.stderr.write(exit_.code + "\n")
        except BaseException as err:
            sys.settrace(None)
            name = _type(err).__name__
            report({"exception": name, "message": _str(err)[:200]})
            try:
                if name == "MemoryError":  # no memory left to format a traceback, often after deep recursion
                    raise StopIteration
                import traceback

                # A million-frame RecursionError would take seconds to format in full: its first frames show it.
                traceback.print_exc(limit=12 if name == "RecursionError" else None)
            except BaseException:
                pass
            code = 1
        self.finish(code, tracer)

    def cap_recursion(self):
        """The stack limit for Python calls too. CPython 3.11 keeps Python frames on the heap, so a program that
        sets sys.setrecursionlimit(10**8) and recurses without end would grow for many seconds (until memory
        runs out, then unwinding millions of frames) and end as a bare TLE. Its recursion limit is capped at
        the depth a stack of STACK_MB (at most the memory limit) holds at FRAME_BYTES a call: deep recursion
        then ends at once in RecursionError, as it would on a judge whose stack is 256 MB."""
        cap = (min(STACK_MB, self.limits["memory_mb"]) << 20) // FRAME_BYTES
        real = sys.setrecursionlimit

        def setrecursionlimit(limit):
            real(min(limit, cap) if _type(limit) is int else limit)

        sys.setrecursionlimit = setrecursionlimit

    def arm_cpu_timer(self, report, tracer):
        """When the test's CPU time is spent, report where it was (the program's innermost line, how many of
        its calls deep) and end it: a TLE then says what happened (an endless loop at line 7, a recursion
        1,700,000 calls deep) and comes at the limit, not at the wall timer. The handler runs between
        bytecodes, so a test stuck inside C code is caught by the runner instead (supervise)."""
        def on_cpu_limit(signum, frame):
            sys.settrace(None)
            # The frame argument can be None (seen with Debian's 3.11.2 inside a builtin): start from our caller.
            depth, top, where = 0, None, frame if frame is not None else sys._getframe().f_back
            while where is not None and depth < FRAME_WALK:
                if where.f_code.co_filename == "<solution>":
                    depth += 1
                    if top is None:
                        top = where
                where = where.f_back
            if tracer is not None and tracer.stopped is None:
                tracer.stop("time")
            report({"timeout": {"depth": depth, "capped": where is not None, "line": top.f_lineno if top else None,
                                "function": top.f_code.co_name if top else None}})
            os._exit(124)

        try:
            signal.signal(signal.SIGPROF, on_cpu_limit)
            signal.setitimer(signal.ITIMER_PROF, float(self.limits["time_s"]))
        except (ValueError, OSError):
            pass

    def finish(self, code, tracer):
        if tracer and tracer.stopped is None:
            tracer.flush()
        threading = sys.modules.get("threading")
        if self.kind == "stdio" and threading is not None:
            try:  # as at interpreter exit: wait for the program's non-daemon threads
                threading._shutdown()
            except BaseException:
                pass
        try:
            sys.stdout.flush()
        except BaseException:
            code = code or 1
        try:
            sys.stderr.flush()
        except BaseException:
            pass
        os._exit(code & 0xFF)

    def test_rlimits(self):
        """The (resource, value) pairs each test sets on itself, clamped to the jail's hard limits (computed
        once per program: the forks only call setrlimit)."""
        limits = self.limits
        memory = limits["memory_mb"] << 20
        settings = [
            (resource.RLIMIT_AS, memory + self.baseline),
            (resource.RLIMIT_CPU, limits["cpu_rlimit_s"]),
            (resource.RLIMIT_NPROC, limits["processes"]),
            # Every file, stdout/stderr/the report included, stops at the output limit (SIGXFSZ -> OLE).
            (resource.RLIMIT_FSIZE, limits["output_kb"] * 1024 + 1),
        ]
        clamped = []
        for which, value in settings:
            try:
                hard = resource.getrlimit(which)[1]
            except (ValueError, OSError):
                continue
            clamped.append((which, value if hard == resource.RLIM_INFINITY else min(value, hard)))
        # The stack: 256 MiB as on Codeforces, never more than the memory limit (not clamped: raising it past a
        # lower hard limit fails and is skipped). Python 3.11 keeps Python frames on the heap, so this bounds
        # recursion in C (repr, ==, pickle of deeply nested values); Python recursion is bounded by the memory
        # and the time limit, and a TLE says how deep it was (on_cpu_limit).
        return clamped + [(resource.RLIMIT_STACK, min(STACK_MB << 20, memory))]


def clear_scratch(directory="/tmp"):
    """Empty the jail's private /tmp after each test, so that no test (or later program) sees another's files.
    Only in the jail: outside it (unsafe_local) /tmp is the host's."""
    if not IS_INIT:
        return
    import shutil

    try:
        names = os.listdir(directory)
    except OSError:
        return
    for name in names:
        path = os.path.join(directory, name)
        try:
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path, ignore_errors=True)
            else:
                os.unlink(path)
        except OSError:
            pass


def _cpu_seconds(pid):
    """User + system CPU seconds of a running process (None when it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def _stack_kb(pid):
    """The size of a running process's stack (VmStk), in KiB."""
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmStk:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def _address_space_bytes():
    """The runner's own virtual size, inherited by every fork: the memory limit is counted on top of it."""
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 64 << 20


def _set_not_dumpable():
    """Processes of the same uid could otherwise read and write the runner's memory via /proc/1/mem."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 4
    except (OSError, AttributeError):
        pass


def main():
    # The channels and the runner's own stderr (which reaches the host through nsjail) move above fd 3:
    # fds 0-3 become the tests' stream files.
    channel_in = os.fdopen(fcntl.fcntl(0, fcntl.F_DUPFD_CLOEXEC, 10), "rb", buffering=0)
    channel_out = os.fdopen(fcntl.fcntl(1, fcntl.F_DUPFD_CLOEXEC, 10), "wb")
    sys.stderr = os.fdopen(fcntl.fcntl(2, fcntl.F_DUPFD_CLOEXEC, 10), "w")
    streams = Streams()
    _set_not_dumpable()
    for which, value in ((resource.RLIMIT_CORE, 0), (resource.RLIMIT_NOFILE, 256)):  # the same for every test
        try:
            resource.setrlimit(which, (value, value))
        except (ValueError, OSError):
            pass
    # Default dispositions, set once here for every fork to inherit (Python ignores SIGPIPE and SIGXFSZ and
    # handles SIGINT). The runner itself stays safe as init: the kernel drops signals sent from inside the
    # namespace to an init that has no handler for them, so a test cannot kill or stop it.
    for sig in (signal.SIGINT, signal.SIGPIPE, signal.SIGXFSZ):
        signal.signal(sig, signal.SIG_DFL)
    if not IS_INIT:
        try:  # unsafe_local: adopt the orphans of the tests so that they can be reaped
            import ctypes

            ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
        except (OSError, AttributeError):
            pass
    Runner(channel_in, channel_out, streams).serve()


if __name__ == "__main__":
    main()
