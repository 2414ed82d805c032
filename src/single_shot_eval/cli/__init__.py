"""Command-line interface: one function per subcommand, wiring only.

Every `UserError` (bad input, missing toolchain, unusable store) becomes one line on stderr and
exit code 2; any other exception (a bug of this tool) becomes one `internal error` line naming a
file that holds its traceback, and exit code 70. Either way nothing already stored is lost.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated, Any

import typer

from single_shot_eval.cli import corpus, evaluation, stages, verification
from single_shot_eval.cli.app import app
from single_shot_eval.errors import UserError
from single_shot_eval.version import __version__

__all__ = ["app", "main"]
_COMMAND_MODULES = (corpus, evaluation, verification)  # imported for their @app.command()s
stages.register_stage_commands()


def _version(value: bool) -> None:
    if value:
        typer.echo(f"single-shot-eval {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show version.")
    ] = False,
) -> None:
    """single-shot-eval: one-shot Python-to-Rust translation, verified for real."""


def _interrupt_on_sigterm() -> None:
    """Treat SIGTERM like Ctrl-C: stored samples stay stored and the run can be resumed."""
    import signal

    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


EXIT_USER_ERROR = 2
EXIT_INTERNAL_ERROR = 70  # EX_SOFTWARE (sysexits.h): the tool itself failed


def _report_internal_error(exc: BaseException, argv: list[str]) -> None:
    """One line on stderr for an unexpected exception; its traceback goes to a file."""
    import tempfile
    import traceback

    text = "".join(traceback.format_exception(exc))
    message = " ".join(str(exc).split())[:500]
    headline = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    try:
        fd, name = tempfile.mkstemp(prefix="single-shot-eval-traceback-", suffix=".txt")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(f"single-shot-eval {__version__}\nargv: {argv!r}\n\n{text}")
        saved = f"traceback saved to {name}"
    except OSError as write_error:
        saved = f"traceback could not be saved ({write_error.strerror})"
    line = f"internal error: {headline}; {saved}"
    command = next((arg for arg in argv if not arg.startswith("-")), "")
    if command == "evaluate":
        line += "; stored samples are kept, rerun with --resume"
    sys.stderr.write(line + "\n")


def main(argv: list[str] | None = None) -> Any:
    """Console-script entry point: user errors become one line and exit code 2; unexpected
    exceptions one `internal error` line (traceback saved to a file) and exit code 70."""
    _interrupt_on_sigterm()
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        result = app(args=args, standalone_mode=False)
        # outside standalone mode click returns a command's `typer.Exit` code instead of
        # exiting; `python -m single_shot_eval` must exit with it as the console script does
        if isinstance(result, int) and result != 0:
            sys.exit(result)
        return result
    except UserError as exc:
        message = str(exc).replace("\n", " ")
        sys.stderr.write(f"error: {message}\n")
        sys.exit(EXIT_USER_ERROR)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        sys.stderr.write("aborted\n")
        sys.exit(130)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)
    except BrokenPipeError:
        os._exit(0)
    except Exception as exc:
        # Usage errors from typer's click (vendored or not): print them as click would.
        show = getattr(exc, "show", None)
        if callable(show) and isinstance(getattr(exc, "exit_code", None), int):
            show()
            sys.exit(exc.exit_code)  # type: ignore[attr-defined]
        _report_internal_error(exc, args)
        sys.exit(EXIT_INTERNAL_ERROR)
