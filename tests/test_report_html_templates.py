"""The Jinja2 templates of report.html: the page a small store gives is byte for byte the page
the f-string version wrote (tests/golden/report_small.html, written by that version), store
text is escaped with the stdlib's entities, and template line breaks are layout only.

After a deliberate change to the page, rewrite the golden file with
`PYTHONPATH=src python -m tests.test_report_html_templates` and review its diff.
"""

from __future__ import annotations

import html
import sys
from pathlib import Path

import pytest
from jinja2 import Environment
from markupsafe import Markup

from single_shot_eval.report.data import load_report_data
from single_shot_eval.report.formats.html import render_html
from single_shot_eval.report.plots import PlotSet
from single_shot_eval.results.records import Diagnostic, Sample, StageResult, Verdict
from single_shot_eval.results.store import ResultStore

GOLDEN = Path(__file__).parent / "golden" / "report_small.html"
ODD_MODEL = "o'k\"<b>&"
ODD_EXAMPLE = "ex'1<&>"


def _sample(model: str, example: str, verdict: Verdict, *, control: str | None = None,
            run: int = 1) -> Sample:
    failing = verdict is Verdict.BEHAVIOUR_MISMATCH
    return Sample(
        task_id="task'<1>", model_id=model, run=run, example_id=example, level=2,
        prompt_sha256="ab" * 32, completion="```rust\nfn main() {}\n```\nit's <done> & \"ok\"",
        extracted_code=None if verdict is Verdict.NO_CODE else "fn main() { let s = \"'\"; }",
        input_tokens=1234, output_tokens=56, tokens_estimated=example.endswith("2"),
        latency_s=0.75, cost_usd=0.0 if control else 0.002, verdict=verdict,
        stages=(
            StageResult("compile", verdict is not Verdict.COMPILE_ERROR, 0.5, "rustc 'ok'"),
            StageResult("behaviour", verdict is Verdict.PASS, 0.25, "", 2, 1 if failing else 2,
                        failing_case="input 'x' <y>" if failing else None,
                        expected="1 & 2" if failing else None,
                        actual="\"3\"" if failing else None),
        ) if verdict is not Verdict.NO_CODE else (),
        diagnostics=(Diagnostic("error", "expected `i32`, found '&str' <here>", "E0308",
                                "type"),) if verdict is Verdict.COMPILE_ERROR else (),
        error="model said 'no' <again>" if verdict is Verdict.MODEL_ERROR else "",
        cached_response=run == 2,
        extra={"control": control} if control else {},
    )


def _store(path: Path) -> Path:
    verdicts = {
        ODD_MODEL: (Verdict.PASS, Verdict.BEHAVIOUR_MISMATCH, Verdict.COMPILE_ERROR),
        "plain": (Verdict.PASS, Verdict.NO_CODE, Verdict.MODEL_ERROR),
        "reference": (Verdict.PASS, Verdict.PASS, Verdict.PASS),
    }
    with ResultStore(path) as store:
        store.set_meta("rustc_version", "rustc 1.95.0 'x'\nhost: <y> & z")
        store.set_meta("sandbox", "bwrap")
        for model, per_example in verdicts.items():
            control = "reference" if model == "reference" else None
            for index, verdict in enumerate(per_example):
                example = ODD_EXAMPLE if index == 0 else f"ex{index + 1}"
                for run in (1, 2):
                    store.add_sample(_sample(model, example, verdict, control=control, run=run))
    return path


def _page(directory: Path) -> str:
    data = load_report_data(_store(directory / "results.sqlite"))
    return render_html(data, PlotSet(directory, ()))


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> str:
    return _page(tmp_path_factory.mktemp("html-templates"))


def test_page_is_byte_identical_to_the_f_string_version(page: str) -> None:
    expected = GOLDEN.read_text(encoding="utf-8")
    assert page == expected


def test_store_text_is_escaped_with_the_stdlib_entities(page: str) -> None:
    assert ODD_MODEL not in page and ODD_EXAMPLE not in page
    assert f'data-model="{html.escape(ODD_MODEL)}"' in page
    assert f'data-example="{html.escape(ODD_EXAMPLE)}"' in page
    assert "o&#x27;k&quot;&lt;b&gt;&amp;" in page
    # MarkupSafe's spellings of the quotes never appear
    assert "&#39;" not in page and "&#34;" not in page
    # multi-line provenance in <pre>, escaped; failing case, diagnostics and error escaped
    assert "<pre>rustc 1.95.0 &#x27;x&#x27;\nhost: &lt;y&gt; &amp; z</pre>" in page
    assert "<pre>input &#x27;x&#x27; &lt;y&gt;</pre>" in page
    assert "<code>E0308</code>" in page and "found &#x27;&amp;str&#x27; &lt;here&gt;" in page
    assert '<p class="error">model said &#x27;no&#x27; &lt;again&gt;</p>' in page
    assert page.startswith("<!DOCTYPE html>\n<html") and page.endswith("</html>\n")


def _environment() -> Environment:
    # imported here so that the golden page's writer also runs on the f-string version
    from single_shot_eval.report.html_kit import ENVIRONMENT

    return ENVIRONMENT


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("<p>\n  one\n  two <b>x</b>\n</p>", "<p>one two <b>x</b></p>"),
        ("{% if true %}\n  a\n{% endif %}\n<i>b</i>", "a<i>b</i>"),
        ("text\n{{ value }}\n  more", "text'more"),
        ('<p>{{ " " }}\n  {{ value }}</p>{{ "\\n" }}', "<p> '</p>\n"),
    ],
)
def test_template_line_breaks_are_layout(source: str, expected: str) -> None:
    rendered = _environment().from_string(source).render(value="'")
    assert rendered == expected.replace("'", "&#x27;")


def test_constants_joins_and_markup_follow_the_same_escaping() -> None:
    template = _environment().from_string(
        '{{ "it\'s" }}|{{ items|join(", ") }}|{{ safe }}|{{ none_value }}|{{ 3 }}'
    )
    rendered = template.render(items=["a'", "<b>"], safe=Markup("<i>x</i>"), none_value=None)
    assert rendered == "it&#x27;s|a&#x27;, &lt;b&gt;|<i>x</i>|None|3"


def test_an_undefined_name_in_a_template_is_an_error_not_an_empty_string() -> None:
    with pytest.raises(Exception, match="undefined"):
        _environment().from_string("{{ missing_name }}").render()


if __name__ == "__main__":  # rewrite the golden file (see the module docstring)
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        GOLDEN.write_text(_page(Path(scratch)), encoding="utf-8")
    print(f"wrote {GOLDEN}", file=sys.stderr)
