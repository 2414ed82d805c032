"""Builders shared by the pipeline tests: small real GGUF/safetensors files and a hub cache.

The hub cache is the layout huggingface_hub itself writes (`models--org--name/refs`, `blobs`
named by the hub's ETag, `snapshots/<commit>/<file>` symlinks, `trees/<commit>.json`), so
`hf_hub_download` in offline mode serves files from it through its real code path.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gguf
import numpy as np
import pytest
import safetensors.numpy

COMMIT = "0123456789abcdef0123456789abcdef01234567"


def gguf_bytes(
    *,
    metadata: Mapping[str, Any] | None = None,
    tensors: Iterable[tuple[str, tuple[int, ...]]] = (("weight", (32, 2)),),
) -> bytes:
    """A valid GGUF (F32 tensors filled with 0.5) written by the gguf package's `GGUFWriter`.

    Shapes are in GGUF order (first dimension fastest), as the file stores them. The first
    metadata key is `general.architecture` ("llama"), which the corrupt-file tests rely on.
    """
    meta = {"general.architecture": "llama", "general.file_type": 0, **(metadata or {})}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.gguf"
        writer = gguf.GGUFWriter(path, arch=str(meta.pop("general.architecture")))
        writer.add_file_type(int(meta.pop("general.file_type")))
        for key, value in meta.items():
            if isinstance(value, list):
                writer.add_array(key, value)
            else:
                writer.add_key_value(key, value, gguf.GGUFValueType.get_type(value))
        for name, shape in tensors:
            writer.add_tensor(name, np.full(tuple(reversed(shape)), 0.5, dtype=np.float32))
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_tensors_to_file()
        writer.close()
        return path.read_bytes()


def safetensors_bytes(tensors: Mapping[str, tuple[str, list[int]]] | None = None) -> bytes:
    """A valid safetensors file (zeros) for name -> (dtype, shape), by the safetensors library."""
    dtypes = {"F32": np.float32, "F16": np.float16, "I64": np.int64}
    layout = tensors or {"embed": ("F32", [4, 2]), "bias": ("F16", [3])}
    arrays = {name: np.zeros(shape, dtype=dtypes[dtype]) for name, (dtype, shape) in layout.items()}
    content: bytes = safetensors.numpy.save(arrays, metadata={"format": "pt"})
    return content


def git_blob_sha1(content: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()


@dataclass(frozen=True)
class HubFile:
    """A file to place in the fixture repo. `lfs`: its ETag is the SHA-256, else the blob id."""

    content: bytes
    lfs: bool = True
    published_sha256: str | None = None  # what the hub's metadata claims (default: the truth)
    published_blob_id: str | None = None


def build_hub_repo(
    hub_dir: Path,
    repo_id: str,
    files: Mapping[str, HubFile],
    *,
    commit: str = COMMIT,
    revision: str = "main",
    tree_listing: bool = True,
) -> Path:
    """Write a repo into a huggingface_hub cache dir, as `hf_hub_download` would have."""
    storage = hub_dir / ("models--" + repo_id.replace("/", "--"))
    (storage / "refs").mkdir(parents=True, exist_ok=True)
    (storage / "refs" / revision).write_text(commit)
    snapshot = storage / "snapshots" / commit
    tree: dict[str, Any] = {}
    for name, spec in files.items():
        true_sha = hashlib.sha256(spec.content).hexdigest()
        published = spec.published_sha256 or true_sha
        blob_id = spec.published_blob_id or git_blob_sha1(spec.content)
        etag = published if spec.lfs else blob_id
        blob = storage / "blobs" / etag
        blob.parent.mkdir(parents=True, exist_ok=True)
        blob.write_bytes(spec.content)
        pointer = snapshot / name
        pointer.parent.mkdir(parents=True, exist_ok=True)
        pointer.symlink_to(os.path.relpath(blob, pointer.parent))
        entry: dict[str, Any] = {"size": len(spec.content), "blob_id": blob_id}
        if spec.lfs:
            entry.update(lfs_sha256=published, lfs_size=len(spec.content))
        tree[name] = entry
    if tree_listing:
        trees = storage / "trees"
        trees.mkdir(exist_ok=True)
        (trees / f"{commit}.json").write_text(json.dumps({"format_version": 1, "files": tree}))
    return storage


@pytest.fixture
def offline_hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary HF_HOME in offline mode; returns the model cache root to build repos in."""
    import huggingface_hub.constants

    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf_home"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    return tmp_path / "model_cache"
