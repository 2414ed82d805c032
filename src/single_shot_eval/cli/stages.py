"""Registers the model listing (`cli/models.py`) and model-preparation (`cli/modelprep.py`)
commands, which are plain functions so that tests can call them directly."""

from __future__ import annotations

from single_shot_eval.cli.app import app


def register_stage_commands() -> None:
    """Add `models`, `download`, `convert`, `validate` and `pipeline` to the app."""
    from single_shot_eval.cli.modelprep import (
        convert_command,
        download_command,
        pipeline_command,
        validate_command,
    )
    from single_shot_eval.cli.models import models_command

    app.command(name="models", help="List configured models and what this machine can run.")(
        models_command
    )
    app.command(name="download")(download_command)
    app.command(name="convert")(convert_command)
    app.command(name="validate")(validate_command)
    app.command(name="pipeline")(pipeline_command)
