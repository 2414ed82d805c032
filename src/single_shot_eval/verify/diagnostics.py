"""Parse rustc's `--error-format=json` output into error codes and categories."""

from __future__ import annotations

import json

from single_shot_eval.records import Diagnostic

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
        if code in {"E0432", "E0433"} and "crate" in message and "unresolved" in message:
            return "missing_crate"
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
        code = str(code_obj["code"]) if isinstance(code_obj, dict) and code_obj.get("code") else None
        rendered = str(obj.get("rendered") or message)
        diagnostics.append(
            Diagnostic(
                level=level,
                message=rendered[:2000],
                code=code,
                category=categorize(code, message),
            )
        )
    return tuple(diagnostics)
