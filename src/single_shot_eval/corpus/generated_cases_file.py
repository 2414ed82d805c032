"""The reviewed `cases.generated.yaml` file beside a script: where it lives, how it is written
and how it reads.

`single-shot-eval cases` writes what `casegen` generated; the loader reads it back, and its
cases load like hand-written ones, marked `origin: generated`. The schema is a hand-written
`cases.yaml`'s plus `origin`, `comparison` and `files`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from single_shot_eval.config import parse_yaml_document, validation_error
from single_shot_eval.corpus.example import (
    BehaviourCase,
    CaseOrigin,
    Comparison,
    Example,
    ExampleKind,
    FunctionCase,
)
from single_shot_eval.errors import CorpusError

GENERATED_CASES_FILE = "cases.generated.yaml"


class _GeneratedCaseSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = None
    args: list[str | int | float] = Field(default_factory=list)
    stdin: str = ""
    env: dict[str, str | int | float] = Field(default_factory=dict)
    origin: CaseOrigin = CaseOrigin.GENERATED
    comparison: Comparison = Comparison.STDOUT_AND_EXIT
    files: dict[str, str] = Field(default_factory=dict)


class _GeneratedFunctionCaseSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    input: list[Any]
    expected: Any


class _GeneratedCasesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    example: str | None = None
    generator: str | None = None
    line_coverage: float | None = None
    branch_coverage: float | None = None
    cases: list[_GeneratedCaseSpec] = Field(default_factory=list)
    function_cases: list[_GeneratedFunctionCaseSpec] = Field(default_factory=list)


def read_generated_cases(path: Path) -> tuple[BehaviourCase, ...]:
    """The behaviour cases of a `cases.generated.yaml` (none when the file does not exist).

    Cases load like hand-written ones, marked `origin: generated` unless the file says otherwise.
    """
    if not path.exists():
        return ()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CorpusError(path, f"cannot read: {exc}") from None
    data, node = parse_yaml_document(path, text)
    try:
        parsed = _GeneratedCasesFile.model_validate(data or {})
    except ValidationError as exc:
        raise validation_error(path, exc, node) from None
    return tuple(
        BehaviourCase(
            name=spec.name or f"generated_{i}",
            args=tuple(str(a) for a in spec.args),
            stdin=spec.stdin,
            env=tuple(sorted((k, str(v)) for k, v in spec.env.items())),
            files=tuple(sorted(spec.files.items())),
            origin=spec.origin,
            comparison=spec.comparison,
        )
        for i, spec in enumerate(parsed.cases)
    )


def generated_cases_path(example: Example, output: Path | None = None) -> Path | None:
    """Where `single-shot-eval cases` writes `example`'s file: under `output/<id>/` when given,
    else beside the script (`<script>.cases.generated.yaml` when the id names one script of a
    folder of several); None for an example with no folder of its own and no `output`."""
    if output is not None:
        return output / example.id.replace("/", "__") / GENERATED_CASES_FILE
    if example.kind is not ExampleKind.PROGRAM or example.source_path is None:
        return None
    folder = example.source_path.parent
    if "/" in example.id:
        return folder / f"{Path(example.script_name).stem}.{GENERATED_CASES_FILE}"
    return folder / GENERATED_CASES_FILE


def read_generated_cases_for(script: Path) -> tuple[BehaviourCase, ...]:
    """The generated cases stored beside `script`: `<stem>.cases.generated.yaml`, else the
    folder's `cases.generated.yaml`."""
    own = script.parent / f"{script.stem}.{GENERATED_CASES_FILE}"
    return read_generated_cases(own if own.exists() else script.parent / GENERATED_CASES_FILE)


class GeneratedCases(Protocol):
    """What the file holds of a generated case set (`casegen.GeneratedCaseSet` is one)."""

    @property
    def example_id(self) -> str: ...
    @property
    def generator(self) -> str: ...
    @property
    def line_coverage(self) -> float | None: ...
    @property
    def branch_coverage(self) -> float | None: ...
    @property
    def cases(self) -> tuple[BehaviourCase, ...]: ...
    @property
    def function_cases(self) -> tuple[FunctionCase, ...]: ...


class _LiteralDumper(yaml.SafeDumper):
    """Multi-line strings as `|` blocks, so a reviewer reads stdin and files as they are."""


def _represent_str(dumper: yaml.SafeDumper, text: str) -> yaml.Node:
    if "\n" in text and all(ch == "\n" or ch.isprintable() for ch in text) and \
            not text.endswith((" ", "\t")) and "\n " not in text:
        return dumper.represent_scalar("tag:yaml.org,2002:str", text, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", text)


_LiteralDumper.add_representer(str, _represent_str)


def render_generated_cases(case_set: GeneratedCases) -> str:
    """`cases.generated.yaml` text for `case_set` (stable: same set, same bytes)."""
    document: dict[str, Any] = {
        "example": case_set.example_id,
        "generator": case_set.generator,
    }
    if case_set.line_coverage is not None:
        document["line_coverage"] = round(case_set.line_coverage, 4)
    if case_set.branch_coverage is not None:
        document["branch_coverage"] = round(case_set.branch_coverage, 4)
    if case_set.cases:
        document["cases"] = [
            {
                "name": case.name,
                "args": list(case.args),
                **({"stdin": case.stdin} if case.stdin else {}),
                **({"env": dict(case.env)} if case.env else {}),
                **({"files": dict(case.files)} if case.files else {}),
                "origin": case.origin.value,
                "comparison": case.comparison.value,
            }
            for case in case_set.cases
        ]
    if case_set.function_cases:
        document["function_cases"] = [
            {"input": list(case.inputs), "expected": case.expected}
            for case in case_set.function_cases
        ]
    header = (
        "# Generated by `single-shot-eval cases`: inputs derived from the program, outputs judged\n"
        "# by the Python original at verification time. Review, edit or delete freely.\n"
    )
    body = yaml.dump(document, Dumper=_LiteralDumper, sort_keys=False, allow_unicode=True,
                     width=100)
    return header + body


def write_generated_cases(path: Path, case_set: GeneratedCases) -> None:
    """Write `case_set` to `path` (a `cases.generated.yaml`), creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_generated_cases(case_set), encoding="utf-8")
