"""Running candidate inputs through the Python original in the sandbox (the oracle), with
per-input coverage contexts, and reading back what it returned."""

from __future__ import annotations

import ast
import json
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from single_shot_eval.casegen._function_oracle import ORACLE_SOURCE
from single_shot_eval.casegen.function_values import Unrepresentable, untag
from single_shot_eval.corpus.contract import ClassSignature, FunctionSignature
from single_shot_eval.pysource import parse_python
from single_shot_eval.sandbox import Sandbox, SandboxCommand, SandboxLimits

CANDIDATE_TIMEOUT_S = 0.25
"""Per-input wall-clock limit in the oracle; slower inputs are not kept as ground truth."""
_RUN_SETTINGS = (
    {"TZ": "Etc/GMT+12", "PYTHONHASHSEED": "1"},
    {"TZ": "Etc/GMT-14", "PYTHONHASHSEED": "2"},
    {"TZ": "UTC", "PYTHONHASHSEED": "3"},
    {"TZ": "America/St_Johns", "PYTHONHASHSEED": "4"},
    {"TZ": "Asia/Kathmandu", "PYTHONHASHSEED": "5"},
)
"""Run 0 (with coverage) selects; runs 1-4 confirm. Five hash seeds: an order that depends on
string hashes survives all five by chance with probability 1/16 for two items, 1/1296 for
three (three runs would let 1/4 of two-item orders through)."""


# ---------------------------------------------------------------------------------------------
# The oracle


@dataclass(frozen=True)
class Outcome:
    status: str  # ok | raised | timeout | missing
    value: Any = None
    error: str = ""
    calls: int | None = None
    lines: frozenset[int] = frozenset()
    arcs: frozenset[tuple[int, int]] = frozenset()
    raw: str = ""


def _oracle_spec(target: FunctionSignature | ClassSignature) -> dict[str, Any]:
    if isinstance(target, ClassSignature):
        return {"kind": "class", "name": target.name,
                "methods": {m.rust_name: [m.python_name, m.kind.value] for m in target.methods}}
    return {"kind": "function", "name": target.name}


def coverage_path() -> str | None:
    """The folder holding coverage.py, for the sandbox's PYTHONPATH (None: not installed)."""
    try:
        import coverage
    except ImportError:
        return None
    return str(Path(coverage.__file__).resolve().parent.parent)


def run_oracle(
    sandbox: Sandbox,
    python_code: str,
    target: FunctionSignature | ClassSignature,
    inputs: Sequence[list[Any]],
    *,
    runs: Sequence[int],
    coverage: bool,
    watch_i64: bool = False,
    total_s: float | None = None,
) -> tuple[list[list[Outcome]], list[int]]:
    """Outcomes of every input in each of `runs` (indexes into the run settings), all in one
    sandbox batch; plus the target file's statements (when `coverage`)."""
    timeout_s = len(inputs) * (CANDIDATE_TIMEOUT_S + 0.05) + 5.0
    with tempfile.TemporaryDirectory(prefix="sse-casegen-fn-") as tmp:
        commands = []
        folders = []
        for run in runs:
            folder = Path(tmp) / f"run-{run}"
            folder.mkdir()
            folders.append(folder)
            (folder / "target.py").write_text(python_code, encoding="utf-8")
            (folder / "oracle.py").write_text(ORACLE_SOURCE, encoding="utf-8")
            spec = {**_oracle_spec(target), "inputs": list(inputs), "coverage": coverage,
                    "timeout_s": CANDIDATE_TIMEOUT_S, "watch_i64": watch_i64,
                    "total_s": total_s}
            (folder / "spec.json").write_text(json.dumps(spec, allow_nan=True), encoding="utf-8")
            env = {**_RUN_SETTINGS[run], "HOME": str(folder), "TMPDIR": str(folder),
                   "PYTHONDONTWRITEBYTECODE": "1"}
            if coverage:
                env["PYTHONPATH"] = coverage_path() or ""
            commands.append(SandboxCommand(
                (sandbox.python_executable, "oracle.py"), b"", tuple(env.items()), str(folder),
                timeout_s=timeout_s,
            ))
        limits = SandboxLimits(cpu_s=timeout_s, wall_timeout_s=timeout_s)
        sandbox.run_batch(commands, workdir=Path(tmp), limits=limits)
        outcomes: list[list[Outcome]] = []
        statements: list[int] = []
        for folder in folders:
            results: list[dict[str, Any]] = []
            try:
                lines = (folder / "results.jsonl").read_text(encoding="utf-8").splitlines()
            except OSError:
                lines = []
            for line in lines:
                try:
                    record = json.loads(line)
                except ValueError:
                    break  # the last line of a killed run may be cut short
                if record.get("done"):
                    statements = statements or list(record.get("statements", []))
                elif "coverage" in record:
                    if record["coverage"] < len(results):
                        results[record["coverage"]].update(lines=record["lines"],
                                                           arcs=record["arcs"])
                else:
                    results.append(record)
            run_outcomes = [_outcome(result) for result in results]
            # Inputs after the last recorded one did not finish: the run was killed.
            run_outcomes += [Outcome("missing")] * (len(inputs) - len(run_outcomes))
            outcomes.append(run_outcomes)
    return outcomes, statements


def _outcome(result: dict[str, Any]) -> Outcome:
    lines = frozenset(result.get("lines", []))
    arcs = frozenset(tuple(arc) for arc in result.get("arcs", []))
    raw = json.dumps([result.get("status"), result.get("value"), result.get("error"),
                      result.get("calls")])
    status = result.get("status", "missing")
    value: Any = None
    if "value" in result:
        try:
            value = untag(result["value"])
        except Unrepresentable as exc:
            return Outcome("unrepresentable", error=str(exc), lines=lines, arcs=arcs, raw=raw)
    return Outcome(status, value, result.get("error", ""), result.get("calls"), lines, arcs,
                    raw)


def target_lines(python_code: str, target: FunctionSignature | ClassSignature) -> set[int]:
    """Lines of the statements a call can execute: the function body (nested bodies
    included) or the bodies of the class's methods; docstrings and abstract stubs left out."""
    from single_shot_eval.corpus.contract.type_inference import _is_abstract

    tree = parse_python(python_code)
    bodies: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
    for node in tree.body:
        if isinstance(target, ClassSignature) and isinstance(node, ast.ClassDef):
            bodies += [item for item in node.body
                       if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
                       and not _is_abstract(item)]
        elif (
            isinstance(target, FunctionSignature)
            and isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and node.name == target.name
        ):
            bodies.append(node)
    lines: set[int] = set()
    for function in bodies:
        for statement in function.body:
            if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
                continue
            lines |= {child.lineno for child in ast.walk(statement) if isinstance(child, ast.stmt)}
    return lines


