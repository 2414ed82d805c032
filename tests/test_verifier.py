"""The verification engine against real rustc: the bundled corpus, every verdict kind, crates.

The corpus test is the acceptance check of the ground truth: every `reference.rs` passes, every
`mutant.rs` fails, and it fails in the stage its `mutant_target` names. Compilations run one after
another (the machine has two shared cores).
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from pathlib import Path

import pytest

from single_shot_eval.config import EvaluationSettings, Prompts, TaskConfig, TaskInfo
from single_shot_eval.corpus.example import BehaviourCase, Example, ExampleKind
from single_shot_eval.corpus.loader import Corpus, load_corpus
from single_shot_eval.models.registry import ModelConfig
from single_shot_eval.results.records import Verdict
from single_shot_eval.results.store import ResultStore
from single_shot_eval.run.evaluate import RunOptions, evaluate
from single_shot_eval.sandbox import SandboxCommand, SandboxLimits
from single_shot_eval.verify.crates import DEFAULT_CRATES, CrateSetProvider, CrateSpec
from single_shot_eval.verify.verifier import (
    VerificationPolicy,
    VerificationResult,
    Verifier,
)

HELLO_PY = 'import sys\nprint("hello", len(sys.argv) - 1)\n'
HELLO_RS = 'fn main() {\n    println!("hello {}", std::env::args().count() - 1);\n}\n'

CLAP_PY = '''import argparse
import json
import re

parser = argparse.ArgumentParser()
parser.add_argument("name")
parser.add_argument("--count", type=int, default=1)
args = parser.parse_args()
record = {"name": args.name, "count": args.count}
print(json.dumps(record, separators=(",", ":")), bool(re.fullmatch(r"\\w+", args.name)))
'''

CLAP_RS = '''use clap::Parser;
use serde::Serialize;

#[derive(Parser)]
struct Args {
    name: String,
    #[arg(long, default_value_t = 1)]
    count: i64,
}

#[derive(Serialize)]
struct Record {
    name: String,
    count: i64,
}

fn main() {
    let args = Args::parse();
    let word = regex::Regex::new(r"^\\w+$").unwrap();
    let ok = if word.is_match(&args.name) { "True" } else { "False" };
    let record = Record { name: args.name.clone(), count: args.count };
    println!("{} {}", serde_json::to_string(&record).unwrap(), ok);
}
'''


def _program(
    python: str, *cases: BehaviourCase, example_id: str = "adhoc"
) -> Example:
    return Example(
        id=example_id,
        kind=ExampleKind.PROGRAM,
        python_source=python,
        script_name=f"{example_id}.py",
        cases=cases or (BehaviourCase("no_args"), BehaviourCase("two_args", ("a", "b"))),
    )


@pytest.fixture(scope="module")
def verifier() -> Verifier:
    return Verifier(policy=VerificationPolicy(run_timeout_s=5.0))


def _failing_stage(result: VerificationResult) -> str | None:
    failed = [stage.stage for stage in result.stages if not stage.ok]
    return failed[-1] if failed else None


@pytest.mark.slow
def test_bundled_references_pass_and_mutants_fail_in_their_target_stage(
    bundled_corpus: Corpus,
) -> None:
    verifier = Verifier()
    references = [e for e in bundled_corpus if e.reference_rust]
    mutants = [e for e in bundled_corpus if e.mutant_rust]
    assert {ExampleKind.PROGRAM, ExampleKind.FUNCTION} <= {e.kind for e in references}
    assert mutants, "the bundled corpus has no mutant to check"
    wrong: list[str] = []
    for example in references:
        result = verifier.verify(example.reference_rust, example)
        if result.verdict is not Verdict.PASS:
            stage = next((s for s in result.stages if not s.ok), None)
            wrong.append(f"{example.id} reference: {result.verdict} "
                         f"({stage.stage + ': ' + stage.detail if stage else 'no stage'})")
    for example in mutants:
        result = verifier.verify(example.mutant_rust, example)
        # Every check runs, so a mutant may fail several stages; its target must be one of them.
        failed_in = [stage.stage for stage in result.stages if not stage.ok]
        if result.verdict.passed or not result.verdict.compiled:
            wrong.append(f"{example.id} mutant: verdict {result.verdict}")
        elif example.mutant_target not in failed_in:
            wrong.append(
                f"{example.id} mutant: failed in {failed_in}, targets {example.mutant_target}"
            )
    assert wrong == []


def test_identical_candidate_is_served_from_the_cache(verifier: Verifier) -> None:
    example = _program(HELLO_PY)
    code = HELLO_RS + f"// {uuid.uuid4().hex}\n"  # unseen by any earlier test
    first = verifier.verify(code, example)
    second = verifier.verify(code, example)
    assert first.verdict is Verdict.PASS and not first.cached
    assert second.cached
    assert verifier.cache.get_verdict(verifier.cache_key(code, example)) is not None
    assert (second.verdict, second.stages, second.diagnostics) == (
        first.verdict, first.stages, first.diagnostics
    )


@pytest.mark.parametrize("code", [None, "", "   \n"])
def test_an_answer_without_code_is_no_code(verifier: Verifier, code: str | None) -> None:
    result = verifier.verify(code, _program(HELLO_PY))
    assert result.verdict is Verdict.NO_CODE
    assert result.stages == ()


def test_type_error_is_a_compile_error_with_its_code(verifier: Verifier) -> None:
    code = 'fn main() {\n    let count: i32 = "three";\n    println!("{}", count);\n}\n'
    result = verifier.verify(code, _program(HELLO_PY))
    assert result.verdict is Verdict.COMPILE_ERROR
    assert [s.stage for s in result.stages] == ["compile"]
    assert "E0308" in [d.code for d in result.diagnostics]
    assert {d.category for d in result.diagnostics if d.code == "E0308"} == {"type"}
    assert result.stages[0].detail.startswith("E0308")


def test_borrow_error_is_categorized(verifier: Verifier) -> None:
    code = (
        "fn main() {\n    let words = vec![String::from(\"a\")];\n    let moved = words;\n"
        "    println!(\"{:?} {:?}\", words, moved);\n}\n"
    )
    result = verifier.verify(code, _program(HELLO_PY))
    assert result.verdict is Verdict.COMPILE_ERROR
    assert ("E0382", "borrow") in [(d.code, d.category) for d in result.diagnostics]


def test_panic_where_python_succeeds_is_a_crash(verifier: Verifier) -> None:
    code = 'fn main() {\n    let empty: Vec<i32> = Vec::new();\n    println!("{}", empty[3]);\n}\n'
    result = verifier.verify(code, _program(HELLO_PY))
    assert result.verdict is Verdict.CRASH
    assert _failing_stage(result) == "behaviour"
    assert result.stages[-1].actual is not None and "exit 101" in result.stages[-1].actual


def test_infinite_loop_times_out() -> None:
    verifier = Verifier(policy=VerificationPolicy(run_timeout_s=1.0))
    code = "fn main() {\n    let mut n: u64 = 0;\n    loop {\n        n = n.wrapping_add(1);\n" \
           "        std::hint::black_box(n);\n    }\n}\n"
    result = verifier.verify(code, _program(HELLO_PY, BehaviourCase("only")))
    assert result.verdict is Verdict.TIMEOUT
    assert _failing_stage(result) == "behaviour"
    assert result.stages[-1].actual == "timed out"


@pytest.mark.slow
def test_clap_candidate_compiles_against_the_crate_set_and_passes(verifier: Verifier) -> None:
    example = _program(
        CLAP_PY,
        BehaviourCase("default_count", ("bob",)),
        BehaviourCase("count_and_space", ("two words", "--count", "3")),
        example_id="clap_demo",
    )
    result = verifier.verify(CLAP_RS, example)
    assert result.verdict is Verdict.PASS, result.stages
    assert [s.stage for s in result.stages] == ["compile", "behaviour"]
    assert result.stages[1].checks_passed == 2
    assert verifier.crates is not None
    crate_set = verifier.crates.ready()
    assert crate_set is not None and crate_set.available
    assert {"clap", "serde", "serde_json", "regex"} <= {name for name, _ in crate_set.externs}


@pytest.mark.parametrize(
    ("code", "crate"),
    [
        ("use nonexistent_crate::Foo;\nfn main() {\n    let _ = Foo;\n}\n", "nonexistent_crate"),
        ("extern crate tokio;\nfn main() {}\n", "tokio"),
        ("fn main() {\n    rayon::spawn(|| {});\n}\n", "rayon"),
    ],
)
def test_crate_outside_the_allowed_set_is_named(
    verifier: Verifier, code: str, crate: str
) -> None:
    result = verifier.verify(code, _program(HELLO_PY))
    assert result.verdict is Verdict.COMPILE_ERROR
    detail = result.stages[0].detail
    assert f"`{crate}`" in detail and "outside the allowed set" in detail
    assert "clap" in detail  # the allowed set is listed
    assert "missing_crate" in [d.category for d in result.diagnostics]


def test_std_only_policy_rejects_clap_as_outside_the_set() -> None:
    verifier = Verifier(policy=VerificationPolicy(crates=()))
    result = verifier.verify(CLAP_RS, _program(CLAP_PY, BehaviourCase("one", ("bob",))))
    assert result.verdict is Verdict.COMPILE_ERROR
    detail = result.stages[0].detail
    assert "`clap`" in detail and "outside the allowed set (std only)" in detail


def test_allowed_crate_without_an_installed_set_says_so(tmp_path: Path) -> None:
    base = Verifier()
    unavailable = CrateSetProvider(DEFAULT_CRATES, base.toolchain, root=tmp_path, source="none")
    verifier = Verifier(
        toolchain=base.toolchain, sandbox=base.sandbox, crates=unavailable
    )
    result = verifier.verify(CLAP_RS, _program(CLAP_PY, BehaviourCase("one", ("bob",))))
    assert result.verdict is Verdict.COMPILE_ERROR
    detail = result.stages[0].detail
    assert "`clap`" in detail and "crate set is not installed" in detail
    assert not any(tmp_path.iterdir()), "a disabled crate source must not build anything"


def test_cache_key_depends_on_the_crate_set(tmp_path: Path) -> None:
    base = Verifier()
    example = _program(CLAP_PY)
    std_only = Verifier(toolchain=base.toolchain, sandbox=base.sandbox,
                        policy=VerificationPolicy(crates=()))
    unavailable = Verifier(
        toolchain=base.toolchain, sandbox=base.sandbox,
        crates=CrateSetProvider(DEFAULT_CRATES, base.toolchain, root=tmp_path, source="none"),
    )
    fewer = Verifier(
        toolchain=base.toolchain, sandbox=base.sandbox,
        crates=CrateSetProvider(("clap", "serde"), base.toolchain, root=tmp_path, source="none"),
    )
    keys = {v.cache_key(CLAP_RS, example) for v in (std_only, unavailable, fewer)}
    assert len(keys) == 3
    # A std-only candidate does not need the crate set built to get its key.
    assert unavailable.crate_set_for(HELLO_RS) is None


HOSTILE_RS = '''use std::io::Read;

fn main() {
    let secret = std::env::var("{env_name}").unwrap_or_else(|_| String::from("no-env"));
    println!("env: {}", secret);
    let mut text = String::new();
    match std::fs::File::open("{canary_path}") {
        Ok(mut file) => {
            let _ = file.read_to_string(&mut text);
            println!("file: {}", text);
        }
        Err(error) => println!("file error: {}", error),
    }
    eprintln!("stderr env: {}", secret);
}
'''


def _write_example(root: Path, example_id: str, python: str, reference: str) -> None:
    folder = root / example_id
    folder.mkdir(parents=True)
    (folder / f"{example_id}.py").write_text(python)
    (folder / "cases.yaml").write_text(
        'cases:\n  - name: plain\n    args: []\n  - name: argument\n    args: ["x"]\n'
    )
    (folder / "reference.rs").write_text(reference)


def test_hostile_candidate_through_evaluate_leaks_no_canary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_name = f"SSE_CANARY_{uuid.uuid4().hex[:8].upper()}"
    env_canary = f"env-canary-{uuid.uuid4().hex}"
    file_canary = f"file-canary-{uuid.uuid4().hex}"
    canary_path = tmp_path / "secret" / "canary.txt"
    canary_path.parent.mkdir()
    canary_path.write_text(file_canary)
    monkeypatch.setenv(env_name, env_canary)
    assert os.environ[env_name] == env_canary

    corpus_root = tmp_path / "corpus"
    hostile = HOSTILE_RS.replace("{env_name}", env_name).replace(
        "{canary_path}", str(canary_path)
    )
    _write_example(corpus_root, "a_hostile", HELLO_PY, hostile)
    # A different source: identical prompts would share one (cached) model answer.
    _write_example(corpus_root, "b_benign", "# benign\n" + HELLO_PY, HELLO_RS)
    corpus = load_corpus(corpus_root)
    task = TaskConfig(
        task=TaskInfo(id="hostile-check"),
        evaluation=EvaluationSettings(runs=1),
        prompts=Prompts(user_template="Translate:\n{python_code}"),
    )
    model = ModelConfig(id="hostile-reference", backend="reference")
    output = tmp_path / "out"

    # The hostile program is served as a "reference" answer: its controls fail by design, so
    # they are off here (with them, the example would be excluded before it ran).
    outcome = evaluate([task], [model], corpus, RunOptions(output=output, controls=False))

    assert outcome.completed == 2 and not outcome.interrupted
    with ResultStore(outcome.store_path, create=False) as store:
        samples = {sample.example_id: sample for sample in store.iter_samples()}
    verdicts = {example_id: sample.verdict for example_id, sample in samples.items()}
    assert verdicts["b_benign"] is Verdict.PASS
    assert verdicts["a_hostile"] is Verdict.BEHAVIOUR_MISMATCH
    stored = b"".join(path.read_bytes() for path in sorted(output.rglob("*")) if path.is_file())
    assert b"hello 0" in stored  # the store holds run outputs at all
    assert b"no-env" in stored  # the hostile program ran and printed its (empty) findings
    for canary in (env_canary, file_canary):
        assert canary.encode() not in stored


# -- batches: all behaviour cases of a candidate in one sandbox ------------------------------


def test_batch_gives_each_command_its_own_result(verifier: Verifier, tmp_path: Path) -> None:
    commands = [
        SandboxCommand(("cat",), stdin=b"fed through stdin\n"),
        SandboxCommand(("sh", "-c", "echo out; echo err >&2; exit 3")),
        SandboxCommand(("sh", "-c", "kill -SEGV $$")),
        SandboxCommand(("sh", "-c", "sleep 30")),
        SandboxCommand(("sh", "-c", 'echo "$CASE_VALUE"'), env=(("CASE_VALUE", "seven"),)),
        SandboxCommand(("sh", "-c", "yes | head -c 10000000")),
        SandboxCommand(("sh", "-c", "pwd"), cwd=str(tmp_path / "inner")),
    ]
    (tmp_path / "inner").mkdir()
    limits = SandboxLimits(wall_timeout_s=1.0, output_cap_bytes=4096)
    results = verifier.sandbox.run_batch(commands, workdir=tmp_path, limits=limits)
    summary = [(r.exit_code, r.signal, r.timed_out, r.output_capped) for r in results]
    assert summary == [
        (0, None, False, False),
        (3, None, False, False),
        (None, signal.SIGSEGV, False, False),
        (None, signal.SIGKILL, True, False),
        (0, None, False, False),
        (None, signal.SIGKILL, False, True),
        (0, None, False, False),
    ]
    assert results[0].stdout == b"fed through stdin\n"
    assert (results[1].stdout, results[1].stderr) == (b"out\n", b"err\n")
    assert results[4].stdout == b"seven\n"
    assert len(results[5].stdout) == 4096
    assert results[6].stdout.decode().strip() == str((tmp_path / "inner").resolve())


def test_batch_survives_a_command_that_kills_it(verifier: Verifier, tmp_path: Path) -> None:
    commands = [
        SandboxCommand(("sh", "-c", "echo first")),
        SandboxCommand(("sh", "-c", "kill -KILL -1; echo unreachable")),
        SandboxCommand(("sh", "-c", "echo third")),
    ]
    results = verifier.sandbox.run_batch(commands, workdir=tmp_path,
                                         limits=SandboxLimits(wall_timeout_s=5.0))
    assert [r.stdout for r in results[::2]] == [b"first\n", b"third\n"]
    assert results[1].exit_code != 0 or results[1].signal is not None


def test_batch_leaves_no_background_process(verifier: Verifier, tmp_path: Path) -> None:
    marker = f"sse-batch-marker-{uuid.uuid4().hex}"
    escape = f"setsid sh -c 'sleep 60; echo {marker}' >/dev/null 2>&1 & echo started"
    results = verifier.sandbox.run_batch(
        [SandboxCommand(("sh", "-c", escape)), SandboxCommand(("sh", "-c", "echo next"))],
        workdir=tmp_path, limits=SandboxLimits(wall_timeout_s=5.0),
    )
    assert [r.stdout for r in results] == [b"started\n", b"next\n"]

    def leftovers() -> list[str]:
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    if marker.encode() in (entry / "cmdline").read_bytes():
                        found.append(entry.name)
                except OSError:
                    continue
        return found

    # A killed process can take a moment to vanish on a loaded machine; the escaped one would
    # live for 60 s.
    for _ in range(40):
        if not leftovers():
            break
        time.sleep(0.05)
    assert leftovers() == []


def test_unresolved_local_path_is_not_a_missing_crate(verifier: Verifier) -> None:
    code = "use crate::nothing::Here;\nfn main() {\n    let _ = Here;\n}\n"
    result = verifier.verify(code, _program(HELLO_PY))
    assert result.verdict is Verdict.COMPILE_ERROR
    assert "E0432" in [d.code for d in result.diagnostics]
    assert "missing_crate" not in [d.category for d in result.diagnostics]
    assert "allowed set" not in result.stages[0].detail


def test_crate_specs_parse_with_default_and_explicit_features() -> None:
    assert CrateSpec.parse("clap") == CrateSpec("clap", ("derive",))
    assert CrateSpec.parse("serde-json") == CrateSpec("serde_json", ())
    assert CrateSpec.parse("regex[unicode, perf]") == CrateSpec("regex", ("perf", "unicode"))
    assert CrateSpec.parse("serde[derive]").companions == ("serde_derive",)
    with pytest.raises(ValueError, match="NAME"):
        CrateSpec.parse("not a crate!")


def test_crate_use_is_found_in_every_spelling() -> None:
    code = (
        "extern crate rand;\nuse regex::Regex;\nuse {itertools::Itertools};\n"
        "fn main() {\n    let _ = ::serde_json::to_string(&1);\n"
        "    let _ = std::collections::HashMap::<u8, u8>::new();\n}\n"
    )
    provider = CrateSetProvider(DEFAULT_CRATES, Verifier().toolchain, source="none")
    assert provider.used_by(code) == ("itertools", "rand", "regex", "serde_json")
    assert provider.used_by(HELLO_RS) == ()
