"""The program that runs inside the sandbox to call a Python function (or drive a class) on
many inputs: the oracle of `casegen.functions`. It is sent as text and run by the sandbox's
Python, never imported by the tool itself.

Input: `spec.json` in the working directory (the target's kind and name, the inputs, the
per-input time limit, whether to measure coverage). With `watch_i64`, a call during which a local
variable of the target held an int outside i64 reports `overflow` (a Rust i64 translation cannot
follow it). Output: `results.json`, rewritten after every input so a run killed half-way still
reports the inputs it finished. Each result is `{"status": "ok" | "raised" | "timeout" |
"overflow", "value": <tagged value>, "error": <exception name>, "calls": <calls completed,
classes only>, "lines": [...], "arcs": [...]}`. Values are tagged
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
    results = []
    for given in spec["inputs"]:
        result = {"status": "ok"}
        calls_done = 0
        values = []
        if cov is not None:
            cov.erase()
            cov.start()
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
            if cov is not None:
                cov.stop()
        if _overflow[0] and result["status"] == "ok":
            result = {"status": "overflow"}
        if spec["kind"] == "class" and result["status"] == "raised":
            result["calls"] = calls_done
            result["value"] = tag(values)
        if cov is not None:
            data = cov.get_data()
            result["lines"] = sorted(data.lines(target_path) or [])
            result["arcs"] = sorted(list(arc) for arc in (data.arcs(target_path) or []))
        results.append(result)
        with open("results.json.tmp", "w", encoding="utf-8") as handle:
            json.dump({"results": results}, handle)
        os.replace("results.json.tmp", "results.json")
    statements = sorted(cov.analysis2(target_path)[1]) if cov is not None else []
    with open("results.json.tmp", "w", encoding="utf-8") as handle:
        json.dump({"results": results, "statements": statements, "done": True}, handle)
    os.replace("results.json.tmp", "results.json")


main()
'''
