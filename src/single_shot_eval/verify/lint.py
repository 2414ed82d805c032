"""The quality of a Rust answer, measured by real tools: clippy, rustfmt and a token scan.

`LintTools.findings(code)` runs `clippy-driver` (the compiler `cargo clippy` drives, given the
rustc flags cargo would give it) and `rustfmt --check`-equivalent formatting in ONE sandbox
start, with the same isolation, limits and read-only crate libraries a candidate compile gets:
no network, a wall-clock timeout, nothing from the candidate executed. Answers that use an
allowed crate are linted against the same prebuilt offline crate set the verifier links
(`verify/crates.py`). Findings are cached on disk, keyed by the answer's SHA-256, the clippy,
rustfmt and rustc versions, the crate set and `LINT_REVISION`, so the lint stage
(`run/quality_stage.py`) lints nothing twice.

Clippy's lint groups are forced on (`--force-warn`, so an answer's own `#[allow]` cannot hide
them): `correctness`, `suspicious`, `style`, `complexity`, `perf` (together `clippy::all`, the
groups `cargo clippy` enables by default) and `pedantic`. `nursery`, `restriction` and `cargo`
are not enabled. Each lint is attributed to its group from clippy's own `-W help` listing.

`rust_text_metrics` counts what a reader of the code would: `unsafe` blocks, `.unwrap()`,
`.expect(` and `panic!` outside comments and string literals, and lines of code (non-blank
lines that are not comments only). `python_code_lines` counts the Python original's lines
the same way (comments and docstrings left out).
"""

from __future__ import annotations

import ast
import difflib
import functools
import hashlib
import io
import json
import os
import re
import subprocess
import tempfile
import threading
import tokenize
from dataclasses import asdict, dataclass, field
from pathlib import Path

from single_shot_eval.pysource import parse_python
from single_shot_eval.sandbox import (
    Sandbox,
    SandboxCommand,
    SandboxError,
    SandboxLimits,
    SandboxResult,
)
from single_shot_eval.verify.crates import DEFAULT_CRATES, CrateSetProvider
from single_shot_eval.verify.toolchain import Toolchain, detect_toolchain

# Bumped whenever what a cached finding means changes (flags, parsing): part of every cache key.
LINT_REVISION = "1"
# The groups `cargo clippy` warns about by default (`clippy::all`), then pedantic.
DEFAULT_GROUPS: tuple[str, ...] = ("correctness", "suspicious", "style", "complexity", "perf")
CLIPPY_GROUPS: tuple[str, ...] = (*DEFAULT_GROUPS, "pedantic")
LINT_TIMEOUT_S = 120.0
QUALITY_CACHE_ENV = "SINGLE_SHOT_EVAL_QUALITY_CACHE"
_HELP_GROUP_LINE = re.compile(r"^\s*clippy::([a-z_]+)\s+(clippy::.*)$")


@dataclass(frozen=True)
class LintFinding:
    """One clippy warning: the lint (`clippy::needless_return`), its group and its line."""

    lint: str
    group: str
    line: int
    message: str = ""


@dataclass(frozen=True)
class ToolFindings:
    """What clippy and rustfmt said about one answer (cached on disk).

    `clippy_error` / `rustfmt_error` are empty when the tool ran; otherwise they say why its
    figures are missing (the tool is absent, timed out, or rejected the file).
    """

    lints: tuple[LintFinding, ...] = ()
    clippy_error: str = ""
    formatted: bool | None = None
    rustfmt_changed_lines: int = 0
    rustfmt_error: str = ""

    @property
    def clippy_ran(self) -> bool:
        return not self.clippy_error

    @property
    def rustfmt_ran(self) -> bool:
        return not self.rustfmt_error and self.formatted is not None

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ToolFindings:
        data = json.loads(text)
        lints = tuple(LintFinding(**item) for item in data.pop("lints"))
        return cls(lints=lints, **data)


@dataclass(frozen=True)
class TextMetrics:
    """Counts read from the answer's tokens (comments and string literals do not count)."""

    code_lines: int
    unsafe_blocks: int
    unwrap_calls: int
    expect_calls: int
    panic_macros: int

    @property
    def panicking_calls(self) -> int:
        """`.unwrap()`, `.expect(..)` and `panic!` together."""
        return self.unwrap_calls + self.expect_calls + self.panic_macros


# -- text metrics ------------------------------------------------------------------------------


def strip_rust_comments_and_strings(code: str) -> str:
    """`code` with comments blanked and string/char literal contents replaced by `_`.

    Newlines are kept, so line numbers and line counts are those of `code`; a line inside a
    multi-line string literal stays a code line. Handles nested block comments, raw strings
    (`r#"..."#`), byte strings and the char-literal/lifetime ambiguity (`'a'` vs `'a`).
    """
    out: list[str] = []
    i, n = 0, len(code)
    while i < n:
        ch = code[i]
        if code.startswith("//", i):
            end = code.find("\n", i)
            end = n if end < 0 else end
            out.append(" " * (end - i))
            i = end
        elif code.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if code.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif code.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            out.append(_blank(code[i:j], " "))
            i = j
        elif (ch in "rb" and (raw := _RAW_STRING.match(code, i))
              and not _ident_before(code, i)):
            closing = '"' + raw.group(1)
            start = raw.end()
            end = code.find(closing, start)
            end = n if end < 0 else end + len(closing)
            out.append(code[i:start] + _blank(code[start:end], "_"))
            i = end
        elif ch == '"' or (ch == "b" and code.startswith('b"', i) and not _ident_before(code, i)):
            start = i + (2 if ch == "b" else 1)
            j = start
            while j < n and code[j] != '"':
                j += 2 if code[j] == "\\" else 1
            end = min(j + 1, n)
            out.append(code[i:start] + _blank(code[start:end], "_"))
            i = end
        elif ch == "'":
            char = _CHAR_LITERAL.match(code, i)
            if char:
                out.append("'" + "_" * (char.end() - i - 2) + "'")
                i = char.end()
            else:  # a lifetime or label
                out.append(ch)
                i += 1
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _blank(text: str, filler: str) -> str:
    return "".join(c if c == "\n" else filler for c in text)


def _ident_before(code: str, index: int) -> bool:
    """True when `code[index]` continues an identifier (`bar"` is not a raw string start)."""
    return index > 0 and (code[index - 1].isalnum() or code[index - 1] == "_")


_RAW_STRING = re.compile(r'b?r(#*)"')
_CHAR_LITERAL = re.compile(r"'(?:\\(?:x[0-9a-fA-F]{2}|u\{[0-9a-fA-F]{1,6}\}|.)|[^\\'\n])'")
_UNSAFE_BLOCK = re.compile(r"\bunsafe\s*\{")
_UNWRAP = re.compile(r"\.\s*unwrap\s*\(\s*\)")
_EXPECT = re.compile(r"\.\s*expect\s*\(")
_PANIC = re.compile(r"(?<![\w:])(?:(?:std|core)\s*::\s*)?panic\s*!")
_MAIN_FN = re.compile(r"\bfn\s+main\s*\(")


def rust_text_metrics(code: str) -> TextMetrics:
    """Lines of code, `unsafe` blocks and panicking calls in `code` (see the module doc)."""
    stripped = strip_rust_comments_and_strings(code)
    return TextMetrics(
        code_lines=sum(1 for line in stripped.splitlines() if line.strip()),
        unsafe_blocks=len(_UNSAFE_BLOCK.findall(stripped)),
        unwrap_calls=len(_UNWRAP.findall(stripped)),
        expect_calls=len(_EXPECT.findall(stripped)),
        panic_macros=len(_PANIC.findall(stripped)),
    )


def python_code_lines(source: str) -> int | None:
    """Non-blank lines of `source` that hold code: comments and docstrings are left out.

    None when the source does not tokenize or parse (then no ratio is computed for it)."""
    try:
        tree = parse_python(source)
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (SyntaxError, tokenize.TokenError, ValueError):
        return None
    ignored = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
               tokenize.DEDENT, tokenize.ENDMARKER, tokenize.ENCODING}
    lines: set[int] = set()
    for token in tokens:
        if token.type not in ignored:
            lines.update(range(token.start[0], token.end[0] + 1))
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if not isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef
                          | ast.AsyncFunctionDef) or not body:
            continue
        first = body[0]
        if (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)):
            lines.difference_update(range(first.lineno, (first.end_lineno or first.lineno) + 1))
    return len(lines)


# -- clippy and rustfmt -----------------------------------------------------------------------


def default_cache_dir() -> Path:
    """`$SINGLE_SHOT_EVAL_QUALITY_CACHE`, else `$XDG_CACHE_HOME` (or ~/.cache) plus
    `single-shot-eval/quality`."""
    explicit = os.environ.get(QUALITY_CACHE_ENV)
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "single-shot-eval" / "quality"


def answer_key(code: str) -> str:
    """An answer's SHA-256: the key of its findings in a store (`quality_findings`)."""
    return hashlib.sha256(code.encode("utf-8", "surrogateescape")).hexdigest()


@functools.cache
def _tool_version(path: str) -> str:
    try:
        completed = subprocess.run([path, "--version"], capture_output=True, text=True,
                                   timeout=60, check=False)
    except (OSError, subprocess.SubprocessError):
        return ""
    return completed.stdout.strip() if completed.returncode == 0 else ""


@functools.cache
def clippy_lint_groups(clippy_driver: str) -> dict[str, str]:
    """Lint name (`clippy::needless_return`) -> group, from `clippy-driver -W help`."""
    try:
        completed = subprocess.run([clippy_driver, "-W", "help"], capture_output=True,
                                   text=True, timeout=60, check=False)
    except (OSError, subprocess.SubprocessError):
        return {}
    groups: dict[str, str] = {}
    for line in completed.stdout.splitlines():
        match = _HELP_GROUP_LINE.match(line)
        if match is None or match.group(1) not in CLIPPY_GROUPS:
            continue
        for lint in match.group(2).split(","):
            groups[lint.strip().replace("-", "_")] = match.group(1)
    return groups


@dataclass
class LintTools:
    """Runs clippy and rustfmt on answers in the sandbox, with a disk cache of their findings.

    Construct it cheaply: the sandbox and the crate set are made on the first answer that is not
    cached. `unavailable_reason` is set when clippy or rustfmt cannot be found at all. Safe to
    share across threads.
    """

    toolchain: Toolchain = field(default_factory=detect_toolchain)
    cache_dir: Path = field(default_factory=default_cache_dir)
    sandbox: Sandbox | None = None
    crates: CrateSetProvider | None = None
    linted: int = 0
    cache_hits: int = 0

    def __post_init__(self) -> None:
        bin_dir = self.toolchain.rustc.parent
        self.clippy_driver = bin_dir / "clippy-driver"
        self.rustfmt = bin_dir / "rustfmt"
        missing = [p.name for p in (self.clippy_driver, self.rustfmt) if not p.is_file()]
        self.unavailable_reason = (
            f"{' and '.join(missing)} not found next to {self.toolchain.rustc} (install them: "
            "rustup component add clippy rustfmt)" if missing else ""
        )
        self.clippy_version = "" if missing else _tool_version(str(self.clippy_driver))
        self.rustfmt_version = "" if missing else _tool_version(str(self.rustfmt))
        if self.crates is None:
            self.crates = CrateSetProvider(DEFAULT_CRATES, self.toolchain)
        self._count_lock = threading.Lock()
        self._sandbox_lock = threading.Lock()

    @property
    def versions(self) -> str:
        """`clippy 0.1.95 (...); rustfmt 1.9.0-stable (...)`."""
        return f"{self.clippy_version or 'clippy ?'}; {self.rustfmt_version or 'rustfmt ?'}"

    @property
    def lint_groups(self) -> dict[str, str]:
        return {} if self.unavailable_reason else clippy_lint_groups(str(self.clippy_driver))

    def cache_key(self, code: str) -> str:
        assert self.crates is not None
        used = self.crates.used_by(code)
        crates_key = self.crates.ensure().fingerprint if used else "std"
        parts = (answer_key(code), self.clippy_version, self.rustfmt_version,
                 self.toolchain.rustc_version, self.toolchain.edition, ",".join(CLIPPY_GROUPS),
                 crates_key, LINT_REVISION)
        return hashlib.sha256("\0".join(parts).encode()).hexdigest()

    def findings(self, code: str) -> ToolFindings:
        """clippy's lints and rustfmt's verdict on `code` (from the cache when known)."""
        if self.unavailable_reason:
            return ToolFindings(clippy_error=self.unavailable_reason,
                                rustfmt_error=self.unavailable_reason)
        key = self.cache_key(code)
        path = self.cache_dir / key[:2] / f"{key}.json"
        try:
            cached = ToolFindings.from_json(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, KeyError, TypeError):
            cached = None
        if cached is not None:
            with self._count_lock:
                self.cache_hits += 1
            return cached
        result = self._run(code)
        with self._count_lock:
            self.linted += 1
        if result.clippy_ran or result.rustfmt_ran:  # a sandbox failure is not cached
            _write_atomically(path, result.to_json())
        return result

    def _run(self, code: str) -> ToolFindings:
        assert self.crates is not None
        with self._sandbox_lock:  # one sandbox (it probes bwrap once) for every thread
            if self.sandbox is None:
                self.sandbox = Sandbox(rustc=str(self.toolchain.rustc))
        crate_flags: list[str] = []
        read_only: list[Path] = []
        if self.crates.used_by(code):
            crate_set = self.crates.ensure()
            crate_flags = crate_set.rustc_flags()
            if crate_set.deps_dir is not None:
                read_only.append(crate_set.deps_dir)
        crate_type = "bin" if _MAIN_FN.search(strip_rust_comments_and_strings(code)) else "lib"
        clippy = (
            str(self.clippy_driver), *crate_flags, "--edition", self.toolchain.edition,
            "--error-format=json", "--crate-type", crate_type, "--crate-name", "answer",
            "--emit=metadata", "-o", "answer.rmeta", "--cap-lints", "warn",
            *(flag for group in CLIPPY_GROUPS for flag in ("--force-warn", f"clippy::{group}")),
            "main.rs",
        )
        rustfmt = (str(self.rustfmt), "--edition", self.toolchain.edition)
        limits = SandboxLimits(cpu_s=LINT_TIMEOUT_S, wall_timeout_s=LINT_TIMEOUT_S,
                               output_cap_bytes=8 * 1024 * 1024)
        with tempfile.TemporaryDirectory(prefix="sse-lint-") as tmp:
            workdir = Path(tmp)
            (workdir / "main.rs").write_text(code, encoding="utf-8")
            (workdir / "rustfmt.toml").write_text("")  # defaults; no config from elsewhere
            try:
                clippy_result, rustfmt_result = self.sandbox.run_batch(
                    [SandboxCommand(clippy, timeout_s=LINT_TIMEOUT_S),
                     SandboxCommand(rustfmt, stdin=code.encode("utf-8"),
                                    timeout_s=LINT_TIMEOUT_S)],
                    workdir=workdir, limits=limits, read_only_paths=read_only,
                )
            except SandboxError as error:
                reason = f"the sandbox failed: {error}"
                return ToolFindings(clippy_error=reason, rustfmt_error=reason)
        lints, clippy_error = _parse_clippy(clippy_result, self.lint_groups)
        formatted, changed, rustfmt_error = _parse_rustfmt(rustfmt_result, code)
        return ToolFindings(lints=lints, clippy_error=clippy_error, formatted=formatted,
                            rustfmt_changed_lines=changed, rustfmt_error=rustfmt_error)


def _parse_clippy(
    result: SandboxResult, groups: dict[str, str]
) -> tuple[tuple[LintFinding, ...], str]:
    if result.timed_out:
        return (), f"clippy timed out after {LINT_TIMEOUT_S:g} s"
    if result.output_capped:
        return (), "clippy wrote more output than the cap"
    lints: list[LintFinding] = []
    errors: list[str] = []
    for line in result.stderr.decode("utf-8", "replace").splitlines():
        try:
            message = json.loads(line)
        except json.JSONDecodeError:
            continue
        if not isinstance(message, dict):
            continue
        code = (message.get("code") or {}).get("code") or ""
        if message.get("level") == "error":
            errors.append(str(message.get("message", "")).splitlines()[0][:200])
        if not code.startswith("clippy::"):
            continue
        spans = [s for s in message.get("spans", []) if s.get("is_primary")]
        local = [s for s in spans if s.get("file_name") == "main.rs"] or spans
        line_number = int(local[0]["line_start"]) if local else 0
        lints.append(LintFinding(code, groups.get(code, "other"), line_number,
                                 str(message.get("message", ""))[:200]))
    if result.exit_code != 0:
        detail = errors[0] if errors else f"exit {result.exit_code}"
        return tuple(lints), f"clippy failed: {detail}"
    return tuple(lints), ""


def _parse_rustfmt(result: SandboxResult, code: str) -> tuple[bool | None, int, str]:
    """(formatted as rustfmt --check would say, changed lines, error)."""
    if result.timed_out:
        return None, 0, f"rustfmt timed out after {LINT_TIMEOUT_S:g} s"
    if result.exit_code != 0:
        text = result.stderr.decode("utf-8", "replace").strip().splitlines()
        return None, 0, f"rustfmt failed: {text[0][:200] if text else 'no message'}"
    formatted = result.stdout.decode("utf-8", "replace")
    return formatted == code, changed_line_count(code, formatted), ""


def changed_line_count(before: str, after: str) -> int:
    """Lines rustfmt rewrites: per differing block, the larger of lines removed and added."""
    matcher = difflib.SequenceMatcher(None, before.splitlines(), after.splitlines(),
                                      autojunk=False)
    return sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in matcher.get_opcodes()
               if tag != "equal")


def _write_atomically(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, delete=False,
                                         suffix=".tmp") as handle:
            handle.write(text)
        os.replace(handle.name, path)
    except OSError:
        pass  # an unwritable cache costs time on the next report, never correctness
