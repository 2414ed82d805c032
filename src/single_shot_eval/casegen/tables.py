"""The domain tables case generation draws from, as data in `casegen/data/`: the domains a hint
can name with their values (`domains.yaml`), the word lists and edge values of CLI program inputs
(`program_inputs.yaml`), the text alphabet of function inputs (`function_inputs.yaml`), and the
edge values of both, typed for functions and as argv text for programs (`edge_values.yaml`).

Each file is read once. A value of the wrong type is an error, so YAML's implicit typing cannot
turn an unquoted `0` or `1_000` into a number unnoticed."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import Any

import yaml


@cache
def table(name: str) -> dict[str, Any]:
    """The data file `casegen/data/<name>.yaml`, parsed."""
    resource = resources.files("single_shot_eval.casegen") / "data" / f"{name}.yaml"
    data = yaml.safe_load(resource.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"casegen/data/{name}.yaml: not a mapping")
    return data


def _checked(name: str, key: str, found: Any, ok: bool, what: str) -> Any:
    if not ok:
        raise ValueError(f"casegen/data/{name}.yaml: {key} must be {what}")
    return found


def listed(name: str, key: str, kind: type = str) -> tuple[Any, ...]:
    """The list at `key` of table `name` (`side.key` one level down), every item a `kind` (a
    bool is no int)."""
    found: Any = table(name)
    for part in key.split("."):
        found = found[part]
    return tuple(_checked(name, key, found, isinstance(found, list) and all(
        isinstance(v, kind) and not isinstance(v, bool) for v in found), f"a list of {kind}"))


def string(name: str, key: str) -> str:
    """The string at `key` of table `name`."""
    found = table(name)[key]
    return str(_checked(name, key, found, isinstance(found, str), "a string"))


def strings_by_key(name: str, key: str) -> dict[str, str]:
    """The mapping of strings to strings at `key` of table `name`, in file order."""
    found = table(name)[key]
    return dict(_checked(name, key, found, isinstance(found, dict) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in found.items()), "a str mapping"))


def words_pattern(name: str, key: str) -> re.Pattern[str]:
    """A case-insensitive regex matching any of the words at `key` as a whole word."""
    return re.compile(r"(?i)\b(" + "|".join(listed(name, key)) + r")\b")
