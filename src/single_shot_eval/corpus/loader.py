"""Load a corpus: a directory of example folders, JSONL function records, or both.

Directory layout, one folder per example: one Python script, and optionally `cases.yaml`
(behaviour cases), a pytest file `test_*.py` that runs the script as `python3 <script>`,
`reference.rs`, `mutant.rs` and `meta.yaml`. A folder with only a script and a pytest file (a
common third-party layout) loads too. JSONL records use the seed's function-level format.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from single_shot_eval.config import parse_yaml_document, validation_error
from single_shot_eval.corpus.example import (
    BehaviourCase,
    Example,
    ExampleKind,
    FunctionCase,
)
from single_shot_eval.errors import ConfigError, CorpusError
from single_shot_eval.pysource import compile_python


class _CaseSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = None
    args: list[str | int | float] = Field(default_factory=list)
    stdin: str = ""
    env: dict[str, str | int | float] = Field(default_factory=dict)


class _CasesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cases: list[_CaseSpec]


class _MetaFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str | None = None
    description: str = ""
    level: int | None = Field(default=None, ge=1, le=10)
    mutant_target: str | None = None
    tags: list[str] = Field(default_factory=list)


class _FunctionTestCase(BaseModel):
    model_config = ConfigDict(extra="forbid")
    input: list[Any]
    expected: Any


class _FunctionRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1)
    python_code: str = Field(min_length=1)
    test_cases: list[_FunctionTestCase] = Field(default_factory=list)
    entry_point: str | None = None
    reference_rust: str | None = None
    mutant_rust: str | None = None
    mutant_target: str | None = None
    description: str = ""
    level: int | None = Field(default=None, ge=1, le=10)
    tags: list[str] = Field(default_factory=list)


@dataclass(frozen=True)
class Corpus:
    """An ordered, id-unique collection of examples and where it came from."""

    source: Path
    examples: tuple[Example, ...]

    def __len__(self) -> int:
        return len(self.examples)

    def __iter__(self) -> Iterator[Example]:
        return iter(self.examples)

    def get(self, example_id: str) -> Example:
        for example in self.examples:
            if example.id == example_id:
                return example
        raise KeyError(example_id)

    @classmethod
    def load(cls, path: Path | str | None = None) -> Corpus:
        """The corpus at `path`, or the bundled corpus."""
        return load_corpus(path)

    def limit(self, n: int | None) -> Corpus:
        """The first `n` examples (all when `n` is None)."""
        return self if n is None else replace(self, examples=self.examples[:n])


def bundled_corpus_path() -> Path:
    """Path of the corpus shipped with the package."""
    return Path(str(resources.files("single_shot_eval") / "data" / "corpus"))


def load_corpus(path: Path | str | None = None) -> Corpus:
    """Load every example under `path` (the bundled corpus when None), sorted by id."""
    root = Path(path) if path is not None else bundled_corpus_path()
    if not root.exists():
        raise CorpusError(root, "corpus path does not exist")
    examples: list[Example] = []
    if root.is_file():
        if root.suffix != ".jsonl":
            raise CorpusError(root, "a corpus file must be JSONL (*.jsonl)")
        examples.extend(load_jsonl(root))
    else:
        for folder in _example_folders(root):
            examples.append(load_example_folder(folder))
        for jsonl in sorted(root.rglob("*.jsonl")):
            if not _hidden(jsonl.relative_to(root)):
                examples.extend(load_jsonl(jsonl))
    if not examples:
        raise CorpusError(root, "corpus is empty: no example folder (with a .py script) or .jsonl")
    seen: dict[str, Example] = {}
    for example in examples:
        if example.id in seen:
            first = seen[example.id].source_path
            raise CorpusError(
                example.source_path or root,
                f"duplicate example id {example.id!r} (also in {first})",
            )
        seen[example.id] = example
    return Corpus(source=root, examples=tuple(sorted(examples, key=lambda e: e.id)))


def _hidden(rel: Path) -> bool:
    return any(part.startswith((".", "__")) for part in rel.parts)


def _scripts(folder: Path) -> list[Path]:
    return sorted(
        p
        for p in folder.glob("*.py")
        if not p.name.startswith("test_") and not p.name.endswith("_test.py")
        and p.name != "conftest.py"
    )


def _example_folders(root: Path) -> Iterator[Path]:
    if _scripts(root) and root.is_dir():
        yield root
        return
    for child in sorted(root.iterdir()):
        if child.is_dir() and not child.name.startswith((".", "__")):
            yield from _example_folders(child)


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise CorpusError(path, f"not valid UTF-8 (byte {exc.start})") from None
    except OSError as exc:
        raise CorpusError(path, f"cannot read: {exc.strerror or exc}") from None


def _check_python(path: Path, source: str) -> None:
    try:
        compile_python(source, str(path))
    except SyntaxError as exc:
        raise CorpusError(path, f"Python syntax error: {exc.msg}", line=exc.lineno) from None
    except ValueError as exc:  # null bytes
        raise CorpusError(path, f"not a Python source file: {exc}") from None


def _classify(path: Path, source: str) -> int:
    from single_shot_eval.corpus.levels import classify_source

    try:
        return classify_source(source).level.number
    except SyntaxError as exc:
        raise CorpusError(path, f"Python syntax error: {exc.msg}", line=exc.lineno) from None


def load_example_folder(folder: Path) -> Example:
    """Load one example folder (see the module docstring for the layout)."""
    scripts = _scripts(folder)
    if len(scripts) != 1:
        names = ", ".join(p.name for p in scripts)
        raise CorpusError(folder, f"expected exactly one Python script, found {names}")
    script = scripts[0]
    source = _read_text(script)
    _check_python(script, source)

    meta = _MetaFile()
    meta_path = folder / "meta.yaml"
    if meta_path.exists():
        data, node = parse_yaml_document(meta_path, _read_text(meta_path))
        try:
            meta = _MetaFile.model_validate(data or {})
        except ValidationError as exc:
            raise validation_error(meta_path, exc, node) from None

    cases: list[BehaviourCase] = []
    cases_path = folder / "cases.yaml"
    if cases_path.exists():
        data, node = parse_yaml_document(cases_path, _read_text(cases_path))
        try:
            parsed = _CasesFile.model_validate(data)
        except ValidationError as exc:
            raise validation_error(cases_path, exc, node) from None
        for i, spec in enumerate(parsed.cases):
            cases.append(
                BehaviourCase(
                    name=spec.name or f"case_{i}",
                    args=tuple(str(a) for a in spec.args),
                    stdin=spec.stdin,
                    env=tuple(sorted((k, str(v)) for k, v in spec.env.items())),
                )
            )

    # Reviewed output of `single-shot-eval cases`: loads like hand-written cases, marked generated.
    from single_shot_eval.corpus.casegen import read_generated_cases_for

    cases.extend(read_generated_cases_for(script))

    tests = sorted(p for p in folder.glob("test_*.py"))
    for test in tests:
        _check_python(test, _read_text(test))

    def optional(name: str) -> str | None:
        p = folder / name
        return _read_text(p) if p.exists() else None

    return Example(
        id=meta.id or folder.name,
        kind=ExampleKind.PROGRAM,
        python_source=source,
        script_name=script.name,
        source_path=script,
        cases=tuple(cases),
        pytest_path=tests[0] if tests else None,
        reference_rust=optional("reference.rs"),
        mutant_rust=optional("mutant.rs"),
        mutant_target=meta.mutant_target,
        description=meta.description,
        declared_level=meta.level,
        tags=tuple(meta.tags),
        level=_classify(script, source),
    )


def load_jsonl(path: Path) -> list[Example]:
    """Load function-level records: `{"id", "python_code", "test_cases": [...]}` per line."""
    from single_shot_eval.verify.function_harness import (
        find_entry_point,
        render_test_module,
        rust_signature,
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
        try:
            compile_python(record.python_code, f"{path}:{lineno}")
        except SyntaxError as exc:
            raise CorpusError(
                path, f"python_code of {record.id!r} has a syntax error: {exc.msg}", line=lineno
            ) from None
        cases = tuple(FunctionCase(inputs=tuple(c.input), expected=c.expected)
                      for c in record.test_cases)
        try:
            entry = record.entry_point or find_entry_point(record.python_code)
            # Fail at load time, not mid-evaluation, when the harness cannot express a record.
            rust_signature(record.python_code, entry)
            render_test_module(record.python_code, entry, cases)
        except ConfigError as exc:
            message = str(exc).removeprefix("python_code: ")
            if not message.startswith("def "):
                message = f"{record.id}: {message}"
            raise CorpusError(path, message, line=lineno) from None
        examples.append(
            Example(
                id=record.id,
                kind=ExampleKind.FUNCTION,
                python_source=record.python_code,
                script_name=f"{record.id}.py",
                source_path=path,
                function_cases=cases,
                entry_point=entry,
                reference_rust=record.reference_rust,
                mutant_rust=record.mutant_rust,
                mutant_target=record.mutant_target or ("tests" if record.mutant_rust else None),
                description=record.description,
                declared_level=record.level,
                tags=tuple(record.tags),
                level=_classify(path, record.python_code),
            )
        )
    return examples
