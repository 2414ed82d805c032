"""The two helper programs the program-case generator runs inside the sandbox, as source text:
the parser capture (what argparse accepts) and the oracle server (runs the original on many
inputs under coverage, with skewed randomness and a shifted clock)."""

from __future__ import annotations

CAPTURE_MARKER = "@@single-shot-eval-parser@@"
CAPTURE_SOURCE = r"""
import argparse, json, os, runpy, sys

MARKER = "@@single-shot-eval-parser@@"

def plain(value):
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return repr(value)
    return repr(value)[:80]

def type_name(kind):
    if kind is None:
        return None
    if isinstance(kind, argparse.FileType):
        return "file:" + getattr(kind, "_mode", "r")
    return getattr(kind, "__name__", type(kind).__name__)

def dump(parser, seen):
    seen.add(id(parser))
    actions = []
    for action in parser._actions:
        entry = {
            "kind": type(action).__name__,
            "options": list(action.option_strings),
            "dest": action.dest,
            "nargs": action.nargs,
            "type": type_name(action.type),
            "default": plain(action.default),
            "required": bool(action.required),
            "metavar": action.metavar if isinstance(action.metavar, str) else None,
            "help": action.help if isinstance(action.help, str) else "",
            "choices": None,
            "subcommands": None,
        }
        if isinstance(action, argparse._SubParsersAction):
            subs = {}
            for name, sub in action.choices.items():
                if id(sub) not in seen:
                    subs[name] = dump(sub, seen)
            entry["subcommands"] = subs
        elif action.choices is not None:
            try:
                entry["choices"] = [str(c) for c in list(action.choices)[:40]]
            except TypeError:
                pass
        actions.append(entry)
    groups = [[a.dest for a in g._group_actions] for g in parser._mutually_exclusive_groups]
    return {"prog": parser.prog, "actions": actions, "exclusive": groups}

def capture(self, args=None, namespace=None):
    if args is not None:
        return original(self, args, namespace)
    text = json.dumps(dump(self, set()))
    sys.stdout.write("\n" + MARKER + "\n" + text + "\n")
    sys.stdout.flush()
    os._exit(0)

original = argparse.ArgumentParser.parse_known_args
argparse.ArgumentParser.parse_known_args = capture
script = sys.argv[1]
sys.argv = [script]
sys.path[0] = os.getcwd()
runpy.run_path(script, run_name="__main__")
"""

# Runs in the sandbox as `python -c SERVER_SOURCE SPEC_JSON`: forks one child per candidate
# (fresh program state each time, interpreter start-up paid once), with its own folder, stdin,
# argv, output files, CPU limit and wall-clock timeout; optionally under coverage.py.
SERVER_SOURCE = r"""
import base64, builtins, json, os, resource, select, signal, sys, time

with open(sys.argv[1], encoding="utf-8") as handle:
    spec = json.load(handle)
coverage = None
if spec["coverage_path"]:
    sys.path.insert(0, spec["coverage_path"])
    try:
        import coverage
        from coverage.parser import PythonParser
    except Exception:
        coverage = None
    sys.path.remove(spec["coverage_path"])
os.environ["TZ"] = spec["tz"]
time.tzset()
script = spec["script"]
code_path = spec["code_path"]
with open(code_path, encoding="utf-8") as handle:
    code = compile(handle.read(), code_path, "exec", dont_inherit=True)
# The script's imports, loaded once here instead of in every child.
for name in spec["preload"]:
    try:
        __import__(name)
    except BaseException:
        pass
timeout_s = spec["timeout_s"]
cap = spec["output_cap"]
deadline_all = time.monotonic() + spec["total_timeout_s"]

def skew_randomness(high):
    # Unseeded `random` draws from one half of their range only: `random()` in [0, .5) or
    # [.5, 1), `randrange(n)` (choice, randint, shuffle, sample...) in the lower or upper half.
    # Generators the program seeded itself (`seed(x)`, `Random(x)`, `setstate`) stay natural.
    import random as rnd
    base = rnd.Random
    natural_seed, natural_setstate = base.seed, base.setstate
    def seed(self, a=None, version=2):
        self._sse_seeded = a is not None
        return natural_seed(self, a, version)
    def setstate(self, state):
        self._sse_seeded = True
        return natural_setstate(self, state)
    def skewed_below(natural):
        def below(self, n):
            if n < 2 or getattr(self, "_sse_seeded", False):
                return natural(self, n)
            drawn = natural(self, n // 2)
            return n - 1 - drawn if high else drawn
        return below
    def skewed_random(natural):
        def draw(self):
            value = natural(self)
            if getattr(self, "_sse_seeded", False):
                return value
            return 0.5 + value / 2 if high else value / 2
        return draw
    base.seed, base.setstate = seed, setstate
    # Subclasses (SystemRandom, which `secrets` uses) carry their own `_randbelow`/`random`.
    classes, pending = [], [base]
    while pending:
        cls = pending.pop()
        classes.append(cls)
        pending.extend(cls.__subclasses__())
    for cls in classes:
        if "_randbelow" in cls.__dict__:
            cls._randbelow = skewed_below(cls.__dict__["_randbelow"])
        if "random" in cls.__dict__ or cls is base:
            cls.random = skewed_random(getattr(cls, "random"))
    # The module's functions are methods of one instance, bound at import: bind them again.
    for name in dir(rnd._inst):
        if not name.startswith("_") and callable(getattr(rnd, name, None)) and \
                getattr(getattr(rnd, name), "__self__", None) is rnd._inst:
            setattr(rnd, name, getattr(rnd._inst, name))

def shift_clock(offset_s, rate):
    # The wall clock `offset_s` later for `time` and `datetime`, and running `rate` times as
    # fast, as do `perf_counter` and `process_time` (`monotonic`, which asyncio and threading
    # wait by, is untouched): output that names today's date or year, or an elapsed time
    # ("0.00s" three times in a quiet minute, "0.01s" on a loaded machine), differs.
    import datetime as dt, time as tm
    real_time = tm.time
    real_localtime, real_gmtime = tm.localtime, tm.gmtime
    real_ctime, real_asctime, real_strftime = tm.ctime, tm.asctime, tm.strftime
    def fast(real):
        origin = real()
        return lambda: origin + (real() - origin) * rate
    time_now = fast(real_time)
    tm.time = lambda: time_now() + offset_s
    tm.time_ns = lambda: int(tm.time() * 1e9)
    for name in ("perf_counter", "process_time"):
        clock = fast(getattr(tm, name))
        setattr(tm, name, clock)
        setattr(tm, name + "_ns", lambda clock=clock: int(clock() * 1e9))
    tm.localtime = lambda secs=None: real_localtime(tm.time() if secs is None else secs)
    tm.gmtime = lambda secs=None: real_gmtime(tm.time() if secs is None else secs)
    tm.ctime = lambda secs=None: real_ctime(tm.time() if secs is None else secs)
    tm.asctime = lambda t=None: real_asctime(tm.localtime() if t is None else t)
    tm.strftime = lambda fmt, t=None: real_strftime(fmt, tm.localtime() if t is None else t)
    real = dt.datetime
    class datetime(real):
        __slots__ = ()
        @classmethod
        def now(cls, tz=None):
            return cls.fromtimestamp(tm.time(), tz)
        @classmethod
        def utcnow(cls):
            return cls.utcfromtimestamp(tm.time())
        def __repr__(self):
            return "datetime." + real.__repr__(self)
    datetime.__module__ = "datetime"
    dt.datetime = datetime  # `date.today()` reads `time.time()` by itself

def run_child(case):
    folder = case["folder"]
    os.setsid()
    for number, name, flags in ((0, ".sse-stdin", os.O_RDONLY),
                                (1, ".sse-stdout", os.O_WRONLY | os.O_CREAT | os.O_TRUNC),
                                (2, ".sse-stderr", os.O_WRONLY | os.O_CREAT | os.O_TRUNC)):
        fd = os.open(os.path.join(folder, name), flags, 0o600)
        os.dup2(fd, number)
        os.close(fd)
    limit = int(timeout_s) + 1
    try:
        resource.setrlimit(resource.RLIMIT_CPU, (limit, limit + 1))
    except (ValueError, OSError):
        pass
    os.chdir(folder)
    os.environ["HOME"] = folder
    sys.argv = [script, *case["args"]]
    sys.path[0] = folder
    if "random" in sys.modules:
        sys.modules["random"].seed()
    if spec["random"]:
        skew_randomness(spec["random"] == "high")
    if spec["clock_offset_s"]:
        shift_clock(spec["clock_offset_s"], spec["clock_rate"])
    namespace = {"__name__": "__main__", "__file__": os.path.join(folder, script),
                 "__builtins__": builtins, "__doc__": None, "__spec__": None,
                 "__loader__": None, "__package__": None, "__cached__": None}
    main_module = type(sys)("__main__")
    main_module.__dict__.update(namespace)
    sys.modules["__main__"] = main_module
    measure = prepared
    if measure is not None:
        measure.start()
    status = 0
    try:
        exec(code, main_module.__dict__)
    except SystemExit as stop:
        if stop.code is None:
            status = 0
        elif isinstance(stop.code, int):
            status = stop.code & 0xFF
        else:
            try:
                sys.stderr.write(str(stop.code) + "\n")
            except BaseException:
                pass
            status = 1
    except BaseException:
        import traceback
        try:
            traceback.print_exc()
        except BaseException:
            pass
        status = 1
    try:
        import atexit
        atexit._run_exitfuncs()
    except BaseException:
        pass
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            pass
    if measure is not None:
        try:
            measure.stop()
            data = measure.get_data()
            report = {"lines": sorted(data.lines(main_module.__file__) or ()),
                      "arcs": sorted(data.arcs(main_module.__file__) or ())}
            with open(os.path.join(folder, ".sse-coverage"), "w") as handle:
                json.dump(report, handle)
        except BaseException:
            pass
    os._exit(status)

prepared = None
if coverage is not None and spec["measure"]:
    # Built once, started in each child. coverage.py names a frame's file by its `__file__`
    # global (the case folder's copy), not by its code object's file name.
    prepared = coverage.Coverage(
        data_file=None, branch=True, config_file=False,
        include=[os.path.join(os.path.dirname(spec["cases"][0]["folder"]), "*", script)]
        if spec["cases"] else None)
    prepared.start()  # the first start does the expensive set-up; children only restart
    prepared.stop()

def read_capped(path):
    try:
        with open(path, "rb") as handle:
            data = handle.read(cap + 1)
    except OSError:
        return b"", False
    return data[:cap], len(data) > cap

results = []
for case in spec["cases"]:
    if time.monotonic() > deadline_all:
        results.append({"skipped": True})
        continue
    sys.stdout.flush()
    sys.stderr.flush()
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        try:
            run_child(case)
        finally:
            os._exit(70)
    timed_out = False
    try:
        pidfd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        pidfd = None
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        left = started + timeout_s - time.monotonic()
        if left <= 0:
            timed_out = True
            for kill, target in ((os.killpg, pid), (os.kill, pid)):
                try:
                    kill(target, signal.SIGKILL)
                except OSError:
                    pass
            status = os.waitpid(pid, 0)[1]
            break
        if pidfd is not None:
            select.select([pidfd], [], [], min(left, 0.5))
        else:
            time.sleep(0.002)
    if pidfd is not None:
        os.close(pidfd)
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass
    folder = case["folder"]
    stdout, capped = read_capped(os.path.join(folder, ".sse-stdout"))
    if os.WIFSIGNALED(status):
        exit_code, signal_number = None, os.WTERMSIG(status)
    else:
        exit_code, signal_number = os.WEXITSTATUS(status), None
    record = {
        "exit": exit_code,
        "signal": signal_number,
        "timed_out": timed_out,
        "capped": capped,
        "stdout": base64.b64encode(stdout).decode("ascii"),
        "seconds": time.monotonic() - started,
    }
    try:
        with open(os.path.join(folder, ".sse-coverage")) as handle:
            record["coverage"] = json.load(handle)
    except (OSError, ValueError):
        pass
    results.append(record)
summary = {"results": results}
if coverage is not None and spec["measure"]:
    # Raw line numbers and arcs -> coverage.py's statements and branch arcs, as its reports do.
    try:
        parser = PythonParser(filename=code_path)
        parser.parse_source()
        statements = set(parser.statements)
        exits = parser.exit_counts()
        branches = {a for a in parser.arcs() if exits.get(a[0], 0) > 1}
        summary["statements"] = sorted(statements)
        summary["branches"] = sorted(branches)
        for record in results:
            raw = record.pop("coverage", None)
            if raw is None:
                continue
            lines = parser.first_lines(raw["lines"]) & statements
            arcs = parser.translate_arcs([tuple(a) for a in raw["arcs"]]) & branches
            record["lines"] = sorted(lines)
            record["arcs"] = sorted(arcs)
    except BaseException:
        pass
with open(spec["result_path"], "w", encoding="utf-8") as handle:
    json.dump(summary, handle)
"""
