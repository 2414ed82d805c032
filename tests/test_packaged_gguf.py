"""GGUFs assembled from chunk packages: checked by size and SHA-256, refused on any mismatch.

The part packages here are distributions written into a temporary site folder (a dist-info
with a RECORD naming its `data/partNN.bin`), found by importlib.metadata as installed ones.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from single_shot_eval.errors import ModelSpecError
from single_shot_eval.models import packaged_gguf
from single_shot_eval.models.packaged_gguf import PackagedGGUF, checked_gguf, packaged_models
from single_shot_eval.models.registry import BUILTIN_MODELS

ROOT = Path(__file__).resolve().parents[1]
CONTENT = b"GGUF" + bytes(range(256)) * 40


def _write_part(site: Path, name: str, version: str, number: int, data: bytes) -> None:
    package = name.replace("-", "_")
    (site / package / "data").mkdir(parents=True)
    relative = f"{package}/data/part{number:02d}.bin"
    (site / relative).write_bytes(data)
    info = site / f"{package}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n", encoding="utf-8"
    )
    (info / "RECORD").write_text(f"{relative},,\n{info.name}/METADATA,,\n", encoding="utf-8")


@pytest.fixture
def parts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[PackagedGGUF, Path]:
    site = tmp_path / "site"
    thirds = [CONTENT[:300], CONTENT[300:700], CONTENT[700:]]
    names = [f"fixture-model-part{i}" for i in (1, 2, 3)]
    for number, (name, data) in enumerate(zip(names, thirds, strict=True), start=1):
        _write_part(site, name, "1.2.0", number, data)
    monkeypatch.syspath_prepend(str(site))
    cache = tmp_path / "cache"
    monkeypatch.setenv(packaged_gguf.CACHE_ENV, str(cache))
    monkeypatch.setattr(packaged_gguf, "_VERIFIED", set())
    model = PackagedGGUF(
        alias="fixture-model", description="fixture model", file_name="fixture.gguf",
        size_bytes=len(CONTENT), sha256=hashlib.sha256(CONTENT).hexdigest(), version="1.2.0",
        parts=tuple(names),
    )
    return model, cache


def test_parts_are_concatenated_in_order_into_the_cache(
    parts: tuple[PackagedGGUF, Path],
) -> None:
    model, cache = parts
    path = checked_gguf(model)
    assert path == cache / "fixture.gguf"
    assert path.read_bytes() == CONTENT
    assert [p.name for p in cache.iterdir()] == ["fixture.gguf"]  # no temporary file left


def test_a_corrupted_cached_copy_is_refused_not_loaded(
    parts: tuple[PackagedGGUF, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    model, _ = parts
    path = checked_gguf(model)
    corrupted = bytearray(path.read_bytes())
    corrupted[500] ^= 0xFF  # same size, one byte changed
    path.write_bytes(bytes(corrupted))
    monkeypatch.setattr(packaged_gguf, "_VERIFIED", set())  # a new process
    with pytest.raises(ModelSpecError) as caught:
        checked_gguf(model)
    message = str(caught.value)
    assert str(path) in message and "refused" in message and model.sha256 in message
    assert "\n" not in message


def test_parts_that_do_not_add_up_are_refused_and_nothing_is_cached(
    parts: tuple[PackagedGGUF, Path],
) -> None:
    model, cache = parts
    wrong = model.model_copy(update={"sha256": "0" * 64})
    with pytest.raises(ModelSpecError, match="refused: its part packages"):
        checked_gguf(wrong)
    assert not cache.exists() or list(cache.iterdir()) == []
    shorter = model.model_copy(update={"size_bytes": len(CONTENT) + 1})
    with pytest.raises(ModelSpecError, match=f"{len(CONTENT):,} bytes, expected"):
        checked_gguf(shorter)


def test_a_missing_or_other_version_part_says_what_to_install(
    parts: tuple[PackagedGGUF, Path],
) -> None:
    model, _ = parts
    missing = model.model_copy(update={"parts": (*model.parts, "fixture-model-part9")})
    with pytest.raises(ModelSpecError, match="'fixture-model-part9' is not installed"):
        checked_gguf(missing)
    other = model.model_copy(update={"version": "2.0.0"})
    with pytest.raises(ModelSpecError, match=r"version 1\.2\.0, expected 2\.0\.0"):
        checked_gguf(other)


def test_the_qwen_extra_pins_exactly_the_parts_the_table_checks() -> None:
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    pinned = set(extras["qwen"])
    tabled = {f"{p}=={m.version}" for m in packaged_models().values() for p in m.parts}
    assert pinned == tabled
    assert {"qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b"} <= set(packaged_models())
    for alias in packaged_models():
        assert BUILTIN_MODELS[alias].backend == "llama_cpp"
        assert BUILTIN_MODELS[alias].prompt_style == "chat"


def test_evaluate_refuses_a_corrupted_qwen_in_one_line(tmp_path: Path) -> None:
    cache = tmp_path / "gguf"
    cache.mkdir()
    model = packaged_models()["qwen2.5-coder-0.5b"]
    (cache / model.file_name).write_bytes(b"GGUF" + b"\0" * 1000)  # a truncated download
    result = subprocess.run(
        [sys.executable, "-m", "single_shot_eval", "evaluate", "--models", model.alias,
         "--limit", "1", "--no-controls", "--output", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=300,
        env={**os.environ, packaged_gguf.CACHE_ENV: str(cache)},
    )
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "refused" in lines[0] and "1,004 bytes" in lines[0], lines
    assert "Traceback" not in result.stderr


