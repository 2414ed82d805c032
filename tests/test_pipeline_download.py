"""Downloads through huggingface_hub's real code path, offline, from a hub cache the test builds."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from single_shot_eval.cli.modelprep import download_command
from single_shot_eval.errors import ConfigError
from single_shot_eval.modelprep.cache import ModelCache
from single_shot_eval.modelprep.download import (
    ChecksumMismatchError,
    DownloadError,
    ModelSource,
    PickleRefusedError,
    UnknownFormatError,
    classify,
    download_models,
    load_download_spec,
    plan_downloads,
)
from single_shot_eval.modelprep.gguf import ModelFileError
from tests.test_pipeline_fixtures import (
    COMMIT,
    HubFile,
    build_hub_repo,
    gguf_bytes,
    offline_hub,
    safetensors_bytes,
)

__all__ = ["offline_hub"]  # the fixture, imported for pytest

REPO_ID = "acme/tiny-gguf"


def _source(**overrides: object) -> ModelSource:
    fields: dict[str, object] = {"repo_id": REPO_ID, "files": ["*.gguf"], "format": "gguf"}
    fields.update(overrides)
    return ModelSource.model_validate(fields)


def _standard_repo(cache: ModelCache, **extra: HubFile) -> dict[str, bytes]:
    files = {
        "tiny.Q8_0.gguf": HubFile(gguf_bytes(metadata={"general.name": "q8"})),
        "tiny.F16.gguf": HubFile(gguf_bytes(tensors=[("w", (64, 4))])),
        "config.json": HubFile(b'{"model_type": "llama"}', lfs=False),
        **extra,
    }
    build_hub_repo(cache.hub_dir, REPO_ID, files)
    return {name: spec.content for name, spec in files.items()}


def test_classify() -> None:
    assert classify("m.gguf") == "gguf"
    assert classify("sub/model-00001.safetensors") == "safetensors"
    for name in ("pytorch_model.bin", "m.pt", "m.pth", "x.pkl", "y.ckpt", "z.pickle"):
        assert classify(name) == "pickle"
    assert classify("tokenizer.json") == "side"
    assert classify("LICENSE") == "side"
    assert classify("modeling_evil.py") == "unknown"
    assert classify("weights.onnx") == "unknown"


def test_offline_download_verifies_and_indexes(offline_hub: Path) -> None:
    cache = ModelCache(offline_hub)
    contents = _standard_repo(cache)
    source = _source(files=["*.gguf", "config.json"], pin=True)
    plan = plan_downloads([source], cache)
    assert [f.remote.filename for f in plan.files] == [
        "tiny.F16.gguf", "tiny.Q8_0.gguf", "config.json"
    ]
    assert all(f.commit == COMMIT and f.cached for f in plan.files)
    assert plan.manifests[0].from_cache
    done = download_models([source], cache, plan=plan)
    by_name = {f.filename: f for f in done}
    assert by_name["tiny.Q8_0.gguf"].checksum == "sha256"
    assert by_name["config.json"].checksum == "git-sha1"  # small files: the git blob id
    for name, f in by_name.items():
        assert f.path.read_bytes() == contents[name]
        assert f.sha256 == hashlib.sha256(contents[name]).hexdigest()
        assert "snapshots" in f.path.parts  # huggingface_hub's own pointer path
    entries = {e.filename: e for e in cache.entries()}
    assert set(entries) == set(by_name)
    assert all(e.pinned for e in entries.values())


def test_blob_names_are_the_checksums_when_no_tree_listing(offline_hub: Path) -> None:
    cache = ModelCache(offline_hub)
    good = gguf_bytes()
    build_hub_repo(
        cache.hub_dir, REPO_ID, {"m.gguf": HubFile(good)}, tree_listing=False
    )
    plan = plan_downloads([_source()], cache)
    assert plan.files[0].remote.sha256 == hashlib.sha256(good).hexdigest()
    assert download_models([_source()], cache, plan=plan)[0].checksum == "sha256"


def test_sha256_mismatch_halts_and_removes_the_bad_copy(offline_hub: Path) -> None:
    cache = ModelCache(offline_hub)
    wrong = "f" * 64
    _standard_repo(cache, **{"tiny.Q8_0.gguf": HubFile(gguf_bytes(), published_sha256=wrong)})
    with pytest.raises(ChecksumMismatchError, match=f"SHA-256 mismatch: the hub says {wrong}"):
        download_models([_source(files=["tiny.Q8_0.gguf", "tiny.F16.gguf"])], cache)
    # halted at the first file: nothing indexed, the mismatching copy deleted
    assert cache.entries() == []
    storage = cache.hub_dir / f"models--{REPO_ID.replace('/', '--')}"
    assert not (storage / "snapshots" / COMMIT / "tiny.Q8_0.gguf").exists()
    assert not (storage / "blobs" / wrong).exists()


def test_git_blob_id_mismatch_halts(offline_hub: Path) -> None:
    cache = ModelCache(offline_hub)
    _standard_repo(
        cache, **{"config.json": HubFile(b"{}", lfs=False, published_blob_id="a" * 40)}
    )
    with pytest.raises(ChecksumMismatchError, match="git blob id mismatch"):
        download_models([_source(files=["config.json"])], cache)


def test_pickle_is_refused_unless_allowed(offline_hub: Path) -> None:
    cache = ModelCache(offline_hub)
    _standard_repo(cache, **{"pytorch_model.bin": HubFile(b"\x80\x04K\x01.")})
    source = _source(files=["*.gguf", "pytorch_model.bin"])
    plan = plan_downloads([source], cache)
    assert [f.remote.filename for f in plan.refusals] == ["pytorch_model.bin"]
    with pytest.raises(PickleRefusedError, match="refusing a pickle-based file"):
        download_models([source], cache)
    assert cache.entries() == []  # refused before anything was fetched
    allowed = download_models([source], cache, allow_pickle=True)
    assert "pytorch_model.bin" in {f.filename for f in allowed}
    per_source = download_models([_source(files=["pytorch_model.bin"], allow_pickle=True)], cache)
    assert per_source[0].kind == "pickle"


def test_unknown_format_and_format_mismatch_are_refused(offline_hub: Path) -> None:
    cache = ModelCache(offline_hub)
    _standard_repo(
        cache,
        **{"modeling_tiny.py": HubFile(b"import os", lfs=False),
           "model.safetensors": HubFile(safetensors_bytes())},
    )
    with pytest.raises(UnknownFormatError, match="unknown format"):
        download_models([_source(files=["*.py"])], cache)
    with pytest.raises(UnknownFormatError, match="declares format 'gguf'"):
        download_models([_source(files=["*.safetensors"])], cache)
    ok = download_models([_source(files=["*.safetensors"], format="safetensors")], cache)
    assert ok[0].kind == "safetensors"


def test_a_broken_weight_file_fails_its_structure_check(offline_hub: Path) -> None:
    cache = ModelCache(offline_hub)
    page = b"<!DOCTYPE html><html>rate limited</html>"
    build_hub_repo(cache.hub_dir, REPO_ID, {"m.gguf": HubFile(page)})
    with pytest.raises(ModelFileError, match="HTML page"):
        download_models([_source()], cache)
    assert cache.entries() == []


def test_missing_pattern_revision_and_offline_miss(offline_hub: Path) -> None:
    cache = ModelCache(offline_hub)
    _standard_repo(cache)
    with pytest.raises(DownloadError, match=r"pattern '\*.Q2_K.gguf' matches no file"):
        plan_downloads([_source(files=["*.Q2_K.gguf"])], cache)
    with pytest.raises(DownloadError, match="offline mode and the model cache"):
        plan_downloads([_source(revision="v2")], cache)
    with pytest.raises(DownloadError, match="offline mode"):
        plan_downloads([_source(repo_id="acme/absent")], cache)


def test_lru_eviction_through_downloads(offline_hub: Path) -> None:
    """A cache that holds two of three equal files evicts the least recently used one.

    Offline, each file is placed in the hub cache just before its download (standing in for
    the fetch), since everything in the hub cache counts towards the limit."""
    files = {f"m{i}.gguf": HubFile(gguf_bytes(metadata={"i": i})) for i in range(3)}
    size = len(files["m0.gguf"].content)
    cache = ModelCache(offline_hub, size_limit_bytes=2 * size)

    def fetch(name: str) -> None:
        build_hub_repo(cache.hub_dir, REPO_ID, {name: files[name]}, tree_listing=False)
        download_models([_source(files=[name])], cache)

    fetch("m0.gguf")
    fetch("m1.gguf")
    download_models([_source(files=["m0.gguf"])], cache)  # a re-use: m1 is now the oldest
    fetch("m2.gguf")
    assert [e.filename for e in cache.entries()] == ["m0.gguf", "m2.gguf"]
    pointer = cache.hub_dir / f"models--{REPO_ID.replace('/', '--')}" / "snapshots" / COMMIT
    assert not (pointer / "m1.gguf").exists()
    assert (pointer / "m0.gguf").exists() and (pointer / "m2.gguf").exists()


def test_spec_file(tmp_path: Path) -> None:
    spec = tmp_path / "models.yaml"
    spec.write_text(
        "models:\n  - repo_id: acme/tiny-gguf\n    files: ['*.gguf']\n    format: gguf\n"
        "    revision: abc\n"
    )
    (source,) = load_download_spec(spec)
    assert source.revision == "abc" and not source.allow_pickle
    spec.write_text("models:\n  - repo_id: acme/tiny-gguf\n    files: []\n    format: gguf\n")
    with pytest.raises(ConfigError, match=r"models\.0\.files"):
        load_download_spec(spec)
    spec.write_text("models:\n  - repo_id: acme/tiny\n    files: ['*']\n    format: onnx\n")
    with pytest.raises(ConfigError, match=r"models\.0\.format"):
        load_download_spec(spec)


def test_download_command_dry_run_lists_and_fetches_nothing(
    offline_hub: Path, tmp_path: Path
) -> None:
    cache = ModelCache(offline_hub)
    _standard_repo(cache)
    spec = tmp_path / "models.yaml"
    spec.write_text(
        f"models:\n  - repo_id: {REPO_ID}\n    files: ['*.gguf']\n    format: gguf\n"
    )
    app = typer.Typer()
    app.command("download")(download_command)
    app.command("unused")(lambda: None)
    runner = CliRunner()
    result = runner.invoke(
        app,
        ["download", "--models-file", str(spec), "--cache-dir", str(offline_hub), "--dry-run",
         "--json"],
    )
    assert result.exit_code == 0, result.output
    listed = json.loads(result.stdout)
    assert sorted(f["filename"] for f in listed) == ["tiny.F16.gguf", "tiny.Q8_0.gguf"]
    assert all(f["cached"] and f["refusal"] is None for f in listed)
    assert cache.entries() == []  # a dry run indexes nothing
    real = runner.invoke(
        app, ["download", "--models-file", str(spec), "--cache-dir", str(offline_hub), "--json"]
    )
    assert real.exit_code == 0, real.output
    assert len(json.loads(real.stdout)) == 2
    assert len(cache.entries()) == 2


def test_hub_metadata_path_with_the_files_already_cached(
    offline_hub: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Online mode: the file list and LFS SHA-256 come from the hub's model_info answer (here a
    real `ModelInfo` built from the API's JSON shape); the file itself is already cached, so
    `hf_hub_download` needs no network for it. A wrong published hash still halts."""
    import huggingface_hub
    from huggingface_hub.hf_api import ModelInfo

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    cache = ModelCache(offline_hub)
    content = gguf_bytes()
    build_hub_repo(cache.hub_dir, REPO_ID, {"m.gguf": HubFile(content)}, tree_listing=False)
    published = {"sha256": hashlib.sha256(content).hexdigest()}
    calls: list[tuple[str, str | None]] = []

    def model_info(self: object, repo_id: str, *, revision: str | None = None,
                   files_metadata: bool = False, **_: object) -> ModelInfo:
        calls.append((repo_id, revision))
        assert files_metadata
        build: Any = ModelInfo  # untyped constructor in huggingface_hub
        return build(  # type: ignore[no-any-return]
            id=repo_id, sha=COMMIT,
            siblings=[{"rfilename": "m.gguf", "size": 134, "blobId": "b" * 40,
                       "lfs": {"size": len(content), "sha256": published["sha256"],
                               "pointerSize": 134}}],
        )

    monkeypatch.setattr(huggingface_hub.HfApi, "model_info", model_info)
    plan = plan_downloads([_source()], cache)
    assert calls == [(REPO_ID, "main")]
    assert not plan.manifests[0].from_cache
    assert plan.files[0].remote.size_bytes == len(content)
    assert download_models([_source()], cache, plan=plan)[0].checksum == "sha256"
    published["sha256"] = "e" * 64
    with pytest.raises(ChecksumMismatchError, match=r"the hub says e{64}"):
        download_models([_source()], cache)
