"""Load a corpus: example folders (found in any tree, see `corpus.folders`), JSONL function
records, or a mix of several paths.

Our own folder layout, one folder per example: one Python script (plus the sibling modules it
imports), and optionally `cases.yaml` (behaviour cases), a pytest file `test_*.py` that runs the
script as `python3 <script>`, `reference.rs`, `mutant.rs` and `meta.yaml`. Third-party folders
(scripts, maybe a pytest file) load too, one example per runnable script. JSONL records use the
seed's function-level format.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, replace
from importlib import resources
from itertools import zip_longest
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from single_shot_eval.config import parse_yaml_document, validation_error
from single_shot_eval.corpus.example import (
    BehaviourCase,
    Example,
    ExampleKind,
)
from single_shot_eval.corpus.folders import (
    FolderPlan,
    SkippedFolder,
    discover,
    plan_folder,
)
from single_shot_eval.corpus.folders import read_text as _read_text
from single_shot_eval.corpus.generated_cases_file import read_generated_cases_for
from single_shot_eval.errors import CorpusError


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


# One corpus path or several (None: the bundled corpus).
CorpusPaths = Path | str | Sequence[Path | str] | None


def _round_robin(levels: dict[int, list[Example]]) -> list[Example]:
    columns = [levels[level] for level in sorted(levels)]
    return [e for turn in zip_longest(*columns) for e in turn if e is not None]


@dataclass(frozen=True)
class Corpus:
    """An ordered, id-unique collection of examples, where it came from, and what was left out.

    `skipped`: folders (or scripts) meant as examples that cannot be used, each with its reason
    (`--strict` makes the first one an error). `ignored`: folders and files that are not
    examples at all (a test suite, benchmark tooling, a library package, a non-corpus JSONL).
    """

    source: Path
    examples: tuple[Example, ...]
    skipped: tuple[SkippedFolder, ...] = ()
    ignored: tuple[SkippedFolder, ...] = ()
    sources: tuple[Path, ...] = ()

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
    def load(cls, path: CorpusPaths = None, *, strict: bool = False) -> Corpus:
        """The corpus at `path` (one path or several), or the bundled corpus."""
        return load_corpus(path, strict=strict)

    def limit(self, n: int | None) -> Corpus:
        """The first `n` examples (all when `n` is None)."""
        return self if n is None else replace(self, examples=self.examples[:n])

    def select(
        self, *, kind: ExampleKind | None = None, levels: Collection[int] | None = None
    ) -> Corpus:
        """The examples of one kind and/or at some Py2Rs levels, in corpus order (a subset a
        report can name: "the level-3 functions")."""
        chosen = tuple(
            e
            for e in self.examples
            if (kind is None or e.kind == kind) and (levels is None or e.level in levels)
        )
        return replace(self, examples=chosen)

    def stratified(self) -> Corpus:
        """The same examples reordered so that any first N are a stratified sample: kinds take
        turns (function, program, ...), and within a kind its Py2Rs levels take turns (lowest
        level first; corpus order within a level). A kind or level that runs out drops out."""
        by_kind: dict[str, dict[int, list[Example]]] = {}
        for example in self.examples:
            by_kind.setdefault(example.kind.value, {}).setdefault(example.level, []).append(
                example
            )
        per_kind = [_round_robin(levels) for _kind, levels in sorted(by_kind.items())]
        order = [e for turn in zip_longest(*per_kind) for e in turn if e is not None]
        return replace(self, examples=tuple(order))

    def display_path(self, path: Path) -> str:
        """`path` relative to the corpus root it was found under (as given when outside)."""
        for root in self.sources or (self.source,):
            if path == root:
                return path.name or str(path)
            if path.is_relative_to(root):
                return str(path.relative_to(root))
        return str(path)

    def loading_summary(self, max_listed: int = 8) -> str:
        """One line: `N examples loaded, M folders skipped: a (reason), ...` (long lists cut)."""
        line = f"{len(self.examples)} examples loaded"
        if self.skipped:
            shown = ", ".join(
                f"{self.display_path(s.path)} ({_shorten(s.reason)})"
                for s in self.skipped[:max_listed]
            )
            more = len(self.skipped) - max_listed
            tail = f", and {more} more" if more > 0 else ""
            line += f", {len(self.skipped)} folders skipped: {shown}{tail}"
        else:
            line += ", 0 folders skipped"
        if self.ignored:
            names = ", ".join(self.display_path(s.path) for s in self.ignored[:max_listed])
            more = len(self.ignored) - max_listed
            tail = f", and {more} more" if more > 0 else ""
            line += f"; {len(self.ignored)} non-example folders or files ignored: {names}{tail}"
        return line


def _shorten(text: str, limit: int = 90) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def bundled_corpus_path() -> Path:
    """Path of the corpus shipped with the package."""
    return Path(str(resources.files("single_shot_eval") / "data" / "corpus"))


def load_corpus(path: CorpusPaths = None, *, strict: bool = False) -> Corpus:
    """Load every example under `path` (the bundled corpus when None), sorted by id.

    `path` may be one path or several: a repository root, an `examples/` folder, one example
    folder, one script of an example folder, or a JSONL file (see `corpus.folders` for how a
    tree is read). Folders that cannot be used are listed in `Corpus.skipped`; with `strict`
    the first of them raises its `CorpusError` instead. When nothing loads but something was
    skipped, the first skip's error is raised (it says more than "corpus is empty").

    Always errors, never skips: a path that does not exist, a file that is neither JSONL nor a
    script, anything wrong in a JSONL file or in a folder of our own layout (see
    `corpus.folders`), and two different examples with one id (ids key every stored sample, so
    a clash would mix their results). The same script reached through overlapping paths loads
    once.
    """
    if path is None:
        roots = [bundled_corpus_path()]
    elif isinstance(path, (str, Path)):
        roots = [Path(path)]
    else:
        roots = [Path(p) for p in path]
        if not roots:
            roots = [bundled_corpus_path()]
    examples: list[Example] = []
    skipped: list[SkippedFolder] = []
    ignored: list[SkippedFolder] = []
    for root in roots:
        found = _load_root(root)
        examples.extend(found.examples)
        skipped.extend(found.skipped)
        ignored.extend(found.ignored)
    if strict and skipped:
        raise skipped[0].error()
    if not examples:
        if skipped:
            raise skipped[0].error()
        raise CorpusError(
            roots[0], "corpus is empty: no example folder (with a .py script) or .jsonl"
        )
    seen: dict[str, Example] = {}
    unique: list[Example] = []
    for example in examples:
        if example.id in seen:
            first = seen[example.id].source_path
            if example.kind is ExampleKind.PROGRAM and example.source_path == first:
                continue  # the same script reached through two overlapping paths
            raise CorpusError(
                example.source_path or roots[0],
                f"duplicate example id {example.id!r} (also in {first})",
            )
        seen[example.id] = example
        unique.append(example)
    return Corpus(
        source=roots[0],
        examples=tuple(sorted(unique, key=lambda e: e.id)),
        skipped=tuple(skipped),
        ignored=tuple(ignored),
        sources=tuple(roots),
    )


@dataclass
class _RootLoad:
    examples: list[Example]
    skipped: list[SkippedFolder]
    ignored: list[SkippedFolder]


def _load_root(root: Path) -> _RootLoad:
    if not root.exists():
        raise CorpusError(root, "corpus path does not exist")
    if root.is_file():
        if root.suffix == ".py":
            return _load_script(root)
        if root.suffix != ".jsonl":
            raise CorpusError(root, "a corpus file must be JSONL (*.jsonl)")
        return _RootLoad(load_jsonl(root), [], [])
    found = discover(root)
    loaded = _RootLoad([], [], list(found.ignored))
    for folder, meant in found.folders:
        plan = plan_folder(folder, meant=meant)
        loaded.examples.extend(_build_examples(plan))
        loaded.skipped.extend(plan.skipped)
    for jsonl in found.jsonl_files:
        loaded.examples.extend(load_jsonl(jsonl))
    return loaded


def _load_script(script: Path) -> _RootLoad:
    """One script of an example folder: the example it is (the folder's other scripts are not
    loaded, but its sibling modules still travel with it)."""
    plan = plan_folder(script.parent, meant=True)
    mine = [s for s in plan.scripts if s.script == script]
    if not mine:
        for skip in plan.skipped:
            if skip.path in (script, script.parent):
                raise skip.error()
        raise CorpusError(script, "not a runnable script of its folder (a module it imports?)")
    return _RootLoad(_build_examples(replace(plan, scripts=tuple(mine))), [], [])


def _build_examples(plan: FolderPlan) -> list[Example]:
    folder = plan.folder
    meta = _load_meta(folder / "meta.yaml") if plan.ours else _MetaFile()
    cases = _load_cases(folder / "cases.yaml") if plan.ours else ()
    examples = []
    for script in plan.scripts:
        examples.append(
            Example(
                id=meta.id or script.example_id,
                kind=ExampleKind.PROGRAM,
                python_source=script.source,
                script_name=script.script.name,
                source_path=script.script,
                # Reviewed output of `single-shot-eval cases` beside the script loads like
                # hand-written cases, marked generated.
                cases=cases + read_generated_cases_for(script.script),
                pytest_path=script.pytest_path,
                reference_rust=_optional(folder / "reference.rs") if plan.ours else None,
                mutant_rust=_optional(folder / "mutant.rs") if plan.ours else None,
                mutant_target=meta.mutant_target,
                description=meta.description,
                declared_level=meta.level,
                tags=tuple(meta.tags),
                level=_classify(script.script, script.source),
                support_files=script.support_files,
                metadata=script.notes,
            )
        )
    return examples


def _optional(path: Path) -> str | None:
    return _read_text(path) if path.exists() else None


def _load_meta(meta_path: Path) -> _MetaFile:
    if not meta_path.exists():
        return _MetaFile()
    data, node = parse_yaml_document(meta_path, _read_text(meta_path))
    try:
        return _MetaFile.model_validate(data or {})
    except ValidationError as exc:
        raise validation_error(meta_path, exc, node) from None


def _load_cases(cases_path: Path) -> tuple[BehaviourCase, ...]:
    if not cases_path.exists():
        return ()
    data, node = parse_yaml_document(cases_path, _read_text(cases_path))
    try:
        parsed = _CasesFile.model_validate(data)
    except ValidationError as exc:
        raise validation_error(cases_path, exc, node) from None
    cases: list[BehaviourCase] = []
    for i, spec in enumerate(parsed.cases):
        cases.append(
            BehaviourCase(
                name=spec.name or f"case_{i}",
                args=tuple(str(a) for a in spec.args),
                stdin=spec.stdin,
                env=tuple(sorted((k, str(v)) for k, v in spec.env.items())),
            )
        )
    return tuple(cases)


def _classify(path: Path, source: str) -> int:
    from single_shot_eval.corpus.classify import classify_source

    try:
        return classify_source(source).level.number
    except SyntaxError as exc:
        raise CorpusError(path, f"Python syntax error: {exc.msg}", line=exc.lineno) from None


def load_example_folder(folder: Path, *, strict: bool = False) -> Example:
    """Load the one example of an example folder (or of one script: `folder/script.py`).

    Raises `CorpusError` when it cannot be used or holds several examples (name the script);
    with `strict`, also when anything in it was skipped.
    """
    loaded = _load_root(folder)
    if loaded.skipped and (strict or not loaded.examples):
        raise loaded.skipped[0].error()
    if not loaded.examples:
        raise CorpusError(folder, "no example (no runnable Python script)")
    if len(loaded.examples) > 1:
        names = ", ".join(e.script_name for e in loaded.examples)
        raise CorpusError(
            folder, f"holds {len(loaded.examples)} examples ({names}): name one script"
        )
    return loaded.examples[0]


def load_jsonl(path: Path) -> list[Example]:
    """Load a JSONL corpus file as shipped (see `corpus.jsonl`)."""
    from single_shot_eval.corpus.jsonl import load_jsonl as load_records

    return load_records(path)
