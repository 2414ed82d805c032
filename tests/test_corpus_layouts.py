"""Corpora as people have them: repository roots with tooling folders, `examples/` trees,
folders with several scripts or a helper module, folders that cannot be used.

Every fixture is written here; it imitates the shape of third-party example repositories.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from single_shot_eval.config import Prompts, TaskConfig, TaskInfo
from single_shot_eval.corpus.example import BehaviourCase, CaseOrigin, ExampleKind
from single_shot_eval.corpus.folders import plan_folder
from single_shot_eval.corpus.loader import load_corpus, load_example_folder
from single_shot_eval.corpus.stats import corpus_statistics
from single_shot_eval.errors import CorpusError
from single_shot_eval.run.prompt import render_messages
from tests.conftest import run_cli

ARGPARSE_TOOL = """\
import argparse


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("n", type=int)
    print(parser.parse_args().n * {factor})


if __name__ == "__main__":
    main()
"""
RUNS_THE_SCRIPT = """\
import subprocess


def test_runs():
    out = subprocess.run(["python3", "{script}", "2"], capture_output=True, text=True)
    assert out.stdout == "4\\n"
"""
IMPORTS_THE_MODULE = """\
from {module} import main


def test_imports():
    assert callable(main)
"""
LIBRARY = "def helper(x):\n    return x + 1\n"
RECORD = {
    "id": "inc",
    "python_code": "def inc(x: int) -> int:\n    return x + 1\n",
    "test_cases": [{"input": [1], "expected": 2}, {"input": [-1], "expected": 0}],
}


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def tool(factor: int = 2) -> str:
    return ARGPARSE_TOOL.replace("{factor}", str(factor))


def repository(root: Path) -> Path:
    """A repository root: examples beside benchmarks, a package, tests, docs, scripts, data and
    folders that must never be entered."""
    return write(root, {
        "README.md": "# tools\n",
        "setup.py": "from setuptools import setup\nsetup()\n",
        "benchmarks/framework/bench_runner.py": "import sys\nprint(sys.argv)\n",
        "benchmarks/framework/report.py": "if __name__ == '__main__':\n    print('report')\n",
        "src/toolkit/__init__.py": "",
        "src/toolkit/core.py": LIBRARY,
        "tests/test_core.py": "def test_x():\n    assert 1 + 1 == 2\n",
        "docs/conf.py": "project = 'tools'\nprint(project)\n",
        "scripts/label.py": "import sys\nprint(len(sys.argv))\n",
        "data/progress.jsonl": '{"day": 1, "passed": 3}\n',
        ".git/hooks/pre_commit.py": "print('hook')\n",
        ".venv/lib/site.py": "print('venv')\n",
        "toolenv/pyvenv.cfg": "home = /usr/bin\n",
        "toolenv/bin/activate_this.py": "print('venv')\n",
        "node_modules/pkg/x.py": "print('js')\n",
        "examples/target/gen.py": "print('built')\n",
        "examples/test_loose.py": "def test_y():\n    assert True is not False\n",
        "examples/example_double/double.py": tool(2),
        "examples/example_double/test_double.py": RUNS_THE_SCRIPT.replace("{script}", "double.py"),
        "examples/example_double/Makefile": "run:\n\tpython3 double.py 2\n",
        "examples/example_double/tests/test_more.py": "def test_z():\n    assert 2 > 1\n",
        "examples/scripts/scripts.py": tool(4),
        "examples/example_triple/triple_cli.py": tool(3),
        "examples/example_triple/test_triple_cli.py":
            IMPORTS_THE_MODULE.replace("{module}", "triple_cli"),
        "examples/example_triple/__pycache__/stale.py": "print('stale')\n",
    })


def test_repository_root_loads_examples_and_ignores_tooling(tmp_path: Path) -> None:
    corpus = load_corpus(repository(tmp_path / "repo"))
    # `examples/scripts/` is an example called "scripts"; the root's `scripts/` is tooling.
    assert [e.id for e in corpus] == ["example_double", "example_triple", "scripts"]
    double, triple, _ = corpus.examples
    assert double.pytest_path == tmp_path / "repo/examples/example_double/test_double.py"
    # A test that imports the module instead of running the script cannot judge a binary.
    assert triple.pytest_path is None
    assert triple.metadata[0][0] == "pytest_not_used"
    assert "test_triple_cli.py imports the module" in triple.metadata[0][1]
    assert corpus.skipped == ()
    ignored = {corpus.display_path(s.path): s.reason for s in corpus.ignored}
    assert ignored == {
        "benchmarks": "benchmark tooling, not an example folder",
        "docs": "documentation, not an example folder",
        "scripts": "project scripts, not an example folder",
        "src": "library source, not an example folder",
        "tests": "test suite, not an example folder",
        "data/progress.jsonl": "not a corpus JSONL (records have no python_code)",
        "examples/example_double/tests": "test suite, not an example folder",
    }
    summary = corpus.loading_summary()
    assert summary.startswith("3 examples loaded, 0 folders skipped; 7 non-example")


def test_examples_folder_and_single_example_folder(tmp_path: Path) -> None:
    repo = repository(tmp_path / "repo")
    from_examples = load_corpus(repo / "examples")
    assert [e.id for e in from_examples] == ["example_double", "example_triple", "scripts"]
    assert from_examples.skipped == ()
    assert [from_examples.display_path(s.path) for s in from_examples.ignored] == [
        "example_double/tests"
    ]
    (single,) = load_corpus(repo / "examples" / "example_double").examples
    assert single.id == "example_double" and single.script_name == "double.py"
    assert single.level >= 1


def multi_script_folders(root: Path) -> Path:
    return write(root, {
        # A tool and its flat variant; the pytest file runs the tool only.
        "example_relu/relu_tool.py": tool(2),
        "example_relu/relu_flat.py": "import sys\nx = float(sys.argv[1])\nprint(max(x, 0.0))\n",
        "example_relu/test_relu_tool.py": RUNS_THE_SCRIPT.replace("{script}", "relu_tool.py"),
        # Two separate tools.
        "example_pair/alpha.py": "import sys\nprint(sys.stdin.read().upper())\n",
        "example_pair/beta.py": "for i in range(3):\n    print(i)\n",
        # A tool with a sibling module it imports, which imports another sibling.
        "example_fib/fib_cli.py":
            "import sys\nfrom fib_math import fib\n\n"
            "if __name__ == '__main__':\n    print(fib(int(sys.argv[1])))\n",
        "example_fib/fib_math.py": "import fmt_util\n\n\ndef fib(n):\n"
                                   "    return n if n < 2 else fib(n - 1) + fib(n - 2)\n",
        "example_fib/fmt_util.py": LIBRARY,
        "example_fib/unused_notes.py": "NOTES = ['not imported, runs nothing']\n",
    })


def test_multi_script_folders_become_one_example_per_runnable_script(tmp_path: Path) -> None:
    corpus = load_corpus(multi_script_folders(tmp_path / "c"))
    assert [e.id for e in corpus] == [
        "example_fib",
        "example_pair/alpha",
        "example_pair/beta",
        "example_relu/relu_flat",
        "example_relu/relu_tool",
    ]
    fib = corpus.get("example_fib")
    assert fib.script_name == "fib_cli.py"
    assert [name for name, _ in fib.support_files] == ["fib_math.py", "fmt_util.py"]
    assert fib.support_files[1][1] == LIBRARY
    relu_tool = corpus.get("example_relu/relu_tool")
    relu_flat = corpus.get("example_relu/relu_flat")
    assert relu_tool.pytest_path is not None and relu_tool.pytest_path.name == "test_relu_tool.py"
    assert relu_flat.pytest_path is None and relu_flat.metadata == ()
    assert corpus.get("example_pair/beta").source_path == tmp_path / "c/example_pair/beta.py"
    assert corpus.skipped == ()


def test_one_script_of_a_multi_script_folder(tmp_path: Path) -> None:
    root = multi_script_folders(tmp_path / "c")
    with pytest.raises(CorpusError, match=r"holds 2 examples \(relu_flat.py, relu_tool.py\)"):
        load_example_folder(root / "example_relu")
    example = load_example_folder(root / "example_relu" / "relu_flat.py")
    assert example.id == "example_relu/relu_flat"
    (fib,) = load_corpus(root / "example_fib" / "fib_cli.py").examples
    assert len(fib.support_files) == 2
    with pytest.raises(CorpusError, match="not a runnable script of its folder"):
        load_corpus(root / "example_fib" / "fib_math.py")


def test_prompt_shows_the_sibling_modules(tmp_path: Path) -> None:
    fib = load_corpus(multi_script_folders(tmp_path / "c")).get("example_fib")
    task = TaskConfig(
        task=TaskInfo(id="t"),
        prompts=Prompts(user_template="Translate:\n{python_code}\n{requirements}"),
    )
    (message,) = render_messages(task, fib)
    text = message.content
    assert text.index("from fib_math import fib") < text.index("# ---- fib_math.py")
    assert text.index("# ---- fib_math.py") < text.index("# ---- fmt_util.py")
    assert "def helper(x):" in text
    assert "imports `fib_math.py`, `fmt_util.py` from its own folder" in text
    plain = load_corpus(tmp_path / "c" / "example_pair" / "beta.py").examples[0]
    (message,) = render_messages(task, plain)
    assert "# ----" not in message.content and "own folder" not in message.content


def unusable_folders(root: Path) -> Path:
    write(root, {
        "example_ok/ok.py": "print('ok')\n",
        "example_lib/helpers.py": LIBRARY,
        "example_py2/old.py": "print 'hello'\n",
        "example_empty/README.md": "nothing here\n",
    })
    (root / "example_latin1").mkdir()
    (root / "example_latin1/latin.py").write_bytes(b"print('caf\xe9')\n")
    return root


def test_unusable_folders_are_skipped_with_a_reason(tmp_path: Path) -> None:
    root = unusable_folders(tmp_path / "c")
    corpus = load_corpus(root)
    assert [e.id for e in corpus] == ["example_ok"]
    skipped = {corpus.display_path(s.path): s.reason for s in corpus.skipped}
    assert skipped == {
        "example_empty": "no Python script (no Python file)",
        "example_latin1/latin.py": "not valid UTF-8 (byte 10)",
        "example_lib": "no runnable script: helpers.py only define things (no "
                       "`if __name__ == \"__main__\":` block, no top-level code that runs)",
        "example_py2/old.py": "Python syntax error: Missing parentheses in call to 'print'. "
                              "Did you mean print(...)?",
    }
    summary = corpus.loading_summary(max_listed=2)
    assert summary.startswith("1 examples loaded, 4 folders skipped: example_empty (no Python")
    assert summary.endswith(", and 2 more")
    with pytest.raises(CorpusError) as info:
        load_corpus(root, strict=True)
    assert str(info.value) == f"{root}/example_empty: no Python script (no Python file)"


def test_a_library_folder_outside_examples_is_ignored_not_skipped(tmp_path: Path) -> None:
    root = write(tmp_path / "c", {"tool/tool.py": tool(2), "helpers/helpers.py": LIBRARY})
    corpus = load_corpus(root)
    assert [e.id for e in corpus] == ["tool"]
    assert corpus.skipped == ()
    assert plan_folder(root / "helpers", meant=False).scripts == ()


@pytest.mark.parametrize(
    ("source", "runnable"),
    [
        ("if __name__ == '__main__':\n    pass\n", True),
        ("if '__main__' == __name__:\n    main()\n", True),
        ("def main():\n    print(1)\n\nmain()\n", True),
        ("import sys\nn = int(sys.argv[1])\n", True),
        ("import sys\ndata = sys.stdin.read()\n", True),
        ("import argparse\nargs = argparse.ArgumentParser().parse_args()\n", True),
        ("name = input()\n", True),
        ("for line in open('f'):\n    pass\n", True),
        ("try:\n    main()\nexcept KeyboardInterrupt:\n    pass\n", True),
        ('"""Docs."""\nimport os\nLIMIT = 3\n\n\ndef f():\n    return os.sep\n', False),
        ("try:\n    import numpy\nexcept ImportError:\n    numpy = None\n", False),
        ("import argparse\n\n\ndef main():\n    argparse.ArgumentParser().parse_args()\n", False),
        ("class Tool:\n    def run(self):\n        print(1)\n", False),
    ],
)
def test_what_counts_as_a_runnable_script(tmp_path: Path, source: str, runnable: bool) -> None:
    folder = write(tmp_path / "examples" / "example_x", {"x.py": source})
    plan = plan_folder(folder, meant=True)
    assert bool(plan.scripts) is runnable
    assert bool(plan.skipped) is not runnable


def test_our_layout_keeps_a_helper_module_and_stays_strict(tmp_path: Path) -> None:
    root = write(tmp_path / "c", {
        "fib/fib.py": "import sys\nfrom fibmath import fib\nprint(fib(int(sys.argv[1])))\n",
        "fib/fibmath.py": "def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\n",
        "fib/cases.yaml": "cases:\n  - args: ['5']\n",
    })
    (example,) = load_corpus(root).examples
    assert example.id == "fib" and example.cases[0].args == ("5",)
    assert example.support_files[0][0] == "fibmath.py"
    # A syntax error in our own layout is an error even without --strict.
    (root / "fib/fibmath.py").write_text("def fib(:\n")
    with pytest.raises(CorpusError, match=r"fib/fibmath.py:1: Python syntax error"):
        load_corpus(root)


def test_several_paths_mix_folders_and_jsonl(tmp_path: Path) -> None:
    repo = repository(tmp_path / "repo")
    jsonl = write(tmp_path, {"fns.jsonl": json.dumps(RECORD) + "\n"}) / "fns.jsonl"
    corpus = load_corpus([repo / "examples" / "example_double", jsonl])
    assert [(e.id, e.kind) for e in corpus] == [
        ("example_double", ExampleKind.PROGRAM), ("inc", ExampleKind.FUNCTION)
    ]
    assert corpus.sources == (repo / "examples" / "example_double", jsonl)
    overlapping = load_corpus([repo / "examples", repo / "examples" / "example_double"])
    assert [e.id for e in overlapping] == ["example_double", "example_triple", "scripts"]
    write(tmp_path, {"other/example_double/double.py": tool(5)})
    with pytest.raises(CorpusError, match="duplicate example id 'example_double'"):
        load_corpus([repo / "examples", tmp_path / "other"])


def test_statistics_count_judgeable_examples_and_cases(tmp_path: Path) -> None:
    root = write(tmp_path / "c", {
        "ours/ours.py": "import sys\nprint(sys.argv[1:])\n",
        "ours/cases.yaml": "cases:\n  - args: ['a']\n  - args: ['b']\n  - args: []\n",
        "fns/fns.jsonl": json.dumps(RECORD) + "\n",
    })
    multi_script_folders(root / "examples")
    unusable_folders(root / "examples")
    corpus = load_corpus(root)
    stats = corpus_statistics(corpus)
    # 5 multi-script examples + example_ok + ours + inc; only ours (cases), inc (function
    # cases) and relu_tool (a pytest that runs it) can judge a translation.
    assert stats.examples == 8
    assert stats.judgeable == 3
    assert stats.compile_only == 5
    assert (stats.hand_written_cases, stats.generated_cases) == (5, 0)
    assert len(stats.skipped) == 4
    # Generated cases from a provider (mapping or callable) make examples judgeable.
    by_id = corpus_statistics(corpus, {"example_fib": 7, "ours": 2})
    assert (by_id.judgeable, by_id.generated_cases) == (4, 9)
    by_call = corpus_statistics(corpus, lambda e: 1 if e.kind is ExampleKind.PROGRAM else 0)
    assert (by_call.judgeable, by_call.generated_cases) == (8, 7)
    # Generated cases already attached to an example count as generated, not hand-written.
    import dataclasses

    ours = corpus.get("ours")
    extra = BehaviourCase(name="g", args=("z",), origin=CaseOrigin.GENERATED)
    attached = dataclasses.replace(
        corpus,
        examples=tuple(
            dataclasses.replace(e, cases=(*e.cases, extra)) if e is ours else e for e in corpus
        ),
    )
    with_attached = corpus_statistics(attached)
    assert (with_attached.hand_written_cases, with_attached.generated_cases) == (5, 1)


def test_corpus_stats_json_and_strict_through_the_cli(tmp_path: Path) -> None:
    root = write(tmp_path / "c", {
        "ours/ours.py": "import sys\nprint(sys.argv[1:])\n",
        "ours/cases.yaml": "cases:\n  - args: ['a']\n",
    })
    unusable_folders(root / "examples")
    result = run_cli("corpus-stats", "--path", str(root), "--json", "--no-generated-cases")
    assert result.returncode == 0, result.stderr
    stats = json.loads(result.stdout)
    assert stats["examples"] == 2 and stats["judgeable"] == 1
    assert stats["cases"] == {"hand_written": 1, "generated": 0}
    assert [s["path"] for s in stats["skipped"]] == [
        "examples/example_empty", "examples/example_latin1/latin.py",
        "examples/example_lib", "examples/example_py2/old.py",
    ]
    assert all(set(s) == {"path", "reason"} for s in stats["skipped"])

    table = run_cli("corpus-stats", "--path", str(root))
    assert table.returncode == 0, table.stderr
    assert "2 examples loaded, 4 folders skipped: examples/example_empty (no Python" in table.stdout

    strict = run_cli("corpus-stats", "--path", str(root / "examples" / "example_py2"),
                     "--path", str(root / "ours"), "--strict")
    assert strict.returncode == 2
    assert strict.stderr.strip().splitlines() == [
        f"error: {root}/examples/example_py2/old.py:1: Python syntax error: Missing "
        "parentheses in call to 'print'. Did you mean print(...)?"
    ]


def test_corpus_stats_counts_generated_cases_and_they_make_an_example_judgeable(
    tmp_path: Path,
) -> None:
    # A third-party folder with no cases and no suite: judgeable only through generated cases.
    root = write(tmp_path / "c", {
        "example_sign/sign_tool.py": (
            "import argparse\n"
            "parser = argparse.ArgumentParser()\n"
            "parser.add_argument('n', type=int)\n"
            "args = parser.parse_args()\n"
            "if args.n < 0:\n    print('negative')\n"
            "elif args.n == 0:\n    print('zero')\n"
            "else:\n    print('positive', args.n % 7)\n"
        ),
    })
    env = {**os.environ, "SINGLE_SHOT_EVAL_CASE_CACHE": str(tmp_path / "cache")}
    without = run_cli("corpus-stats", "--path", str(root), "--json", "--no-generated-cases",
                      env=env)
    assert without.returncode == 0, without.stderr
    assert json.loads(without.stdout)["judgeable"] == 0
    result = run_cli("corpus-stats", "--path", str(root), "--json", env=env)
    assert result.returncode == 0, result.stderr
    stats = json.loads(result.stdout)
    assert stats["examples"] == 1 and stats["judgeable"] == 1
    assert stats["cases"]["hand_written"] == 0 and stats["cases"]["generated"] >= 3
    assert any((tmp_path / "cache").rglob("*.json"))  # cached for the next run


def test_comma_separated_paths_on_the_cli(tmp_path: Path) -> None:
    repo = repository(tmp_path / "repo")
    jsonl = write(tmp_path, {"fns.jsonl": json.dumps(RECORD) + "\n"}) / "fns.jsonl"
    result = run_cli("corpus-stats", "--json", "--no-generated-cases",
                     "--path", f"{repo / 'examples'},{jsonl}")
    assert result.returncode == 0, result.stderr
    stats = json.loads(result.stdout)
    assert (stats["programs"], stats["functions"]) == (3, 1)
    assert stats["cases"]["hand_written"] == 2


def test_verify_example_names_one_script_of_a_multi_script_folder(tmp_path: Path) -> None:
    root = multi_script_folders(tmp_path / "c")
    source = write(tmp_path, {"out.rs": "fn main() {}\n"}) / "out.rs"
    result = run_cli("verify", "--source", str(source), "--example", str(root / "example_relu"))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"error: {root}/example_relu: holds 2 examples (relu_flat.py, relu_tool.py): "
        "name one script"
    ]
    # Hand-written checks only: beta.py has none, so an empty program only compiles.
    one = run_cli("verify", "--source", str(source), "--example",
                  str(root / "example_pair" / "beta.py"), "--json", "--no-generated-cases")
    assert one.returncode == 0, one.stderr
    assert json.loads(one.stdout)["verdict"] == "compile_only"
    # With the cases generated from beta.py itself, the empty program is caught (exit 1).
    judged = run_cli("verify", "--source", str(source), "--example",
                     str(root / "example_pair" / "beta.py"), "--json")
    assert judged.returncode == 1, judged.stderr
    assert json.loads(judged.stdout)["verdict"] == "behaviour_mismatch"


def test_a_pytest_file_belongs_to_the_script_it_runs(tmp_path: Path) -> None:
    root = write(tmp_path / "examples", {
        "example_tool/tool.py": tool(2),
        "example_tool/tool_flat.py": tool(2),
        "example_tool/my_tool.py": tool(2),
        "example_tool/test_my_tool.py": RUNS_THE_SCRIPT.replace("{script}", "my_tool.py"),
        "example_tool/test_tool_flat.py":
            RUNS_THE_SCRIPT.replace("{script}", "examples/example_tool/tool_flat.py"),
    })
    corpus = load_corpus(root)
    tests = {e.id: e.pytest_path.name if e.pytest_path else None for e in corpus}
    assert tests == {
        "example_tool/my_tool": "test_my_tool.py",
        "example_tool/tool": None,  # `my_tool.py` in a test does not name `tool.py`
        "example_tool/tool_flat": "test_tool_flat.py",
    }
