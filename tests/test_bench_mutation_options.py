"""The mutation benchmark's `--wrong-dir` files: named `<example id>__<name>.rs`."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

_BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_mutation.py"


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_mutation", _BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_wrong_translations_are_read_per_example(tmp_path: Path) -> None:
    (tmp_path / "fn_a__off_by_one.rs").write_text("pub fn a() {}\n")
    (tmp_path / "fn_a__2.rs").write_text("pub fn a() { }\n")
    (tmp_path / "fn_b__x.rs").write_text("pub fn b() {}\n")
    (tmp_path / "notes.txt").write_text("not read\n")
    wrong = _bench().wrong_translations(tmp_path, {"fn_a", "fn_b"})
    assert [(m.example_id, m.operator) for m in wrong] == [
        ("fn_a", "fn_a__2.rs"), ("fn_a", "fn_a__off_by_one.rs"), ("fn_b", "fn_b__x.rs")]
    assert wrong[2].code == "pub fn b() {}\n"


@pytest.mark.parametrize("name", ["fn_c__x.rs", "fn_a.rs"])
def test_a_wrong_translation_naming_no_judged_reference_stops_the_run(
        tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_text("pub fn a() {}\n")
    with pytest.raises(SystemExit, match=name):
        _bench().wrong_translations(tmp_path, {"fn_a"})
