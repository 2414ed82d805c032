"""Task YAML schema and loader.

A task says what to ask (prompts), how (inference parameters), how often (runs) and what counts as
ground truth. Unknown keys and wrong types are errors that name the file, the key path and line.
"""

from __future__ import annotations

import glob
import math
import string
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from single_shot_eval.errors import ConfigError

PROMPT_PLACEHOLDERS = frozenset({"python_code", "requirements", "example_id", "script_name"})


Metric = Literal["accuracy", "cost", "latency"]
ALL_METRICS: tuple[Metric, ...] = ("accuracy", "cost", "latency")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TaskInfo(_Strict):
    id: str = Field(min_length=1)
    domain: str = "code-transpile"
    description: str = ""


class EvaluationSettings(_Strict):
    samples: int | None = Field(default=None, ge=1)
    timeout_ms: int = Field(default=30_000, ge=1)
    metrics: list[Metric] = Field(default_factory=lambda: list(ALL_METRICS))
    runs: int = Field(default=5, ge=1)


class AnswerBudget(_Strict):
    """A limit on an answer's length that grows with the Python source it translates.

    A translation is about as long as its source, so a budget of a few tokens per source
    character never cuts one (the task YAML states the margin it leaves); what it does cut is a
    model looping until `max_tokens`, which costs minutes per answer and cannot change a verdict.
    """

    tokens_per_source_char: float = Field(gt=0)
    at_least_tokens: int = Field(default=256, ge=1)

    def tokens_for(self, python_source: str) -> int:
        """The budget for one source: `tokens_per_source_char` per character, at least
        `at_least_tokens`."""
        scaled = math.ceil(self.tokens_per_source_char * len(python_source))
        return max(self.at_least_tokens, scaled)


class InferenceSettings(_Strict):
    temperature: float = Field(default=0.0, ge=0.0, le=2.0)
    max_tokens: int = Field(default=4096, ge=1)
    answer_budget: AnswerBudget | None = None
    seed: int = 0
    top_p: float = Field(default=1.0, gt=0.0, le=1.0)
    stop_after_code_block: bool = False
    stop_on_repetition: bool = False

    def max_tokens_for(self, python_source: str) -> int:
        """The output-token limit for an answer to `python_source`: `max_tokens`, or the answer
        budget for that source when it is smaller."""
        if self.answer_budget is None:
            return self.max_tokens
        return min(self.max_tokens, self.answer_budget.tokens_for(python_source))


class Prompts(_Strict):
    system: str = ""
    user_template: str

    @field_validator("user_template")
    @classmethod
    def _placeholders(cls, template: str) -> str:
        names = set()
        try:
            for _, name, _, _ in string.Formatter().parse(template):
                if name is not None:
                    names.add(name)
        except ValueError as exc:
            raise ValueError(f"malformed template: {exc}") from None
        unknown = names - PROMPT_PLACEHOLDERS
        if unknown:
            raise ValueError(
                f"unknown placeholder {{{sorted(unknown)[0]}}} "
                f"(allowed: {', '.join('{' + p + '}' for p in sorted(PROMPT_PLACEHOLDERS))})"
            )
        if "python_code" not in names:
            raise ValueError("template must contain the {python_code} placeholder")
        return template


class GroundTruth(_Strict):
    type: Literal["compiler", "tests", "behaviour", "full"] = "full"
    run_tests: bool = True
    compare_stderr: bool = False
    float_tolerance: float = Field(default=1e-9, ge=0.0)


class ExecutionSettings(_Strict):
    """Where the work runs; command-line flags win over these."""

    executor: Literal["local", "ray"] | None = None
    ray_address: str | None = None
    workers: int | None = Field(default=None, ge=1)
    max_retries: int | None = Field(default=None, ge=0)


RepairFeedback = Literal["compiler", "tests", "both"]


class RepairSettings(_Strict):
    """Repair turns after a failing verdict (`repair@r`): how many, and which feedback.

    `compiler`: the first rustc diagnostics; `tests`: the first failing case (input, expected,
    actual); `both`: whichever the failure has. 0 turns (the default) is the plain one-shot
    evaluation.
    """

    turns: int = Field(default=0, ge=0, le=10)
    feedback: RepairFeedback = "both"


class TaskConfig(_Strict):
    """A whole task file: the seed's schema plus inference parameters."""

    task: TaskInfo
    evaluation: EvaluationSettings = EvaluationSettings()
    inference: InferenceSettings = InferenceSettings()
    prompts: Prompts
    ground_truth: GroundTruth = GroundTruth()
    execution: ExecutionSettings = ExecutionSettings()
    # None (absent from the file) and `turns: 0` both mean one shot; kept None when absent so
    # the provenance of a one-shot evaluation stays what it was before repair turns existed.
    repair: RepairSettings | None = None
    source_path: Path | None = Field(default=None, exclude=True)

    @property
    def id(self) -> str:
        return self.task.id


def _line_of(node: yaml.Node | None, loc: tuple[int | str, ...]) -> int | None:
    """Follow a pydantic error location through the YAML node tree to a 1-based line."""
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if k.value == part), None)
            key_node = next((k for k, _ in node.value if k.value == part), None)
            if match is None:
                return line
            line = (key_node or match).start_mark.line + 1
            node = match
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                return line
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def parse_yaml_document(path: Path, text: str) -> tuple[Any, yaml.Node | None]:
    """Parse YAML text, turning syntax errors into a `ConfigError` with the line."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(path, f"invalid YAML: {problem}", line=line) from None
    return data, node


def validation_error(
    path: Path,
    exc: ValidationError,
    node: yaml.Node | None,
    as_written: Callable[[tuple[str | int, ...]], tuple[str | int, ...]] | None = None,
) -> ConfigError:
    """The first pydantic error as a `ConfigError` naming key path and line (`as_written` maps
    a model's location to the key the file wrote, where the two differ)."""
    err = exc.errors()[0]
    loc = tuple(err["loc"])
    if as_written is not None:
        loc = as_written(loc)
    key = ".".join(str(p) for p in loc)
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        msg = "unknown key"
    elif err["type"] == "missing":
        msg = "required key is missing"
    return ConfigError(path, msg, key=key, line=_line_of(node, loc))


def load_task(path: Path | str) -> TaskConfig:
    """Load and validate one task YAML."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(path, "task file does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(path, f"cannot read task file: {exc}") from None
    data, node = parse_yaml_document(path, text)
    if not isinstance(data, dict):
        raise ConfigError(path, "expected a mapping at the top level", line=1)
    try:
        config = TaskConfig.model_validate(data)
    except ValidationError as exc:
        raise validation_error(path, exc, node) from None
    return config.model_copy(update={"source_path": path})


def bundled_task_path() -> Path:
    """Path of the task YAML shipped with the package."""
    return Path(str(resources.files("single_shot_eval") / "data" / "tasks" / "transpile.yaml"))


def load_tasks(pattern: str | None) -> list[TaskConfig]:
    """Load every task matching a glob (or the bundled task when `pattern` is None)."""
    if pattern is None:
        return [load_task(bundled_task_path())]
    paths = sorted(glob.glob(pattern)) if any(c in pattern for c in "*?[") else [pattern]
    if not paths:
        raise ConfigError(pattern, "no task file matches this pattern", key="--tasks")
    tasks = [load_task(p) for p in paths]
    ids = [t.id for t in tasks]
    for t in tasks:
        if ids.count(t.id) > 1:
            raise ConfigError(t.source_path or "", f"task id {t.id!r} is used twice", key="task.id")
    return tasks


class TaskLoader:
    """The seed's library entry point: `TaskLoader.load_glob("tasks/*.yaml")`, then iterate."""

    def __init__(self, tasks: list[TaskConfig]) -> None:
        self.tasks = tasks

    @classmethod
    def load_glob(cls, pattern: str) -> TaskLoader:
        return cls(load_tasks(pattern))

    @classmethod
    def bundled(cls) -> TaskLoader:
        return cls(load_tasks(None))

    def __iter__(self) -> Iterator[TaskConfig]:
        return iter(self.tasks)

    def __len__(self) -> int:
        return len(self.tasks)
