"""The program that runs inside the sandbox to call a Python function (or drive a class) on
many inputs: the oracle of `casegen.functions`. It is sent as text and run by the sandbox's
Python, never imported by the tool itself.

Input: `spec.json` in the working directory (the target's kind and name, the inputs, the
per-input time limit, an optional limit `total_s` on the whole run after which no further input
is started, whether to measure coverage). With `watch_i64`, a call during which a local
variable of the target held an int outside i64 reports `overflow` (a Rust i64 translation cannot
follow it). Output: `results.jsonl`, one line per input appended and flushed as it finishes (a
run killed half-way still reports the inputs it finished; appending keeps a long batch linear),
then (with coverage) a line `{"coverage": i, "lines": [...], "arcs": [...]}` per input (one
dynamic coverage context per input: switching contexts costs far less than stopping and
restarting coverage) and a last line `{"statements": [...], "done": true}`. Each result is
`{"status": "ok" | "raised" | "timeout" | "overflow", "value": <tagged value>, "error":
<exception name>, "calls": <calls completed, classes only>}`. Values are tagged
(`["i", 3]`, `["t", [...]]`, `["f", "nan"]`) so tuples, sets, int dict keys and NaN survive JSON.
"""

ORACLE_SOURCE = r'''
import asyncio
import importlib.util
import inspect
import io
import json
import os
import signal
import sys
import time


class _Timeout(BaseException):
    pass


def _alarm(signum, frame):
    raise _Timeout()


def tag(value):
    if value is None:
        return ["n"]
    if isinstance(value, bool):
        return ["b", value]
    if isinstance(value, int):
        return ["i", str(value)]
    if isinstance(value, float):
        return ["f", repr(value)]
    if isinstance(value, str):
        return ["s", value]
    if isinstance(value, list):
        return ["l", [tag(item) for item in value]]
    if isinstance(value, tuple):
        return ["t", [tag(item) for item in value]]
    if isinstance(value, (set, frozenset)):
        items = [tag(item) for item in value]
        return ["S", sorted(items, key=lambda item: json.dumps(item))]
    if isinstance(value, dict):
        pairs = [[tag(k), tag(v)] for k, v in value.items()]
        return ["d", sorted(pairs, key=lambda pair: json.dumps(pair[0]))]
    return ["?", type(value).__name__]


_LIMIT = 2 ** 63
_overflow = [False]


def _outside_i64(value):
    if type(value) is int:
        return not -_LIMIT <= value < _LIMIT
    if type(value) in (list, tuple) and len(value) <= 64:
        return any(type(item) is int and not -_LIMIT <= item < _LIMIT for item in value)
    return False


def _watch_locals(frame, event, arg):
    if event in ("line", "return") and not _overflow[0]:
        for value in frame.f_locals.values():
            if _outside_i64(value):
                _overflow[0] = True
                break
    return _watch_locals


def _watch(target_path):
    def tracer(frame, event, arg):
        return _watch_locals if frame.f_code.co_filename == target_path else None
    return tracer


def settle(value):
    if inspect.iscoroutine(value):
        return asyncio.run(value)
    return value


def main():
    with open("spec.json", encoding="utf-8") as handle:
        spec = json.load(handle)
    target_path = os.path.abspath("target.py")
    cov = None
    if spec["coverage"]:
        import coverage
        cov = coverage.Coverage(branch=True, data_file=None, include=[target_path])
    module_spec = importlib.util.spec_from_file_location("oracle_target", target_path)
    module = importlib.util.module_from_spec(module_spec)
    sink = io.StringIO()
    real_stdout, real_stderr = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = sink
    try:
        module_spec.loader.exec_module(module)
    finally:
        sys.stdout, sys.stderr = real_stdout, real_stderr
    target = getattr(module, spec["name"])
    methods = spec.get("methods", {})
    signal.signal(signal.SIGALRM, _alarm)
    out = open("results.jsonl", "w", encoding="utf-8")
    if cov is not None:
        cov.start()
    started = time.monotonic()
    for index, given in enumerate(spec["inputs"]):
        if spec.get("total_s") and time.monotonic() - started > spec["total_s"]:
            break  # a slow target: the inputs not reached count as not finished
        result = {"status": "ok"}
        calls_done = 0
        values = []
        if cov is not None:
            cov.switch_context(str(index))
        sys.stdout = sys.stderr = io.StringIO()
        _overflow[0] = False
        if spec.get("watch_i64"):
            sys.settrace(_watch(target_path))
        signal.setitimer(signal.ITIMER_REAL, spec["timeout_s"])
        try:
            if spec["kind"] == "class":
                constructor_args, calls = given
                instance = target(*constructor_args)
                for rust_name, call_args in calls:
                    python_name, kind = methods[rust_name]
                    if kind == "getter":
                        value = getattr(instance, python_name)
                    elif kind == "setter":
                        setattr(instance, python_name, call_args[0])
                        value = None
                    else:
                        value = settle(getattr(instance, python_name)(*call_args))
                    values.append(value)
                    calls_done += 1
                result["value"] = tag(values)
            else:
                result["value"] = tag(settle(target(*given)))
        except _Timeout:
            result = {"status": "timeout"}
        except RecursionError:
            result = {"status": "raised", "error": "RecursionError"}
        except BaseException as error:  # the oracle's own exceptions are its behaviour
            result = {"status": "raised", "error": type(error).__name__}
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            if spec.get("watch_i64"):
                sys.settrace(None)
            sys.stdout, sys.stderr = real_stdout, real_stderr
        if _overflow[0] and result["status"] == "ok":
            result = {"status": "overflow"}
        if spec["kind"] == "class" and result["status"] == "raised":
            result["calls"] = calls_done
            result["value"] = tag(values)
        out.write(json.dumps(result) + "\n")
        out.flush()
    statements = []
    if cov is not None:
        cov.switch_context("")
        cov.stop()
        data = cov.get_data()
        for index in range(len(spec["inputs"])):
            data.set_query_contexts(["^%d$" % index])
            out.write(json.dumps({"coverage": index,
                                  "lines": sorted(data.lines(target_path) or []),
                                  "arcs": sorted(list(arc) for arc in
                                                 (data.arcs(target_path) or []))}) + "\n")
        statements = sorted(cov.analysis2(target_path)[1])
    out.write(json.dumps({"statements": statements, "done": True}) + "\n")
    out.close()


main()
'''
