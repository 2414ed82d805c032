"""The `verify` command: build an ad-hoc example from files and print each stage's verdict."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from rich.console import Console
from rich.table import Table

from single_shot_eval.corpus.example import Example, ExampleKind
from single_shot_eval.corpus.loader import load_example_folder
from single_shot_eval.errors import UserError
from single_shot_eval.results.records import Verdict
from single_shot_eval.verify.verifier import VerificationResult, Verifier


def _read(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"{path}: {what} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: cannot read {what}: {exc}") from None


def _adhoc_example(python: Path | None, cases: Path | None) -> Example:
    if python is None:
        if cases is not None:
            raise UserError("--cases needs --python (the program the cases run)")
        return Example(id="adhoc", kind=ExampleKind.PROGRAM, python_source="", script_name="")
    if not python.is_file():
        raise UserError(f"{python}: --python file does not exist")
    if cases is None:
        raise UserError("--python needs --cases (a cases.yaml with argv/stdin cases)")
    import shutil
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / python.stem
        folder.mkdir()
        shutil.copy(python, folder / python.name)
        shutil.copy(cases, folder / "cases.yaml")
        return load_example_folder(folder)


def run_verify_command(
    *,
    source: Path,
    tests: Path | None,
    example: Path | None,
    python: Path | None,
    cases: Path | None,
    console: Console,
    json_output: bool,
    strict: bool = False,
    generated_cases: bool = True,
) -> bool:
    """Verify `source` against whatever checks were given; True when it passes (or compiles
    with no check given)."""
    code = _read(source, "--source")
    if example is not None:
        if not example.is_dir() and example.suffix != ".py":
            raise UserError(f"{example}: --example must be an example folder or its script")
        target = load_example_folder(example, strict=strict)
        if generated_cases:
            from single_shot_eval.casegen import with_generated_cases
            from single_shot_eval.corpus.loader import Corpus

            target = with_generated_cases(Corpus(example, (target,))).examples[0]
    else:
        target = _adhoc_example(python, cases)
    if tests is not None:
        target = replace(target, rust_tests=_read(tests, "--tests"))
    result = Verifier().verify(code, target)
    if json_output:
        console.print_json(result.to_json())
    else:
        _render(console, result)
    return result.verdict.passed or result.verdict is Verdict.COMPILE_ONLY


def _render(console: Console, result: VerificationResult) -> None:
    table = Table(title=f"verdict: {result.verdict.value}", title_justify="left")
    for column in ("stage", "ok", "time (s)", "checks", "detail"):
        table.add_column(column)
    for stage in result.stages:
        checks = f"{stage.checks_passed}/{stage.checks_total}" if stage.checks_total else ""
        table.add_row(stage.stage, "yes" if stage.ok else "NO", f"{stage.duration_s:.3f}",
                      checks, stage.detail)
    console.print(table)
    for stage in result.stages:
        if stage.failing_case:
            console.print(f"failing case: {stage.failing_case}")
            console.print(f"expected: {stage.expected!r}\nactual:   {stage.actual!r}")
    for diag in result.diagnostics[:5]:
        console.print(diag.message)
