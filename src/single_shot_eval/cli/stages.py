"""Commands whose implementation lives with their stage: model listing and model preparation."""

from __future__ import annotations

from single_shot_eval.cli.app import app


def register_stage_commands() -> None:
    """Commands whose implementation lives with their stage (models, pipeline)."""
    from single_shot_eval.modelprep.commands import (
        convert_command,
        download_command,
        pipeline_command,
        validate_command,
    )
    from single_shot_eval.models.listing import models_command

    app.command(name="models", help="List configured models and what this machine can run.")(
        models_command
    )
    app.command(name="download")(download_command)
    app.command(name="convert")(convert_command)
    app.command(name="validate")(validate_command)
    app.command(name="pipeline")(pipeline_command)
