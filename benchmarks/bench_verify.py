"""Benchmark: verify the same candidates the naive way (fresh cargo project each) and the engine's.

Run: ``.venv/bin/python benchmarks/bench_verify.py [--examples N | --all] [--runs 5]``.

Candidates: the bundled corpus's `reference.rs` and `mutant.rs` (a subset of examples by default,
to fit about ten minutes on two cores; `--all` takes every one), each repeated `--runs` times as an
evaluation at temperature 0 produces them (identical answers in every run), plus hand-written
candidates that use clap (derive), serde_json and regex from the allowed crate set.

(a) naive: for every sample a fresh cargo project (`cargo build`, then `cargo test`; crate-using
    ones depend on the crates they use, resolved offline against the same Debian source
    replacement the crate set is built from), then the binary and the Python original run on each
    behaviour case and their stdout and exit code are compared. Nothing is cached or sandboxed.
    A fresh crate-using project rebuilds its dependencies, so by default only the first
    `--naive-crate-samples` crate-using samples are measured and the rate is computed from them.
(b) engine: one `Verifier` (sandboxed rustc with `--extern` against the prebuilt crate set,
    verdict and oracle caches), as an evaluation uses it.

Both use the same checks (behaviour cases and the function harness; the pytest stage is off
because the naive way has no counterpart). Prints samples/second for both and the ratio, for
std-only and crate-using candidates separately, and the engine's time per uncached candidate
relative to a bare `rustc` run on the same file (the same source and flags, outside the sandbox).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from single_shot_eval.corpus.example import BehaviourCase, Example, ExampleKind
from single_shot_eval.corpus.loader import load_corpus
from single_shot_eval.verify.crates import DEBIAN_REGISTRY, CrateSet, CrateSpec, crates_referenced
from single_shot_eval.verify.function_harness import render_test_module
from single_shot_eval.verify.verifier import VerdictCache, VerificationPolicy, Verifier

NAIVE_CASE_TIMEOUT_S = 10.0
NAIVE_BUILD_TIMEOUT_S = 1800.0


@dataclass(frozen=True)
class Candidate:
    """One distinct answer: the Rust code, the example it translates, and its class."""

    label: str
    code: str
    example: Example
    uses_crates: bool


class TimedVerifier(Verifier):
    """The engine, plus the time its Python oracle runs take (paid once per example)."""

    oracle_s = 0.0

    def _oracles(self, example: Example) -> dict[BehaviourCase, Any]:
        start = time.perf_counter()
        try:
            return super()._oracles(example)
        finally:
            self.oracle_s += time.perf_counter() - start


@dataclass
class Tally:
    """Time and outcomes of one way of verifying one class of candidates."""

    samples: int = 0
    seconds: float = 0.0
    passed: int = 0
    uncached: int = 0
    uncached_s: float = 0.0
    bare_rustc_s: float = 0.0
    compile_stage_s: float = 0.0
    oracle_s: float = 0.0
    stage_s: dict[str, float] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.samples / self.seconds if self.seconds else float("nan")


# -- hand-written crate-using candidates -------------------------------------------------------

CLAP_PY = '''import argparse

parser = argparse.ArgumentParser()
parser.add_argument("name")
parser.add_argument("--count", type=int, default=1)
parser.add_argument("--shout", action="store_true")
args = parser.parse_args()
greeting = f"Hello, {args.name}!"
if args.shout:
    greeting = greeting.upper()
for _ in range(args.count):
    print(greeting)
'''
CLAP_RS = '''use clap::Parser;

#[derive(Parser)]
struct Args {
    name: String,
    #[arg(long, default_value_t = 1)]
    count: u32,
    #[arg(long)]
    shout: bool,
}

fn main() {
    let args = Args::parse();
    let mut greeting = format!("Hello, {}!", args.name);
    if args.shout {
        greeting = greeting.to_uppercase();
    }
    for _ in 0..args.count {
        println!("{}", greeting);
    }
}
'''
JSON_PY = '''import json
import sys

orders = json.load(sys.stdin)
total = sum(o["qty"] * o["price_cents"] for o in orders)
print(json.dumps({"orders": len(orders), "total_cents": total}, separators=(",", ":")))
'''
JSON_RS = '''use serde::{Deserialize, Serialize};
use std::io::Read;

#[derive(Deserialize)]
struct Order {
    qty: i64,
    price_cents: i64,
}

#[derive(Serialize)]
struct Summary {
    orders: usize,
    total_cents: i64,
}

fn main() {
    let mut text = String::new();
    std::io::stdin().read_to_string(&mut text).unwrap();
    let orders: Vec<Order> = serde_json::from_str(&text).unwrap();
    let total = orders.iter().map(|o| o.qty * o.price_cents).sum();
    let summary = Summary { orders: orders.len(), total_cents: total };
    println!("{}", serde_json::to_string(&summary).unwrap());
}
'''
REGEX_PY = '''import re
import sys

text = sys.stdin.read()
dates = re.findall(r"\\b(\\d{4})-(\\d{2})-(\\d{2})\\b", text)
for year, month, day in dates:
    print(f"{day}/{month}/{year}")
print(len(dates), "dates")
'''
REGEX_RS = '''use regex::Regex;
use std::io::Read;

fn main() {
    let mut text = String::new();
    std::io::stdin().read_to_string(&mut text).unwrap();
    let date = Regex::new(r"\\b(\\d{4})-(\\d{2})-(\\d{2})\\b").unwrap();
    let mut count = 0;
    for caps in date.captures_iter(&text) {
        println!("{}/{}/{}", &caps[3], &caps[2], &caps[1]);
        count += 1;
    }
    println!("{} dates", count);
}
'''


def crate_candidates() -> list[Candidate]:
    def program(name: str, python: str, *cases: BehaviourCase) -> Example:
        return Example(id=name, kind=ExampleKind.PROGRAM, python_source=python,
                       script_name=f"{name}.py", cases=cases)

    clap = program(
        "bench_clap_greeter", CLAP_PY,
        BehaviourCase("plain", ("Ada",)),
        BehaviourCase("count", ("Bob", "--count", "3")),
        BehaviourCase("shout", ("--shout", "Cy")),
    )
    orders = program(
        "bench_serde_orders", JSON_PY,
        BehaviourCase(
            "two", stdin='[{"qty": 2, "price_cents": 150}, {"qty": 1, "price_cents": 99}]'
        ),
        BehaviourCase("none", stdin="[]"),
    )
    dates = program(
        "bench_regex_dates", REGEX_PY,
        BehaviourCase("two", stdin="from 2024-01-31 to 2024-02-29, not 24-1-1\n"),
        BehaviourCase("none", stdin="nothing here\n"),
    )
    return [
        Candidate("clap derive", CLAP_RS, clap, True),
        Candidate("serde_json", JSON_RS, orders, True),
        Candidate("regex", REGEX_RS, dates, True),
    ]


def corpus_candidates(example_count: int | None) -> tuple[list[Candidate], str]:
    """References and mutants; a subset mixing programs and functions, mutants first."""
    corpus = load_corpus()
    examples = [e for e in corpus if e.reference_rust]
    with_mutant = [e for e in examples if e.mutant_rust]
    without = [e for e in examples if not e.mutant_rust]
    if example_count is None:
        chosen = examples
        described = f"all {len(examples)} examples with a reference"
    else:
        programs = [e for e in with_mutant if e.kind is ExampleKind.PROGRAM]
        functions = [e for e in with_mutant if e.kind is ExampleKind.FUNCTION]
        half = example_count // 2
        chosen = programs[: example_count - min(half, len(functions))] + functions[:half]
        chosen += without[: max(0, example_count - len(chosen))]
        n_programs = sum(e.kind is ExampleKind.PROGRAM for e in chosen)
        described = (
            f"{len(chosen)} of {len(examples)} examples ({n_programs} programs, "
            f"{len(chosen) - n_programs} functions, "
            "those with a mutant first, in id order)"
        )
    candidates: list[Candidate] = []
    for example in chosen:
        assert example.reference_rust is not None
        candidates.append(Candidate(f"{example.id} reference", example.reference_rust, example,
                                    False))
        if example.mutant_rust:
            candidates.append(Candidate(f"{example.id} mutant", example.mutant_rust, example,
                                        False))
    return candidates, described


# -- the engine ------------------------------------------------------------------------------


def compiled_source(candidate: Candidate) -> tuple[str, bool]:
    """The file the engine hands rustc, and whether it is a `--test` build."""
    example = candidate.example
    harness = ""
    if example.kind is ExampleKind.FUNCTION and example.function_cases:
        assert example.entry_point is not None
        harness = render_test_module(example.python_source, example.entry_point,
                                     example.function_cases)
    if example.rust_tests:
        harness += "\n" + example.rust_tests
    if harness:
        return candidate.code + "\n" + harness, True
    return candidate.code, example.kind is ExampleKind.FUNCTION


def bare_rustc_s(
    verifier: Verifier, candidate: Candidate, crate_set: CrateSet | None, *, compiles: bool
) -> float:
    """Wall time of plain rustc (no sandbox) on the same source with the same flags; exits when
    rustc disagrees with the engine on whether the file compiles (then the comparison is off)."""
    source, test_build = compiled_source(candidate)
    with tempfile.TemporaryDirectory(prefix="bench-bare-") as tmp:
        (Path(tmp) / "main.rs").write_text(source)
        argv = [str(verifier.toolchain.rustc), "--edition", verifier.toolchain.edition,
                "--error-format=json", "-C", "opt-level=0", "-C", "debuginfo=0",
                "-C", "target-feature=+crt-static", "-C", "strip=debuginfo", "-A", "warnings",
                "-o", "prog", "main.rs"]
        if test_build:
            argv.insert(1, "--test")
        if crate_set is not None:
            argv[1:1] = crate_set.rustc_flags()
        start = time.perf_counter()
        done = subprocess.run(argv, cwd=tmp, capture_output=True, check=False)
        elapsed = time.perf_counter() - start
        if (done.returncode == 0) != compiles:
            raise SystemExit(f"{candidate.label}: bare rustc exit {done.returncode} disagrees "
                             f"with the engine: {done.stderr.decode(errors='replace')[:500]}")
        return elapsed


def run_engine(samples: list[Candidate], verifier: TimedVerifier) -> dict[bool, Tally]:
    tallies = {False: Tally(), True: Tally()}
    for candidate in samples:
        tally = tallies[candidate.uses_crates]
        oracle_before_s = verifier.oracle_s
        start = time.perf_counter()
        result = verifier.verify(candidate.code, candidate.example)
        elapsed = time.perf_counter() - start
        tally.oracle_s += verifier.oracle_s - oracle_before_s
        tally.samples += 1
        tally.seconds += elapsed
        tally.passed += result.verdict.passed
        if not result.cached:
            tally.uncached += 1
            tally.uncached_s += elapsed
            for stage in result.stages:
                tally.stage_s[stage.stage] = tally.stage_s.get(stage.stage, 0.0) + stage.duration_s
            tally.compile_stage_s += sum(s.duration_s for s in result.stages
                                         if s.stage == "compile")
            crate_set = verifier.crate_set_for(candidate.code)
            tally.bare_rustc_s += bare_rustc_s(verifier, candidate, crate_set,
                                               compiles=result.verdict.compiled)
    return tallies


# -- the naive way ---------------------------------------------------------------------------


def naive_cargo_home(root: Path) -> Path:
    home = root / "cargo-home"
    home.mkdir()
    (home / "config.toml").write_text(
        '[source.crates-io]\nreplace-with = "debian"\n\n'
        f'[source.debian]\ndirectory = "{DEBIAN_REGISTRY}"\n\n[net]\noffline = true\n'
    )
    return home


def naive_verify(candidate: Candidate, cargo: str, rustc: str, cargo_home: Path,
                 python: str) -> bool:
    """Fresh cargo project: build, test, then behaviour cases against Python. True on pass."""
    example = candidate.example
    with tempfile.TemporaryDirectory(prefix="bench-naive-") as tmp:
        project = Path(tmp) / "candidate"
        (project / "src").mkdir(parents=True)
        used = sorted(crates_referenced(candidate.code) & {
            "clap", "serde", "serde_json", "regex", "anyhow", "rand", "itertools"})
        dependencies = "\n".join(CrateSpec.parse(name).manifest_line() for name in used)
        (project / "Cargo.toml").write_text(
            '[package]\nname = "candidate"\nversion = "0.1.0"\nedition = "2021"\n\n'
            f"[dependencies]\n{dependencies}\n"
        )
        source, _ = compiled_source(candidate)
        is_function = example.kind is ExampleKind.FUNCTION
        (project / "src" / ("lib.rs" if is_function else "main.rs")).write_text(
            source if is_function else candidate.code
        )
        env = {**os.environ, "RUSTC": rustc, "CARGO_TERM_COLOR": "never",
               "CARGO_TARGET_DIR": str(project / "target")}
        if used:
            env["CARGO_HOME"] = str(cargo_home)
        offline = ["--offline"] if used else []
        for step in (["build", *offline], ["test", *offline]):
            done = subprocess.run([cargo, *step], cwd=project, env=env, capture_output=True,
                                  timeout=NAIVE_BUILD_TIMEOUT_S, check=False)
            if done.returncode != 0:
                return False
        if is_function:
            return True
        binary = project / "target" / "debug" / "candidate"
        script = Path(tmp) / example.script_name
        script.write_text(example.python_source)
        for case in example.cases:
            runs = []
            for argv in ([python, str(script), *case.args], [str(binary), *case.args]):
                try:
                    runs.append(subprocess.run(
                        argv, input=case.stdin.encode(), capture_output=True,
                        env={**os.environ, **dict(case.env)}, cwd=tmp,
                        timeout=NAIVE_CASE_TIMEOUT_S, check=False,
                    ))
                except subprocess.TimeoutExpired:
                    return False
            expected, actual = runs
            if (expected.stdout, expected.returncode) != (actual.stdout, actual.returncode):
                return False
        return True


def run_naive(samples: list[Candidate], crate_limit: int) -> dict[bool, Tally]:
    tallies = {False: Tally(), True: Tally()}
    cargo = shutil.which("cargo")
    if cargo is None:
        raise SystemExit("cargo not found: the naive way needs it")
    verifier_rustc = str(Verifier(policy=VerificationPolicy(crates=())).toolchain.rustc)
    python = sys.executable
    with tempfile.TemporaryDirectory(prefix="bench-naive-home-") as tmp:
        cargo_home = naive_cargo_home(Path(tmp))
        for candidate in samples:
            tally = tallies[candidate.uses_crates]
            if candidate.uses_crates and tally.samples >= crate_limit:
                continue
            start = time.perf_counter()
            tally.passed += naive_verify(candidate, cargo, verifier_rustc, cargo_home, python)
            tally.seconds += time.perf_counter() - start
            tally.samples += 1
    return tallies


# -- report ----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--examples", type=int, default=12,
                        help="number of corpus examples (default 12)")
    parser.add_argument("--all", action="store_true", help="every corpus example")
    parser.add_argument("--runs", type=int, default=5, help="identical samples per candidate")
    parser.add_argument("--naive-crate-samples", type=int, default=3,
                        help="crate-using samples the naive way builds (each rebuilds the crates)")
    args = parser.parse_args()

    corpus, described = corpus_candidates(None if args.all else args.examples)
    crates = crate_candidates()
    distinct = corpus + crates
    # Run by run, as an evaluation produces them: run 1 of every candidate, then run 2, ...
    samples = [c for _ in range(args.runs) for c in distinct]
    print(f"corpus subset: {described}")
    print(f"distinct candidates: {len(corpus)} std-only (references and mutants), "
          f"{len(crates)} crate-using ({', '.join(c.label for c in crates)}); "
          f"{args.runs} runs each -> {len(samples)} samples")
    print("checks: behaviour cases / function harness (pytest stage off for both ways)")
    print(f"cpus: {os.cpu_count()}, load average before: "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")

    verifier = TimedVerifier(policy=VerificationPolicy(run_pytest=False), cache=VerdictCache())
    assert verifier.crates is not None
    start = time.perf_counter()
    crate_set = verifier.crates.ensure()
    prebuild_s = time.perf_counter() - start
    if not crate_set.available:
        raise SystemExit(f"the crate set is not available: {crate_set.unavailable_reason}")
    built = f"built now in {prebuild_s:.1f} s" if prebuild_s > 1 else "prebuilt"
    print(f"crate set: {crate_set.source} source, {crate_set.deps_dir} ({built})")

    # Warm the page cache (rustc, std, the crate libraries) for both ways before timing.
    for candidate in (corpus[0], *crates):
        bare_rustc_s(verifier, candidate, verifier.crate_set_for(candidate.code), compiles=True)
    engine = run_engine(samples, verifier)
    naive = run_naive(samples, args.naive_crate_samples)

    print()
    print(f"{'class':<11} {'way':<7} {'samples':>7} {'seconds':>9} {'samples/s':>10} {'passed':>7}")
    for uses_crates, name in ((False, "std-only"), (True, "crate-using")):
        for way, tally in (("naive", naive[uses_crates]), ("engine", engine[uses_crates])):
            print(f"{name:<11} {way:<7} {tally.samples:>7} {tally.seconds:>9.2f} "
                  f"{tally.rate:>10.3f} {tally.passed:>7}")
    print()
    targets = {False: 5.0, True: 20.0}
    for uses_crates, name in ((False, "std-only"), (True, "crate-using")):
        ratio = engine[uses_crates].rate / naive[uses_crates].rate
        verdict = "meets" if ratio >= targets[uses_crates] else "MISSES"
        print(f"{name}: engine/naive samples per second = {ratio:.1f}x "
              f"({verdict} the >= {targets[uses_crates]:g}x target)")
    if naive[True].samples < engine[True].samples:
        print(f"  (naive crate-using rate from {naive[True].samples} of {engine[True].samples} "
              "samples: each fresh project rebuilds its crates, so every sample costs the same)")
    print()
    print("engine time per uncached candidate vs bare rustc on the same file:")
    for uses_crates, name in ((False, "std-only"), (True, "crate-using")):
        t = engine[uses_crates]
        if not t.uncached:
            continue
        whole = t.uncached_s / t.bare_rustc_s
        compile_only = t.compile_stage_s / t.bare_rustc_s
        stages = ", ".join(f"{k} {v / t.uncached:.3f}" for k, v in sorted(t.stage_s.items()))
        other = (t.uncached_s - sum(t.stage_s.values())) / t.uncached
        without_oracle = (t.uncached_s - t.oracle_s) / t.bare_rustc_s
        print(f"  {name}: {t.uncached} uncached, mean {t.uncached_s / t.uncached:.3f} s "
              f"(stages: {stages}, other {other:.3f}; of behaviour, Python oracle runs "
              f"{t.oracle_s / t.uncached:.3f}, paid once per example) vs bare rustc "
              f"{t.bare_rustc_s / t.uncached:.3f} s")
        print(f"    -> whole verification {whole:.2f}x, without the once-per-example oracle "
              f"{without_oracle:.2f}x, compile stage (sandbox start-up included) "
              f"{compile_only:.2f}x (target <= 1.25x)")
    print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
