"""Property tests: parsers of untrusted text raise only their documented errors.

Model completions, task files, case files and compiler output are all text we do not control;
none of them may crash the tool with anything but the documented error type.
"""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from single_shot_eval.config import load_task
from single_shot_eval.corpus.loader import load_example_folder
from single_shot_eval.errors import ConfigError
from single_shot_eval.verify.diagnostics import parse_rustc_json
from single_shot_eval.verify.extract import extract_rust

FENCES = st.sampled_from(["```", "```rust", "```rs", "```python", "~~~", "````rust", "```\n"])
PIECES = st.one_of(
    st.text(max_size=40),
    FENCES,
    st.sampled_from(["fn main() {", "}", "\n", "use std::io;", "pub fn f(", "#[derive(Debug)]"]),
)
completions = st.lists(PIECES, max_size=30).map("".join)

fuzz = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@fuzz
@given(completions, st.one_of(st.none(), st.sampled_from(["f", "main", "solve"])))
def test_extractor_returns_code_or_none(text: str, entry: str | None) -> None:
    code = extract_rust(text, entry)
    assert code is None or (code.strip() and code.endswith("\n"))
    if code is not None:
        assert code.strip("\n") in text or code.strip() in text


@fuzz
@given(st.text(max_size=60))
def test_extractor_finds_a_fenced_main(noise: str) -> None:
    body = "fn main() {\n    println!(\"ok\");\n}"
    text = f"{noise.replace('`', '').replace('~', '')}\n```rust\n{body}\n```\n"
    assert extract_rust(text) == body + "\n"


yaml_like = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20)),
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.sampled_from(["task", "id", "prompts", "user_template", "runs",
                                         "evaluation", "inference", "x"]), children, max_size=4),
    ),
    max_leaves=12,
)


@fuzz
@given(st.one_of(st.text(max_size=200), yaml_like.map(json.dumps)))
def test_task_loader_raises_only_config_errors(tmp_path_factory: object, text: str) -> None:
    path = Path(str(tmp_path_factory.mktemp("task"))) / "task.yaml"  # type: ignore[attr-defined]
    path.write_text(text, encoding="utf-8")
    try:
        load_task(path)
    except ConfigError as exc:
        assert "\n" not in str(exc)
        assert str(path) in str(exc)


@fuzz
@given(st.one_of(st.text(max_size=200), yaml_like.map(json.dumps)))
def test_cases_parser_raises_only_config_errors(tmp_path_factory: object, text: str) -> None:
    folder = Path(str(tmp_path_factory.mktemp("ex"))) / "ex"  # type: ignore[attr-defined]
    folder.mkdir()
    (folder / "ex.py").write_text("print(1)\n")
    (folder / "cases.yaml").write_text(text, encoding="utf-8")
    try:
        example = load_example_folder(folder)
    except ConfigError as exc:
        assert "cases.yaml" in str(exc)
    else:
        assert all(isinstance(a, str) for case in example.cases for a in case.args)


diagnostic_lines = st.one_of(
    st.text(max_size=80),
    st.fixed_dictionaries(
        {"$message_type": st.sampled_from(["diagnostic", "artifact"]),
         "level": st.sampled_from(["error", "warning", "note", 3]),
         "message": st.one_of(st.text(max_size=30), st.none()),
         "code": st.one_of(st.none(), st.fixed_dictionaries({"code": st.sampled_from(["E0308", "E0432", ""])}))},
    ).map(json.dumps),
    yaml_like.map(json.dumps),
)


@fuzz
@given(st.lists(diagnostic_lines, max_size=10).map("\n".join))
def test_diagnostics_parser_never_raises(stderr: str) -> None:
    for diagnostic in parse_rustc_json(stderr):
        assert diagnostic.level == "error"
        assert isinstance(diagnostic.category, str)
