"""Every bad input answers with exactly one line naming the file and field, and exit code 2.

Each case runs the real CLI in a subprocess; `{tmp}` in the expected line is the case's
temporary directory.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from single_shot_eval.models.registry import available_backends
from tests.conftest import run_cli

GOOD_TASK = """\
task:
  id: t
evaluation:
  runs: 1
prompts:
  user_template: "Translate {python_code}"
"""
GOOD_SCRIPT = "import sys\nprint(len(sys.argv))\n"
GOOD_RECORD = {
    "id": "inc",
    "python_code": "def inc(x: int) -> int:\n    return x + 1\n",
    "test_cases": [{"input": [1], "expected": 2}],
}


@dataclass
class Case:
    name: str
    files: dict[str, str | bytes]
    args: list[str]
    expected: str
    env: dict[str, str] = field(default_factory=dict)
    prepare: Callable[[Path], None] | None = None


def corpus_with(script: str | bytes = GOOD_SCRIPT, **extra: str) -> dict[str, str | bytes]:
    files: dict[str, str | bytes] = {"c/ex/ex.py": script}
    files.update({f"c/ex/{name.replace('_yaml', '.yaml')}": text for name, text in extra.items()})
    return files


def jsonl(*records: object, raw: str = "") -> dict[str, str | bytes]:
    return {"f.jsonl": "".join(json.dumps(r) + "\n" for r in records) + raw}


EVAL = ["evaluate", "--models", "reference", "--output", "{tmp}/out"]

CASES = [
    Case("task yaml syntax", {"t.yaml": "task: [\n"}, [*EVAL, "--tasks", "{tmp}/t.yaml"],
         "error: {tmp}/t.yaml:2: invalid YAML: expected the node content, but found '<stream end>'"),
    Case("task unknown key", {"t.yaml": GOOD_TASK + "extra: 1\n"}, [*EVAL, "--tasks", "{tmp}/t.yaml"],
         "error: {tmp}/t.yaml:7: extra: unknown key"),
    Case("task wrong type", {"t.yaml": GOOD_TASK.replace("runs: 1", "runs: many")},
         [*EVAL, "--tasks", "{tmp}/t.yaml"],
         "error: {tmp}/t.yaml:4: evaluation.runs: Input should be a valid integer, unable to parse string as an integer"),
    Case("task negative runs", {"t.yaml": GOOD_TASK.replace("runs: 1", "runs: -3")},
         [*EVAL, "--tasks", "{tmp}/t.yaml"],
         "error: {tmp}/t.yaml:4: evaluation.runs: Input should be greater than or equal to 1"),
    Case("template without placeholder", {"t.yaml": GOOD_TASK.replace("{python_code}", "it")},
         [*EVAL, "--tasks", "{tmp}/t.yaml"],
         "error: {tmp}/t.yaml:6: prompts.user_template: template must contain the {python_code} placeholder"),
    Case("template unknown placeholder", {"t.yaml": GOOD_TASK.replace("{python_code}", "{python_code} {lang}")},
         [*EVAL, "--tasks", "{tmp}/t.yaml"],
         "error: {tmp}/t.yaml:6: prompts.user_template: unknown placeholder {lang} (allowed: {example_id}, {python_code}, {requirements}, {script_name})"),
    Case("task missing required", {"t.yaml": "prompts:\n  user_template: '{python_code}'\n"},
         [*EVAL, "--tasks", "{tmp}/t.yaml"],
         "error: {tmp}/t.yaml:1: task: required key is missing"),
    Case("task top level list", {"t.yaml": "- a\n"}, [*EVAL, "--tasks", "{tmp}/t.yaml"],
         "error: {tmp}/t.yaml:1: expected a mapping at the top level"),
    Case("task glob matches nothing", {}, [*EVAL, "--tasks", "{tmp}/*.yaml"],
         "error: {tmp}/*.yaml: --tasks: no task file matches this pattern"),
    Case("task file missing", {}, [*EVAL, "--tasks", "{tmp}/none.yaml"],
         "error: {tmp}/none.yaml: task file does not exist"),
    Case("duplicate task ids", {"a.yaml": GOOD_TASK, "b.yaml": GOOD_TASK},
         [*EVAL, "--tasks", "{tmp}/*.yaml"],
         "error: {tmp}/a.yaml: task.id: task id 't' is used twice"),
    Case("corpus missing", {}, [*EVAL, "--corpus", "{tmp}/nowhere"],
         "error: {tmp}/nowhere: corpus path does not exist"),
    Case("corpus empty", {"c/.keep": ""}, [*EVAL, "--corpus", "{tmp}/c"],
         "error: {tmp}/c: corpus is empty: no example folder (with a .py script) or .jsonl"),
    Case("python syntax error", corpus_with("def f(:\n"), [*EVAL, "--corpus", "{tmp}/c"],
         "error: {tmp}/c/ex/ex.py:1: Python syntax error: invalid syntax"),
    Case("python not utf-8", corpus_with(b"print('\xff\xfe')\n"), [*EVAL, "--corpus", "{tmp}/c"],
         "error: {tmp}/c/ex/ex.py: not valid UTF-8 (byte 7)"),
    Case("python with NUL bytes", corpus_with(b"print(1)\x00\n"), [*EVAL, "--corpus", "{tmp}/c"],
         "error: {tmp}/c/ex/ex.py: Python syntax error: source code string cannot contain null bytes"),
    Case("duplicate example ids",
         {"c/a/ex/ex.py": GOOD_SCRIPT, "c/b/ex/ex.py": GOOD_SCRIPT}, [*EVAL, "--corpus", "{tmp}/c"],
         "error: {tmp}/c/b/ex/ex.py: duplicate example id 'ex' (also in {tmp}/c/a/ex/ex.py)"),
    Case("unreadable cases file (a folder)", {"c/ex/ex.py": GOOD_SCRIPT, "c/ex/cases.yaml/x": ""},
         [*EVAL, "--corpus", "{tmp}/c"],
         "error: {tmp}/c/ex/cases.yaml: cannot read: Is a directory"),
    Case("cases wrong type", corpus_with(cases_yaml="cases:\n  - args: 7\n"),
         [*EVAL, "--corpus", "{tmp}/c"],
         "error: {tmp}/c/ex/cases.yaml:2: cases.0.args: Input should be a valid list"),
    Case("cases unknown key", corpus_with(cases_yaml="cases:\n  - argv: [1]\n"),
         [*EVAL, "--corpus", "{tmp}/c"], "error: {tmp}/c/ex/cases.yaml:2: cases.0.argv: unknown key"),
    Case("meta unknown key", corpus_with(meta_yaml="levle: 3\n"), [*EVAL, "--corpus", "{tmp}/c"],
         "error: {tmp}/c/ex/meta.yaml:1: levle: unknown key"),
    # Two runnable scripts are two examples in a third-party folder; in our own layout (a
    # cases.yaml) the cases would belong to neither, so it stays an error.
    Case("two scripts in one folder with cases",
         {"c/ex/a.py": GOOD_SCRIPT, "c/ex/b.py": GOOD_SCRIPT, "c/ex/cases.yaml": "cases: []\n"},
         [*EVAL, "--corpus", "{tmp}/c"],
         "error: {tmp}/c/ex: expected exactly one Python script, found a.py, b.py"),
    Case("jsonl invalid json", jsonl(GOOD_RECORD, raw="{oops\n"), [*EVAL, "--corpus", "{tmp}/f.jsonl"],
         "error: {tmp}/f.jsonl:2: invalid JSON: Expecting property name enclosed in double quotes"),
    Case("jsonl missing field", jsonl({"id": "x"}), [*EVAL, "--corpus", "{tmp}/f.jsonl"],
         "error: {tmp}/f.jsonl:1: python_code: Field required"),
    # An annotation the harness cannot express (`complex`) no longer stops the load: the record
    # is unjudgeable (tests/test_jsonl_seed_layout.py). A hand-written value that does not fit
    # the declared type is still malformed.
    Case("jsonl expected value of the wrong type",
         jsonl({**GOOD_RECORD, "test_cases": [{"input": [1], "expected": "two"}]}),
         [*EVAL, "--corpus", "{tmp}/f.jsonl"],
         "error: {tmp}/f.jsonl:1: inc: def inc: case 0, expected: value 'two' does not fit type i64"),
    Case("jsonl duplicate ids", jsonl(GOOD_RECORD, GOOD_RECORD), [*EVAL, "--corpus", "{tmp}/f.jsonl"],
         "error: {tmp}/f.jsonl: duplicate example id 'inc' (also in {tmp}/f.jsonl)"),
    Case("corpus file not jsonl", {"x.txt": "hi"}, [*EVAL, "--corpus", "{tmp}/x.txt"],
         "error: {tmp}/x.txt: a corpus file must be JSONL (*.jsonl)"),
    Case("unknown model spec", {}, ["evaluate", "--models", "gpt-17-ultra", "--output", "{tmp}/out"],
         "error: --models: unknown model spec 'gpt-17-ultra' (use a built-in name such as reference, smollm2-135m, gemma3-270m, qwen2.5-coder-0.5b, qwen2.5-coder-1.5b, mutant, a *.gguf path or glob, backend:model, or a models YAML)"),
    Case("gguf glob matches nothing", {}, ["evaluate", "--models", "{tmp}/*.gguf", "--output", "{tmp}/out"],
         "error: --models: no file matches '{tmp}/*.gguf'"),
    Case("not a gguf file", {"m.gguf": b"NOTGGUF" * 10}, ["evaluate", "--models", "{tmp}/m.gguf", "--limit", "1", "--output", "{tmp}/out"],
         "error: {tmp}/m.gguf: not a GGUF file (bad magic bytes)"),
    Case("models file missing", {}, ["evaluate", "--models", "{tmp}/models.yaml", "--output", "{tmp}/out"],
         "error: --models: models file '{tmp}/models.yaml' does not exist"),
    Case("models file unknown key", {"models.yaml": "models:\n  - id: a\n    backend: reference\n    colour: red\n"},
         ["evaluate", "--models", "{tmp}/models.yaml", "--output", "{tmp}/out"],
         "error: {tmp}/models.yaml:4: models.0.colour: unknown key"),
    Case("models file syntax", {"models.yaml": "models: [\n"},
         ["evaluate", "--models", "{tmp}/models.yaml", "--output", "{tmp}/out"],
         "error: {tmp}/models.yaml:2: invalid YAML: expected the node content, but found '<stream end>'"),
    Case("models file unknown backend", {"models.yaml": "models:\n  - id: a\n    backend: telepathy\n"},
         ["evaluate", "--models", "{tmp}/models.yaml", "--limit", "1", "--output", "{tmp}/out"],
         "error: model 'a': unknown backend 'telepathy' (known: {backends})"),
    Case("duplicate model ids", {}, ["evaluate", "--models", "reference,reference", "--output", "{tmp}/out"],
         "error: --models: model id 'reference' given more than once"),
    Case("missing rustc", {}, ["evaluate", "--models", "reference", "--output", "{tmp}/out"],
         "error: rustc not found on PATH: install Rust (rustup or your distribution's rustc package)",
         env={"PATH": "/usr/bin:/bin"}),
    Case("output not writable", {"file": "x"}, ["evaluate", "--models", "reference", "--output", "{tmp}/file/out"],
         "error: {tmp}/file/out: output directory is not writable (Not a directory)"),
    Case("existing results without resume", {}, ["evaluate", "--models", "reference", "--limit", "1", "--runs", "1", "--output", "{tmp}/out"],
         "error: {tmp}/out: already holds 1 samples; pass --resume to continue that evaluation or choose another --output",
         prepare=lambda tmp: None),
    Case("report on no store", {}, ["report", "--input", "{tmp}/none"],
         "error: {tmp}/none: no results store found (expected {tmp}/none/results.sqlite)"),
    Case("report on corrupt store", {"s/results.sqlite": b"garbage" * 300}, ["report", "--input", "{tmp}/s"],
         "error: {tmp}/s/results.sqlite: cannot open results store: file is not a database"),
    Case("verify source missing", {}, ["verify", "--source", "{tmp}/x.rs"],
         "error: {tmp}/x.rs: --source does not exist"),
    Case("verify python without cases", {"x.rs": "fn main(){}", "p.py": "print(1)"},
         ["verify", "--source", "{tmp}/x.rs", "--python", "{tmp}/p.py"],
         "error: --python needs --cases (a cases.yaml with argv/stdin cases)"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input(tmp_path: Path, case: Case) -> None:
    for name, content in case.files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    args = [a.replace("{tmp}", str(tmp_path)) for a in case.args]
    if case.prepare is not None:
        first = run_cli(*args)
        assert first.returncode == 0, first.stderr
    env = None
    if case.env:
        env = {**os.environ, **case.env}
        if "PATH" in case.env:
            # keep python itself reachable; only rustc must be missing
            assert shutil.which("rustc", path=case.env["PATH"]) is None
    result = run_cli(*args, env=env)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 2, result.stderr
    assert len(lines) == 1, result.stderr
    expected = case.expected.replace("{tmp}", str(tmp_path))
    expected = expected.replace("{backends}", ", ".join(available_backends()))
    assert lines[0] == expected


def test_suite_has_at_least_thirty_cases() -> None:
    assert len(CASES) >= 30
