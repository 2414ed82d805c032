"""Load JSONL corpora as shipped: one record per line, `{"id", "python_code", "test_cases"}`.

What the seed's own corpus needs, beyond the strict format:
- `level` is a number (1-10) or a level name (`Hello`, `Collections`, `OopTraits`, ...; see
  `levels.level_from_name`);
- fields this tool does not interpret (`notes`, ...) are kept in `Example.metadata`;
- bare `list`/`dict` or missing annotations are inferred (`verify.type_inference`);
- a record whose code is a top-level script (no function or class to call) becomes a PROGRAM
  example judged by its behaviour against the Python original, starting with the run without
  arguments; a record that defines only classes is judged by constructing the class and
  calling its methods; `async def` is translated as a plain `fn`;
- a record that still cannot be judged (e.g. its entry point takes a Python callable) loads
  with `Example.unjudgeable_reason` set, so it is reported and left out of every denominator.

Malformed records still stop the load with a one-line error naming file, line and field:
invalid JSON, a missing `id`/`python_code`, a syntax error, a malformed test case, or a
hand-written value that does not fit the function's declared types.
"""

from __future__ import annotations

import ast
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from single_shot_eval.corpus.example import (
    BehaviourCase,
    CaseOrigin,
    Example,
    ExampleKind,
    FunctionCase,
)
from single_shot_eval.corpus.folders import read_text as _read_text
from single_shot_eval.errors import CorpusError
from single_shot_eval.pysource import compile_python, parse_python

EMPTY_ARGV_CASE = "no_arguments"
"""Name of the behaviour case every script record gets: the run with no arguments, no stdin."""


class _FunctionTestCase(BaseModel):
    model_config = ConfigDict(extra="forbid")
    input: list[Any]
    expected: Any


class _FunctionRecord(BaseModel):
    """One JSONL record; unknown fields are allowed and become `Example.metadata`."""

    model_config = ConfigDict(extra="allow")
    id: str = Field(min_length=1)
    python_code: str = Field(min_length=1)
    test_cases: list[_FunctionTestCase] = Field(default_factory=list)
    entry_point: str | None = None
    reference_rust: str | None = None
    mutant_rust: str | None = None
    mutant_target: str | None = None
    description: str = ""
    level: int | str | None = None
    tags: list[str] = Field(default_factory=list)


def _level_number(path: Path, lineno: int, level: int | str | None) -> int | None:
    from single_shot_eval.corpus.levels import level_by_number, level_from_name

    if level is None:
        return None
    try:
        if isinstance(level, int) and not isinstance(level, bool):
            return level_by_number(level).number
        return level_from_name(str(level)).number
    except ValueError as exc:
        raise CorpusError(path, str(exc), key="level", line=lineno) from None


def _metadata(record: _FunctionRecord) -> tuple[tuple[str, str], ...]:
    extra = record.model_extra or {}
    return tuple(
        (key, value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))
        for key, value in sorted(extra.items())
    )


def _is_script(code: str, has_cases: bool) -> bool:
    """True when the record is a program rather than something to call: it defines no function
    or class, or (without test cases) it runs code at top level (a main guard or a call)."""
    tree = parse_python(code)
    defines = any(
        isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        for node in tree.body
    )
    if not defines:
        return True
    if has_cases:
        return False
    return any(
        (isinstance(node, ast.If) and "__name__" in ast.unparse(node.test))
        or (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call))
        for node in tree.body
    )


def _entry_point(code: str) -> str | None:
    from single_shot_eval.corpus.contract import find_entry_point
    from single_shot_eval.corpus.contract.type_inference import find_class_entry

    tree = parse_python(code)
    if any(isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) for node in tree.body):
        return find_entry_point(code)
    return find_class_entry(code)


def load_jsonl(path: Path) -> list[Example]:
    """Load every record of a JSONL corpus file (see the module docstring)."""
    from single_shot_eval.corpus.classify import classify_source
    from single_shot_eval.corpus.contract import (
        UnsupportedCaseValue,
        UnsupportedSignature,
        check_cases,
        harness_target,
    )

    examples = []
    for lineno, line in enumerate(_read_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise CorpusError(path, f"invalid JSON: {exc.msg}", line=lineno) from None
        try:
            record = _FunctionRecord.model_validate(raw)
        except ValidationError as exc:
            err = exc.errors()[0]
            key = ".".join(str(p) for p in err["loc"])
            msg = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
            raise CorpusError(path, msg, key=key, line=lineno) from None
        code = record.python_code
        try:
            compile_python(code, f"{path}:{lineno}")
        except SyntaxError as exc:
            raise CorpusError(
                path, f"python_code of {record.id!r} has a syntax error: {exc.msg}", line=lineno
            ) from None
        common: dict[str, Any] = {
            "id": record.id,
            "python_source": code,
            "script_name": f"{record.id}.py",
            "source_path": path,
            "reference_rust": record.reference_rust,
            "mutant_rust": record.mutant_rust,
            "description": record.description,
            "declared_level": _level_number(path, lineno, record.level),
            "tags": tuple(record.tags),
            "level": classify_source(code).level.number,
            "metadata": _metadata(record),
        }
        if record.entry_point is None and _is_script(code, bool(record.test_cases)):
            examples.append(
                Example(
                    kind=ExampleKind.PROGRAM,
                    cases=(BehaviourCase(EMPTY_ARGV_CASE, origin=CaseOrigin.GENERATED),),
                    mutant_target=record.mutant_target or ("behaviour" if record.mutant_rust
                                                           else None),
                    **common,
                )
            )
            continue
        cases = tuple(
            FunctionCase(inputs=tuple(c.input), expected=c.expected) for c in record.test_cases
        )
        entry = record.entry_point or _entry_point(code)
        example = Example(
            kind=ExampleKind.FUNCTION,
            function_cases=cases,
            entry_point=entry,
            mutant_target=record.mutant_target or ("tests" if record.mutant_rust else None),
            **common,
        )
        reason: str | None = None
        if entry is None:
            reason = "defines no function or class the harness can call"
        else:
            try:
                # The contract, resolved here once (kept on the example); fail at load time,
                # not mid-evaluation, when the harness cannot express a case.
                contract = harness_target(code, entry, cases)
                check_cases(contract, cases)
                example = replace(example, contract=contract)
            except UnsupportedCaseValue as exc:
                raise CorpusError(
                    path, f"{record.id}: {str(exc).removeprefix('test_cases: ')}", line=lineno
                ) from None
            except UnsupportedSignature as exc:
                # Without hand-written cases the return type may come from the generated
                # cases' expected values (see `casegen.functions`): not decided yet.
                if exc.parameter != "return" or cases:
                    reason = str(exc).removeprefix("python_code: ")
        if reason is not None:
            example = replace(example, function_cases=(), unjudgeable_reason=reason)
        examples.append(example)
    return examples
