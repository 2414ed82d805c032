"""Any command-line model or transpiler, run as an argv list (never through a shell).

The config's `command` is the argv. The prompt goes to the process's stdin, unless the argv
names a file for it; these placeholders are replaced inside any argv element:

- `{prompt_file}`: path of a temp file holding the prompt (stdin is then empty);
- `{python_file}`: path of a temp `.py` file holding the example's Python source, for
  file-in/file-out transpilers (stdin is then empty);
- `{output_file}`: path the command writes its answer to (read instead of stdout);
- `{output_dir}`: an empty directory the command writes its answer into, under a name of its
  own choosing (the one file there whose name ends in `output_suffix` is read instead of stdout);
- `{prompt}`: the prompt itself as one argv element; `{system}`: the system message(s) only
  (the other messages then form the prompt); `{model}`: the config's `model`.

Each call runs in a fresh temp directory (its working directory), with the parent's
environment, under the task's timeout (the whole process group is killed when it expires). A
non-zero exit is an error whose message ends with the command's stderr.

Most CLIs report no usage, so tokens are estimated (about 4 characters per token) and marked
so; the `llm` preset reads `llm --json`, which carries the usage its model plugin measured.
Cost comes from the pricing table when `model` is a model it lists (e.g. `llm:gpt-4o-mini`),
else from measured wall time x the hardware's $/hour; the details say which.

Presets are backends of their own, resolvable from `--models`: `llm:MODEL` (`llm -m MODEL`),
`claude` / `claude:MODEL` (`claude -p`), `gemini` / `gemini:MODEL` (`gemini -p PROMPT`) and
`depyler` (`depyler transpile {python_file} -o {output_file}`); `py2many` lives in its own
module.

Params (all optional): `deterministic` (bool; enables the response cache), `fence_output`
(bool; wrap output that holds no fenced block in a ```rust fence), `output_suffix` (file
suffix of `{output_file}` and of the file read from `{output_dir}`, default `.rs`),
`output_format` (`text`, or `llm_json` for `llm --json` output), `env`
(mapping of extra environment variables), `max_attempts` (retries on timeout only; default 1),
`answer_despite_exit` (bool: a non-zero exit is not an error when the command still wrote its
`{output_file}` / `{output_dir}` answer, e.g. a transpiler whose final formatting step failed;
the exit status is kept in the sample's details).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from single_shot_eval.errors import ModelSpecError
from single_shot_eval.models.api_common import check_params
from single_shot_eval.models.base import (
    Completion,
    GenerationDetails,
    GenerationRequest,
    Message,
    estimate_tokens,
)
from single_shot_eval.models.pricing import cost_rule_for
from single_shot_eval.models.registry import ModelConfig, backend, register_preset_model
from single_shot_eval.models.retry import (
    RETRY_PARAM_KEYS,
    RetryPolicy,
    TransientFailure,
    call_with_retries,
)
from single_shot_eval.models.settings import backend_options

PLACEHOLDERS = (
    "{prompt_file}", "{python_file}", "{output_file}", "{output_dir}", "{prompt}", "{system}",
    "{model}",
)
ACCEPTED_PARAMS = RETRY_PARAM_KEYS | {
    "deterministic", "fence_output", "output_suffix", "output_format", "env", "answer_despite_exit"
}
STDERR_TAIL_CHARS = 2000
# A line that opens or closes a fenced block (a fence inside a comment, as in a transpiler's
# `//! ```cargo` header, does not count).
_FENCE_LINE = re.compile(r"^[ \t]*```", re.MULTILINE)

# `llm` model ids are case-sensitive; these lower-case spellings name the bundled SmolLM2 plugin.
LLM_MODEL_ALIASES = {"smollm2": "SmolLM2", "smollm2-135m": "SmolLM2"}


class CommandFailedError(RuntimeError):
    """The command exited non-zero, or did not write its `{output_file}`."""


@dataclass(frozen=True)
class CommandRun:
    """What one process run produced: the answer, how long it took, usage if it reported any."""

    text: str
    wall_time_s: float
    prompt_text: str
    input_tokens: int | None = None
    output_tokens: int | None = None
    prompt_received_intact: bool | None = None
    exit_failure: str | None = None




class CommandOptions(BaseModel):
    """The command backend's own `params` (see the module docstring for each)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    deterministic: StrictBool = False
    fence_output: StrictBool = False
    answer_despite_exit: StrictBool = False
    output_suffix: str = ".rs"
    output_format: Literal["text", "llm_json"] = "text"
    env: dict[Any, Any] = Field(default_factory=dict)


@dataclass(frozen=True)
class LlmRecord:
    """The parts of an `llm --json` log record the backend uses."""

    response: str
    prompt: str | None
    system: str | None
    input_tokens: int | None
    output_tokens: int | None


def parse_llm_json(stdout: str) -> LlmRecord:
    """The log record `llm --json` prints: the answer, the prompt and system prompt as `llm`
    received them, and the usage its model plugin measured (API plugins report it; some local
    ones do not)."""
    try:
        records = json.loads(stdout)
        record = records[0] if isinstance(records, list) else records
        if not isinstance(record, dict):
            raise TypeError(f"expected a JSON object, got {type(record).__name__}")
        text = str(record["response"] or "")
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise CommandFailedError(
            f"llm --json printed something that is not its JSON log record ({exc}): "
            f"{stdout[:STDERR_TAIL_CHARS]!r}"
        ) from None

    def text_or_none(value: Any) -> str | None:
        return value if isinstance(value, str) else None

    def int_or_none(value: Any) -> int | None:
        return value if isinstance(value, int) else None

    return LlmRecord(
        response=text,
        prompt=text_or_none(record.get("prompt")),
        system=text_or_none(record.get("system")),
        input_tokens=int_or_none(record.get("input_tokens")),
        output_tokens=int_or_none(record.get("output_tokens")),
    )


def find_executable(program: str) -> str | None:
    """Absolute path of `program`: as given when it has a slash, else on PATH, else beside the
    running Python (tools installed in the same virtualenv work without activating it)."""
    if os.sep in program:
        return program if os.access(program, os.X_OK) and Path(program).is_file() else None
    found = shutil.which(program)
    if found:
        return found
    sibling = Path(sys.executable).parent / program
    return str(sibling) if os.access(sibling, os.X_OK) and sibling.is_file() else None


def render_prompt(messages: Sequence[Message], *, system_separately: bool) -> tuple[str, str]:
    """(prompt, system): the messages as one text, with system messages split off if asked."""
    if system_separately:
        system = "\n\n".join(m.content for m in messages if m.role == "system")
        prompt = "\n\n".join(m.content for m in messages if m.role != "system")
        return prompt, system
    return "\n\n".join(m.content for m in messages), ""


def _module_file_name(example_id: str) -> str:
    """A Python module file name derived from the example id (transpilers may use it)."""
    stem = re.sub(r"\W", "_", example_id) or "main"
    return f"{'m_' if stem[0].isdigit() else ''}{stem}.py"


class CommandModel:
    """A CLI or transpiler: argv with placeholders, prompt on stdin or in a temp file."""

    def __init__(self, config: ModelConfig, *, backend_name: str = "command") -> None:
        check_params(config.id, config.params, ACCEPTED_PARAMS)
        options = backend_options(config.id, config.options, CommandOptions)
        if not config.command:
            raise ModelSpecError(
                f"model {config.id!r}: the command backend needs `command`, an argv list such as "
                "[\"llm\", \"-m\", \"gpt-4o-mini\"]"
            )
        self.config = config
        self.backend_name = backend_name
        self.argv_template = list(config.command)
        executable = find_executable(self.argv_template[0])
        if executable is None:
            raise ModelSpecError(
                f"model {config.id!r}: command {self.argv_template[0]!r} is not on PATH; install "
                "it or give its full path as the first element of `command`"
            )
        self.executable = executable
        joined = "\0".join(self.argv_template)
        self.uses = {p for p in PLACEHOLDERS if p in joined}
        self.prompt_on_stdin = not ({"{prompt_file}", "{python_file}", "{prompt}"} & self.uses)
        self._deterministic = options.deterministic
        self.fence_output = options.fence_output
        self.answer_despite_exit = options.answer_despite_exit
        self.output_suffix = options.output_suffix
        self.output_format: str = options.output_format
        self.extra_env = {str(k): str(v) for k, v in options.env.items()}
        self.retry_policy = RetryPolicy.from_settings(
            config.retry, model_id=config.id, default_attempts=1
        )
        self.cost_rule = cost_rule_for(config, config.model, wall_time_fallback=True)
        self._slots = threading.BoundedSemaphore(config.concurrency)

    @property
    def model_id(self) -> str:
        return self.config.id

    @property
    def deterministic(self) -> bool:
        return self._deterministic

    @property
    def reads_prompt(self) -> bool:
        """False when the command gets only the Python file (a transpiler): a repair turn's
        feedback would never reach it."""
        return self.prompt_on_stdin or bool({"{prompt_file}", "{prompt}"} & self.uses)

    def generate(self, request: GenerationRequest) -> Completion:
        with self._slots:
            outcome = call_with_retries(
                lambda: self._run(request), self.retry_policy, classify=_timeouts_only
            )
        run = outcome.value
        text = run.text
        if self.fence_output and not _FENCE_LINE.search(text) and text.strip():
            text = f"```rust\n{text.rstrip()}\n```\n"
        full_text = text
        text = request.cut_after_translation(text)
        measured = run.input_tokens is not None and run.output_tokens is not None
        input_tokens = (
            run.input_tokens if run.input_tokens is not None else estimate_tokens(run.prompt_text)
        )
        output_tokens = (
            run.output_tokens if run.output_tokens is not None else estimate_tokens(run.text)
        )
        details = GenerationDetails(
            backend=self.backend_name,
            command=Path(self.executable).name,
            token_count_note="reported by the command" if measured
            else "estimated at 4 characters per token (the command reports no usage)",
            attempts=outcome.attempts,
            truncated_after_code_block=text != full_text,
            cost_basis=self.cost_rule.basis,
            price_source=self.cost_rule.source,
            served_model=self.config.model or None,
            # answered despite a non-zero exit (`answer_despite_exit`): say how it exited
            exit_status=None if run.exit_failure is None else run.exit_failure[:200],
            # the CLI echoed the prompt it received: a check that nothing mangled it on the way
            prompt_received_intact=run.prompt_received_intact,
        )
        return Completion(
            text=text,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            latency_s=run.wall_time_s,
            cost_usd=self.cost_rule.cost_usd(
                input_tokens=input_tokens, output_tokens=output_tokens,
                wall_time_s=run.wall_time_s,
            ),
            tokens_estimated=not measured,
            details=details,
        )

    def _run(self, request: GenerationRequest) -> CommandRun:
        prompt, system = render_prompt(
            request.messages, system_separately="{system}" in self.uses
        )
        with tempfile.TemporaryDirectory(prefix="sse-command-") as scratch:
            folder = Path(scratch)
            values = {"{prompt}": prompt, "{system}": system, "{model}": self.config.model or ""}
            prompt_text = prompt + ("\n" + system if system else "")
            if "{prompt_file}" in self.uses:
                prompt_path = folder / "prompt.txt"
                prompt_path.write_text(prompt, encoding="utf-8")
                values["{prompt_file}"] = str(prompt_path)
            if "{python_file}" in self.uses:
                if not request.python_source:
                    raise CommandFailedError(
                        f"{self.config.id}: the command reads {{python_file}} but the request "
                        "carries no Python source"
                    )
                python_path = folder / _module_file_name(request.example_id)
                python_path.write_text(request.python_source, encoding="utf-8")
                values["{python_file}"] = str(python_path)
                if "{prompt_file}" not in self.uses and "{prompt}" not in self.uses:
                    prompt_text = request.python_source
            output_path = folder / f"output{self.output_suffix}"
            values["{output_file}"] = str(output_path)
            output_dir = folder / "output"
            if "{output_dir}" in self.uses:
                output_dir.mkdir()
                values["{output_dir}"] = str(output_dir)
            argv = [self.executable] + [
                _substitute(arg, values) for arg in self.argv_template[1:]
            ]
            stdout, wall_time_s, failure = self._execute(
                argv, folder, prompt, request.timeout_s
            )
            writes_answer_file = bool({"{output_file}", "{output_dir}"} & self.uses)
            if failure is not None and not (self.answer_despite_exit and writes_answer_file):
                raise CommandFailedError(failure)
            try:
                text = self._read_answer(output_path, output_dir, stdout)
            except CommandFailedError:
                if failure is not None:
                    raise CommandFailedError(failure) from None
                raise
        if self.output_format == "llm_json":
            record = parse_llm_json(text)
            sent = prompt if self.prompt_on_stdin else None
            intact = None if sent is None or record.prompt is None else record.prompt == sent
            if intact and "{system}" in self.uses:
                intact = (record.system or "") == system
            return CommandRun(
                record.response, wall_time_s, prompt_text, record.input_tokens,
                record.output_tokens, intact,
            )
        return CommandRun(
            text=text, wall_time_s=wall_time_s, prompt_text=prompt_text,
            exit_failure=failure,
        )

    def _read_answer(self, output_path: Path, output_dir: Path, stdout: str) -> str:
        """The answer: `{output_file}`, the file in `{output_dir}`, or stdout."""
        if "{output_file}" in self.uses:
            if not output_path.is_file():
                raise CommandFailedError(
                    f"{Path(self.executable).name} exited 0 but did not write "
                    f"{{output_file}}; its output was: {stdout[-STDERR_TAIL_CHARS:]!r}"
                )
            return output_path.read_text(encoding="utf-8", errors="replace")
        if "{output_dir}" in self.uses:
            return self._read_output_dir(output_dir, stdout)
        return stdout

    def _read_output_dir(self, output_dir: Path, stdout: str) -> str:
        """The one file the command wrote into `{output_dir}` with the output suffix."""
        written = sorted(output_dir.rglob(f"*{self.output_suffix}"))
        if len(written) != 1:
            raise CommandFailedError(
                f"{Path(self.executable).name} exited 0 but wrote {len(written)} "
                f"*{self.output_suffix} files into {{output_dir}} (expected 1); its output was: "
                f"{stdout[-STDERR_TAIL_CHARS:]!r}"
            )
        return written[0].read_text(encoding="utf-8", errors="replace")

    def _execute(
        self, argv: list[str], folder: Path, prompt: str, timeout_s: float
    ) -> tuple[str, float, str | None]:
        """Run `argv` in `folder`; (stdout, wall time, failure message on a non-zero exit).
        Raises on timeout."""
        env = {**os.environ, **self.extra_env}
        started = time.perf_counter()
        process = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE if self.prompt_on_stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=folder,
            env=env,
            start_new_session=True,
        )
        stdin_bytes = prompt.encode("utf-8") if self.prompt_on_stdin else None
        try:
            out, err = process.communicate(stdin_bytes, timeout=timeout_s)
        except subprocess.TimeoutExpired:
            _kill_group(process)
            process.communicate()
            raise TimeoutError(
                f"{Path(self.executable).name} did not finish within {timeout_s:g} s"
            ) from None
        except BaseException:
            _kill_group(process)
            process.communicate()
            raise
        wall_time_s = time.perf_counter() - started
        failure = None
        if process.returncode != 0:
            stderr = err.decode("utf-8", "replace").strip()
            failure = (
                f"{Path(self.executable).name} exited with status {process.returncode}: "
                f"{stderr[-STDERR_TAIL_CHARS:] or '(no stderr)'}"
            )
        return out.decode("utf-8", "replace"), wall_time_s, failure


def _substitute(arg: str, values: dict[str, str]) -> str:
    for placeholder, value in values.items():
        arg = arg.replace(placeholder, value)
    return arg


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        process.kill()


def _timeouts_only(exc: BaseException) -> TransientFailure | None:
    return TransientFailure("timeout") if isinstance(exc, TimeoutError) else None


# --- presets ---------------------------------------------------------------------------------


def _preset(config: ModelConfig, argv: list[str], backend_name: str, **params: Any) -> CommandModel:
    """A `CommandModel` for a preset, unless the config gives its own `command`."""
    preset = config.with_params({**params, **config.params}).model_copy(
        update={"command": config.command or argv}
    )
    return CommandModel(preset, backend_name=backend_name)


@backend("command")
def _build_command(config: ModelConfig) -> CommandModel:
    return CommandModel(config)


@backend("llm")
def _build_llm(config: ModelConfig) -> CommandModel:
    """`llm -m MODEL`: Simon Willison's `llm` CLI and any of its model plugins."""
    if not config.model:
        raise ModelSpecError(
            f"model {config.id!r}: the llm preset needs a model, e.g. --models llm:SmolLM2"
        )
    model = LLM_MODEL_ALIASES.get(config.model, config.model)
    argv = ["llm", "-m", model, "--no-log", "--no-stream", "--json", "-s", "{system}"]
    return _preset(config, argv, "llm", output_format="llm_json")


@backend("claude")
def _build_claude(config: ModelConfig) -> CommandModel:
    """`claude -p` (Claude Code, non-interactive), prompt on stdin."""
    argv = ["claude", "-p"] + (["--model", config.model] if config.model else [])
    return _preset(config, argv, "claude")


@backend("gemini")
def _build_gemini(config: ModelConfig) -> CommandModel:
    """`gemini -p PROMPT` (Gemini CLI, non-interactive)."""
    argv = ["gemini"] + (["-m", config.model] if config.model else []) + ["-p", "{prompt}"]
    return _preset(config, argv, "gemini")


@backend("depyler")
def _build_depyler(config: ModelConfig) -> CommandModel:
    """`depyler transpile FILE.py -o FILE.rs`: a deterministic Python-to-Rust transpiler."""
    argv = ["depyler", "transpile", "{python_file}", "-o", "{output_file}"]
    return _preset(config, argv, "depyler", deterministic=True, fence_output=True)


for _name in ("claude", "gemini", "depyler"):
    register_preset_model(ModelConfig(id=_name, backend=_name))
