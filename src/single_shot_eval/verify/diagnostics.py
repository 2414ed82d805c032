"""Parse rustc's `--error-format=json` output into error codes and categories."""

from __future__ import annotations

import json
import re

from single_shot_eval.results.records import Diagnostic

# How rustc names a crate it could not find, in a message or in a help/note below it.
_MISSING_CRATE_PATTERNS = (
    re.compile(r"can't find crate for `([A-Za-z_]\w*)`"),
    re.compile(r"you might be missing a crate named `([A-Za-z_]\w*)`"),
    re.compile(r"unlinked crate `([A-Za-z_]\w*)`"),
    re.compile(r"undeclared crate or module `([A-Za-z_]\w*)`"),
)

_CATEGORY_BY_CODE = {
    "E0308": "type",
    "E0277": "trait",
    "E0599": "method",
    "E0061": "arguments",
    "E0060": "arguments",
    "E0369": "type",
    "E0614": "type",
    "E0282": "inference",
    "E0283": "inference",
    "E0382": "borrow",
    "E0499": "borrow",
    "E0502": "borrow",
    "E0505": "borrow",
    "E0506": "borrow",
    "E0507": "borrow",
    "E0515": "borrow",
    "E0596": "borrow",
    "E0597": "borrow",
    "E0716": "borrow",
    "E0384": "mutability",
    "E0106": "lifetime",
    "E0425": "unresolved",
    "E0412": "unresolved",
    "E0422": "unresolved",
    "E0423": "unresolved",
    "E0433": "unresolved",
    "E0432": "unresolved_import",
    "E0463": "missing_crate",
    "E0601": "missing_main",
    "E0004": "match",
    "E0023": "match",
    "E0026": "match",
    "E0027": "match",
}


def categorize(code: str | None, message: str) -> str:
    """A coarse category for a diagnostic: type, borrow, unresolved, syntax, missing_crate, ..."""
    if code in _CATEGORY_BY_CODE:
        # E0432/E0433 are `missing_crate` only when rustc says so in a help line (see
        # `parse_rustc_json`); `use crate::nope::X` is an unresolved import like any other.
        return _CATEGORY_BY_CODE[code]
    if code is None:
        lowered = message.lower()
        if lowered.startswith(("expected ", "unexpected ", "mismatched closing", "unterminated")):
            return "syntax"
        if "this file contains an unclosed delimiter" in lowered:
            return "syntax"
        if "can't find crate" in lowered:
            return "missing_crate"
        if "couldn't read" in lowered or "environment variable" in lowered:
            return "include"
    return "other"


def parse_rustc_json(stderr: str) -> tuple[Diagnostic, ...]:
    """Diagnostics from rustc JSON lines; non-JSON lines (e.g. a crash) become 'other' errors."""
    diagnostics: list[Diagnostic] = []
    for line in stderr.splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            continue
        if not isinstance(obj, dict) or obj.get("$message_type", "diagnostic") != "diagnostic":
            continue
        level = str(obj.get("level", "error"))
        if level != "error":
            continue
        message = str(obj.get("message", ""))
        if message.startswith("aborting due to"):
            continue
        code_obj = obj.get("code")
        has_code = isinstance(code_obj, dict) and bool(code_obj.get("code"))
        code = str(code_obj["code"]) if isinstance(code_obj, dict) and has_code else None
        rendered = str(obj.get("rendered") or message)
        category = categorize(code, message)
        if _crate_named_in(_texts(obj)) is not None:
            category = "missing_crate"
        diagnostics.append(
            Diagnostic(level=level, message=rendered[:2000], code=code, category=category)
        )
    return tuple(diagnostics)


def missing_crate_name(diagnostic: Diagnostic) -> str | None:
    """The crate a `missing_crate` diagnostic says rustc could not find, e.g. `tokio`."""
    if diagnostic.category != "missing_crate":
        return None
    return _crate_named_in([diagnostic.message])


def _texts(obj: dict[str, object]) -> list[str]:
    """A diagnostic's message and its children's (help and note lines), recursively."""
    texts = [str(obj.get("message", ""))]
    children = obj.get("children")
    if isinstance(children, list):
        for child in children:
            if isinstance(child, dict):
                texts.extend(_texts(child))
    return texts


def _crate_named_in(texts: list[str]) -> str | None:
    for text in texts:
        for pattern in _MISSING_CRATE_PATTERNS:
            match = pattern.search(text)
            if match is not None:
                return match.group(1)
    return None
