"""Builders shared by the pipeline tests: small real GGUF/safetensors files and a hub cache.

The hub cache is the layout huggingface_hub itself writes (`models--org--name/refs`, `blobs`
named by the hub's ETag, `snapshots/<commit>/<file>` symlinks, `trees/<commit>.json`), so
`hf_hub_download` in offline mode serves files from it through its real code path.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

GGML_F32 = 0
COMMIT = "0123456789abcdef0123456789abcdef01234567"


def _gguf_string(text: str) -> bytes:
    raw = text.encode()
    return struct.pack("<Q", len(raw)) + raw


def _gguf_value(value: Any) -> bytes:
    if isinstance(value, bool):
        return struct.pack("<I", 7) + struct.pack("<?", value)
    if isinstance(value, int):
        return struct.pack("<I", 4) + struct.pack("<I", value)
    if isinstance(value, float):
        return struct.pack("<I", 6) + struct.pack("<f", value)
    if isinstance(value, str):
        return struct.pack("<I", 8) + _gguf_string(value)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        body = b"".join(_gguf_string(v) for v in value)
        return struct.pack("<I", 9) + struct.pack("<IQ", 8, len(value)) + body
    raise TypeError(value)


def gguf_bytes(
    *,
    metadata: Mapping[str, Any] | None = None,
    tensors: Iterable[tuple[str, tuple[int, ...]]] = (("weight", (32, 2)),),
    version: int = 3,
) -> bytes:
    """A valid GGUF (F32 tensors filled with 0.5) with the given metadata."""
    meta = {"general.architecture": "llama", "general.file_type": 0, **(metadata or {})}
    tensor_list = list(tensors)
    header = b"GGUF" + struct.pack("<IQQ", version, len(tensor_list), len(meta))
    for key, value in meta.items():
        header += _gguf_string(key) + _gguf_value(value)
    offset = 0
    data = b""
    for name, shape in tensor_list:
        header += _gguf_string(name) + struct.pack("<I", len(shape))
        header += b"".join(struct.pack("<Q", d) for d in shape)
        header += struct.pack("<IQ", GGML_F32, offset)
        count = 1
        for d in shape:
            count *= d
        blob = struct.pack(f"<{count}f", *([0.5] * count))
        blob += b"\0" * (-len(blob) % 32)
        data += blob
        offset += len(blob)
    header += b"\0" * (-len(header) % 32)
    return header + data


def safetensors_bytes(tensors: Mapping[str, tuple[str, list[int]]] | None = None) -> bytes:
    """A valid safetensors file (F32/F16 zeros) for the given name -> (dtype, shape)."""
    sizes = {"F32": 4, "F16": 2, "I64": 8}
    layout = tensors or {"embed": ("F32", [4, 2]), "bias": ("F16", [3])}
    header: dict[str, Any] = {"__metadata__": {"format": "pt"}}
    offset = 0
    for name, (dtype, shape) in layout.items():
        n = sizes[dtype]
        for d in shape:
            n *= d
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + n]}
        offset += n
    raw = json.dumps(header).encode()
    raw += b" " * (-len(raw) % 8)
    return struct.pack("<Q", len(raw)) + raw + b"\0" * offset


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
