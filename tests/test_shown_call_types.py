"""Parameter types from the calls a source shows (doctests, docstring and comment examples).

A function without annotations and without hand-written cases is still typed when its author
wrote an example call; the example wins over a guess from the code (`for c in text` reads like a
list, the doctest passes a string), and never over a hand-written value or an annotation.
"""

from __future__ import annotations

import pytest

from single_shot_eval.corpus.contract import UnsupportedSignature, harness_target
from single_shot_eval.corpus.contract.signature import PyType, TypeKind
from single_shot_eval.corpus.example import CaseOrigin, FunctionCase
from single_shot_eval.pysource import literal_calls

STR, INT, FLOAT = PyType(TypeKind.STR), PyType(TypeKind.INT), PyType(TypeKind.FLOAT)

DROP_DIGITS = '''
def drop_digits(text):
    """Remove the digits.
    >>> drop_digits('a1b2')
    'ab'
    """
    return "".join(c for c in text if not c.isdigit())
'''


def _types(code: str, entry: str, cases: list[FunctionCase] | None = None) -> list[PyType]:
    target = harness_target(code, entry, cases or [], open_return=True)
    return [p.py_type for p in target.parameters]  # type: ignore[union-attr]


def test_a_doctest_call_types_a_parameter_the_code_would_read_as_a_list() -> None:
    assert _types(DROP_DIGITS, "drop_digits") == [STR]
    without_example = "\n".join(line for line in DROP_DIGITS.splitlines() if ">>>" not in line)
    assert _types(without_example, "drop_digits") == [PyType(TypeKind.LIST, (STR,))]


def test_examples_in_prose_and_keyword_arguments_type_the_parameters() -> None:
    code = (
        "def scale(values, factor=2):\n"
        "    # e.g. scale([3, 1], factor=1.5) gives [4.5, 1.5]\n"
        "    return [v * factor for v in values]\n"
    )
    assert _types(code, "scale") == [PyType(TypeKind.LIST, (INT,)), FLOAT]


def test_several_examples_join_and_a_hand_written_value_or_annotation_wins() -> None:
    code = "def half(n):\n    '''half(4) == 2.0; half(2.5) == 1.25'''\n    return n / 2\n"
    assert _types(code, "half") == [FLOAT]
    annotated = code.replace("def half(n):", "def half(n: int):")
    assert _types(annotated, "half") == [INT]
    hand = [FunctionCase(("x",), "x", CaseOrigin.HAND_WRITTEN)]
    echo = "def echo(v):\n    '''echo(3) -> 3'''\n    return v\n"
    assert _types(echo, "echo", hand) == [STR]


def test_calls_with_expressions_or_another_arity_teach_nothing() -> None:
    code = "def ident(thing):\n    '''ident(x) and ident(1, 2) show no value'''\n    return thing\n"
    with pytest.raises(UnsupportedSignature, match="parameter 'thing': cannot infer the type"):
        harness_target(code, "ident", [], open_return=True)


def test_literal_calls_respect_quotes_nesting_and_skip_the_definition() -> None:
    text = "def f(a, b):\n    pass\n# f('x)', [1, (2, 3)]) and f(k=None) and obj.f(9) and gf(8)\n"
    assert list(literal_calls(text, "f")) == [(["x)", [1, (2, 3)]], {}), ([], {"k": None})]
