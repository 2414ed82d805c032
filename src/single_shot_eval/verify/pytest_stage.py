"""The pytest stage: the example's own pytest suite, run with `python3`/`python` shims that start
the candidate's binary (confined to executing itself) in place of the Python script."""

from __future__ import annotations

import os
import re
import shutil
import sysconfig
import tempfile
import time
from pathlib import Path

from single_shot_eval.corpus.example import Example
from single_shot_eval.results.records import StageResult, Verdict
from single_shot_eval.sandbox import SHIM_SOURCE, Sandbox, SandboxLimits, render_shim
from single_shot_eval.verify.verdicts import timed_out


def pytest_stage(
    sandbox: Sandbox, binary: Path, example: Example, limits: SandboxLimits
) -> tuple[StageResult, Verdict | None]:
    """Run the example's pytest suite with `python3`/`python` shims that start the Rust
    binary (confined to executing itself) in place of the script, counting each start.

    Verdict None: the suite passed without ever starting the binary through a shim (it
    imported the module or ran `sys.executable`), so it checked nothing of the translation
    and the stage is reported as "pytest (not a check)". The suite runs in a fresh folder (not the
    work directory where earlier stages let the candidate write), under `limits`."""
    assert example.pytest_path is not None
    with tempfile.TemporaryDirectory(prefix="sse-pytest-", dir=_pytest_parent_dir()) as tmp:
        root = Path(tmp).resolve()
        suite, shim_dir, count_dir, bin_dir = (
            root / name for name in ("suite", "shim", "count", "bin")
        )
        for folder in (suite, shim_dir, count_dir, bin_dir):
            folder.mkdir()
        (suite / example.script_name).write_text(example.python_source, encoding="utf-8")
        for name, text in example.support_files:  # sibling modules the suite may import
            (suite / name).write_text(text, encoding="utf-8")
        test_file = suite / example.pytest_path.name
        test_file.write_text(example.pytest_path.read_text(encoding="utf-8"), encoding="utf-8")
        candidate = bin_dir / "prog"
        shutil.copyfile(binary, candidate)
        candidate.chmod(0o755)
        count_file = count_dir / "invocations"
        real_python = sandbox.python_executable
        # The binary reads and writes only the suite's folder, /tmp and /dev; the count file
        # lies outside them (when this folder is not itself below /tmp).
        roots = (str(suite), "/tmp", "/dev") if sandbox.exec_confined else None
        shim = render_shim(
            SHIM_SOURCE, real_python,
            (example.script_name, str(candidate), str(count_file), roots, real_python),
        )
        for name in ("python3", "python"):
            path = shim_dir / name
            path.write_text(shim, encoding="utf-8")
            path.chmod(0o755)
        pytest_args = ["-q", "-p", "no:cacheprovider", "-x", "--no-header", str(test_file)]
        start = time.perf_counter()
        res = sandbox.run(
            [real_python, "-c",
             f"import os, sys; os.chdir({str(suite)!r}); import pytest; "
             f"sys.exit(pytest.main({pytest_args!r}))"],
            workdir=root,
            env={
                "PATH": f"{shim_dir}:/usr/local/bin:/usr/bin:/bin",
                "HOME": str(suite),
                "PYTHONDONTWRITEBYTECODE": "1",
                # pytest comes from this tool's environment, mounted read-only in the sandbox.
                "PYTHONPATH": sysconfig.get_paths()["purelib"],
            },
            limits=limits,
        )
        duration = time.perf_counter() - start
        invocations = count_file.stat().st_size if count_file.exists() else 0
    # "5 passed in 1.54s" -> "5 passed": a verdict must not depend on how busy the machine was.
    out = _PYTEST_DURATION.sub("", res.stdout.decode("utf-8", "replace"))
    # Nor on the name of the temporary folder it ran in.
    out = out.replace(str(root), "<suite>")
    summary = out.strip().splitlines()[-1] if out.strip() else ""
    passed = _count(summary, "passed")
    failed = _count(summary, "failed") + _count(summary, "error")
    if timed_out(res):
        return StageResult("pytest", False, duration, "pytest suite timed out"), Verdict.TIMEOUT
    if res.exit_code == 0 and invocations == 0:
        return StageResult(
            "pytest (not a check)", False, duration,
            f"does not exercise the translation: the suite passed ({summary}) without "
            f"starting the binary through `python3 {example.script_name}`",
        ), None
    if res.exit_code == 0:
        detail = f"{summary}; binary started {invocations} time(s)"
        return StageResult("pytest", True, duration, detail, passed, passed), Verdict.PASS
    return (
        StageResult("pytest", False, duration, summary or f"pytest exit {res.exit_code}",
                    passed + failed, passed, actual=out[-2000:]),
        Verdict.TEST_FAILURE,
    )


def _pytest_parent_dir() -> str | None:
    """Where the pytest stage's folder goes: /var/tmp when usable, so that the invocation count
    is not below /tmp, which the binary may write; else the default temporary folder."""
    candidate = Path("/var/tmp")
    if candidate.is_dir() and os.access(candidate, os.W_OK | os.X_OK):
        return str(candidate)
    return None


_PYTEST_DURATION = re.compile(r"[ \t]+in [0-9.]+s(?: \([0-9:]+\))?(?=[ \t=]*$)", re.MULTILINE)


def _count(summary: str, word: str) -> int:
    m = re.search(rf"(\d+) {word}", summary)
    return int(m.group(1)) if m else 0
