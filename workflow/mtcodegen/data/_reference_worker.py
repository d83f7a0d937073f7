"""Runs trusted dataset code (a reference solution and its check) in its own process; see reference.py.

Invoked as ``python -m mtcodegen.data._reference_worker REQUEST.json RESULT.json``. The request holds
``code`` (the reference solution, with any setup code), ``entry_point`` and one of:
  ``calls``: typed_json list of [args, kwargs]  -> result ``{"results": [value, ...]}``; with
      ``max_result_chars``, each value is encoded on its own, too-big ones are None and listed in ``omitted``;
      ``output_not_none`` returns ``value is not None`` instead of each value
  ``test_code`` (+ ``check_function``): run the source's own check with the entry point replaced by a
      recorder that calls the reference and keeps every top-level call -> ``{"calls": [[args, kwargs, value]]}``
A failure is ``{"error": "<Type>: message"}``. The program's own prints go to /dev/null.
"""

from __future__ import annotations

import copy
import json
import os
import random
import sys
import traceback

from mtcodegen import typed_json


def _recorder(function, calls):
    depth = 0

    def candidate(*args, **kwargs):
        nonlocal depth
        if depth:  # a recursive call of the reference through its global name: not a test
            return function(*args, **kwargs)
        snapshot = (copy.deepcopy(list(args)), copy.deepcopy(kwargs))
        depth += 1
        try:
            value = function(*args, **kwargs)
        finally:
            depth -= 1
        calls.append([snapshot[0], snapshot[1], copy.deepcopy(value)])
        return value

    return candidate


def _resolve(namespace, entry_point):
    target = namespace
    for part in entry_point.split("."):
        target = target[part] if isinstance(target, dict) else getattr(target, part)
    return target


def _capped_calls(function, calls, max_chars):
    """``calls`` mode with a size cap: a result whose encoding exceeds ``max_chars`` (or whose computation runs
    out of memory) is left out -- None in ``results`` and its index in ``omitted`` with why -- so that one
    enormous expected value (EvalPlus has a few) does not cost the problem's other tests."""
    results, omitted = [], {}
    for index, (args, kwargs) in enumerate(calls):
        try:
            value = function(*args, **kwargs)  # any other exception of the reference fails the request
        except MemoryError:
            results.append(None)
            omitted[str(index)] = "MemoryError while computing the result"
            continue
        try:
            encoded = typed_json.encode(value)
            size = len(json.dumps(encoded))
        except MemoryError:
            encoded, size = None, None
            omitted[str(index)] = "MemoryError while storing the result"
        except (TypeError, ValueError) as err:  # typed_json/JSON cannot store it (e.g. an int over 4300 digits)
            encoded, size = None, None
            omitted[str(index)] = f"result not storable: {err}"[:200]
        if size is not None and size > max_chars:
            encoded = None
            omitted[str(index)] = f"result of {size:,} characters (cap {max_chars:,})"
        results.append(encoded)
    return {"results": results, "omitted": omitted}


def handle(request):
    random.seed(0)  # checks that draw random inputs without a seed must still give the same tests every run
    namespace = {"__name__": "__reference__"}
    exec(compile(request["code"], "<reference_solution>", "exec"), namespace)
    function = _resolve(namespace, request["entry_point"])
    if "calls" in request and request.get("max_result_chars"):
        if request.get("output_not_none"):  # evalplus's ground truth for results it cannot store
            function = (lambda f: lambda *a, **k: f(*a, **k) is not None)(function)
        return _capped_calls(function, typed_json.decode(request["calls"]), request["max_result_chars"])
    if "calls" in request:
        results = []
        for args, kwargs in typed_json.decode(request["calls"]):
            results.append(function(*args, **kwargs))
        return {"results": typed_json.encode(results)}
    calls = []
    candidate = _recorder(function, calls)
    if request.get("check_function"):
        exec(compile(request["test_code"], "<test>", "exec"), namespace)
        namespace[request["check_function"]](candidate)
    else:  # asserts that call the function by its own name
        namespace[request["entry_point"]] = candidate
        exec(compile(request["test_code"], "<test>", "exec"), namespace)
    return {"calls": typed_json.encode(calls)}


def main(request_path, result_path):
    with open(request_path, encoding="utf-8") as handle_:
        request = json.load(handle_)
    devnull = open(os.devnull, "w")
    sys.stdout = devnull
    try:
        result = handle(request)
    except BaseException as err:  # noqa: BLE001 - report any failure of the trusted code to the parent
        frame = traceback.extract_tb(err.__traceback__)[-1] if err.__traceback__ else None
        where = f" (line {frame.lineno} of {frame.filename})" if frame else ""
        result = {"error": f"{type(err).__name__}: {err}"[:500] + where}
    with open(result_path, "w", encoding="utf-8") as out:
        json.dump(result, out, allow_nan=False)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
