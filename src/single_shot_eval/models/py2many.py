"""The `py2many` preset: py2many, a rule-based Python-to-Rust transpiler, as a contestant.

`py2many --rust --outdir DIR FILE.py` writes `DIR/FILE.rs`; that file, as py2many wrote it (a
cargo-script header naming crates such as `anyhow` included), is the answer. Nothing is fixed up
for rustc: the verifier judges the transpiler's own output, which makes py2many an honest, cheap
baseline and a test of how the harness treats crates outside its allowed set.

py2many runs rustfmt on what it wrote and exits 1 when rustfmt rejects it; the file it wrote is
still its answer (`answer_despite_exit`; the exit status is kept in the sample's details), so
such a sample is judged by rustc like any other instead of being stored as a model error.

It is deterministic (the response cache applies) and costs its measured wall time x the local
hardware's $/hour, like any local model. `--ignore-formatter-errors` keeps it working where
`rustfmt` is missing (the output is then unformatted, which rustc does not mind).
"""

from __future__ import annotations

from single_shot_eval.models.command import CommandModel, _preset
from single_shot_eval.models.registry import ModelConfig, backend, register_preset_model

PY2MANY_ARGV = [
    "py2many", "--rust", "--ignore-formatter-errors", "--outdir", "{output_dir}", "{python_file}",
]


@backend("py2many")
def _build_py2many(config: ModelConfig) -> CommandModel:
    """py2many's Rust output for the example's Python file, fenced as a model would answer."""
    return _preset(
        config, PY2MANY_ARGV, "py2many", deterministic=True, fence_output=True,
        answer_despite_exit=True,
    )


register_preset_model(ModelConfig(id="py2many", backend="py2many"))
