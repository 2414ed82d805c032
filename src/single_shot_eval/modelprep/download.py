"""Fetch models listed in a YAML file from a model hub, verified, into the bounded cache.

Every request goes through `huggingface_hub`, so `HF_ENDPOINT`, `HF_HUB_OFFLINE`, `HF_TOKEN` and
a stored login work as usual. The hub's metadata (the file list of the resolved commit, each
file's size and its LFS SHA-256, or git blob id for small files) is read first; when the hub
cannot be reached (offline mode, no network) the same metadata comes from huggingface_hub's
local cache: the tree listing it stored at download time, or the blob names (a blob is named
by the checksum the hub sent). Then, per file:

1. refuse pickle-based files (.bin .pt .pth .pkl .pickle .ckpt: loading them can run code)
   unless `allow_pickle`, and any extension that is neither weights nor known side files;
2. make room in the cache (LRU eviction), download with `hf_hub_download`;
3. hash the file and halt on any mismatch with the hub's checksum (the bad copy is deleted);
4. check the structure of GGUF / safetensors weights, then record the file in the index.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from single_shot_eval.errors import ConfigError, UserError
from single_shot_eval.modelprep.cache import ModelCache
from single_shot_eval.modelprep.gguf import read_gguf_header, read_safetensors_header

PICKLE_SUFFIXES = frozenset({".bin", ".pt", ".pth", ".pkl", ".pickle", ".ckpt"})
WEIGHT_SUFFIXES = {".gguf": "gguf", ".safetensors": "safetensors"}
# Side files a model repo carries that are data, not code or weights.
SIDE_FILE_SUFFIXES = frozenset({".json", ".txt", ".md", ".model", ".tiktoken", ".jinja"})
SIDE_FILE_NAMES = frozenset({".gitattributes", "LICENSE", "NOTICE", "README"})
_COMMIT_RE = re.compile(r"^[0-9a-f]{40}$")
_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")

FileKind = Literal["gguf", "safetensors", "pickle", "side", "unknown"]


class DownloadError(UserError):
    """A model cannot be fetched: not found, offline and not cached, or refused."""


class ChecksumMismatchError(DownloadError):
    """A fetched file's hash differs from the hub's metadata; the download halts."""


class PickleRefusedError(DownloadError):
    """A pickle-based file was requested without `--unsafe-allow-pickle`."""


class UnknownFormatError(DownloadError):
    """A requested file is neither known weights nor a known side file."""


# --- the YAML spec -----------------------------------------------------------------------------


class ModelSource(BaseModel):
    """One entry of a download YAML: which repo, at which revision, which files."""

    model_config = ConfigDict(extra="forbid")

    repo_id: str = Field(min_length=3, pattern=r"^[\w.-]+/[\w.-]+$")
    revision: str = Field(default="main", min_length=1)
    files: list[str] = Field(min_length=1, description="glob patterns of file names")
    format: Literal["gguf", "safetensors", "pickle"]
    id: str | None = None
    allow_pickle: bool = False
    pin: bool = False

    @property
    def name(self) -> str:
        return self.id or self.repo_id


def load_download_spec(path: Path) -> list[ModelSource]:
    """Read `models: [{repo_id, revision, files, format, ...}, ...]`."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(path, f"cannot read models file ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise ConfigError(path, f"invalid YAML: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("models"), list):
        raise ConfigError(path, "expected a mapping with a 'models' list", key="models")
    sources = []
    for i, entry in enumerate(data["models"]):
        try:
            sources.append(ModelSource.model_validate(entry))
        except ValidationError as exc:
            err = exc.errors()[0]
            key = ".".join(str(p) for p in ("models", i, *err["loc"]))
            raise ConfigError(path, err["msg"], key=key) from None
    if not sources:
        raise ConfigError(path, "the 'models' list is empty", key="models")
    return sources


# --- hub metadata ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RemoteFile:
    """A file of a repo at a commit, with the checksum the hub publishes for it."""

    filename: str
    size_bytes: int | None
    sha256: str | None  # LFS files
    blob_id: str | None  # git blob sha1 (all files; the checksum of non-LFS files)


@dataclass(frozen=True)
class RepoManifest:
    """The files of a repo at a resolved commit, and where the listing came from."""

    repo_id: str
    revision: str
    commit: str
    files: tuple[RemoteFile, ...]
    from_cache: bool


def _hub() -> Any:
    try:
        import huggingface_hub
    except ImportError:
        raise DownloadError(
            "downloading models needs huggingface_hub: pip install 'single-shot-eval[hub]'"
        ) from None
    return huggingface_hub


def repo_storage_dir(hub_dir: Path, repo_id: str) -> Path:
    """huggingface_hub's folder for a model repo inside a cache dir (models--org--name)."""
    from huggingface_hub.file_download import repo_folder_name

    return hub_dir / repo_folder_name(repo_id=repo_id, repo_type="model")


def fetch_manifest(source: ModelSource, hub_dir: Path, *, token: str | None = None) -> RepoManifest:
    """The hub's file list for `source`; from the local hub cache when the hub is unreachable."""
    hf = _hub()
    from huggingface_hub import errors as hf_errors

    network_error: Exception | None = None
    if not hf.is_offline_mode():
        try:
            info = hf.HfApi(token=token).model_info(
                source.repo_id, revision=source.revision, files_metadata=True
            )
        except (hf_errors.RepositoryNotFoundError, hf_errors.RevisionNotFoundError) as exc:
            raise DownloadError(
                f"{source.repo_id}@{source.revision}: not found on the hub "
                f"({type(exc).__name__}); check the repo id, revision and HF_TOKEN"
            ) from None
        except Exception as exc:  # connection refused, DNS, timeouts: try the local cache
            network_error = exc
        else:
            files = tuple(
                RemoteFile(
                    filename=s.rfilename,
                    size_bytes=s.lfs.size if s.lfs is not None else s.size,
                    sha256=s.lfs.sha256 if s.lfs is not None else None,
                    blob_id=s.blob_id,
                )
                for s in info.siblings or ()
            )
            return RepoManifest(source.repo_id, source.revision, str(info.sha), files, False)
    manifest = cached_manifest(source, hub_dir)
    if manifest is None:
        why = f"the hub is unreachable ({network_error})" if network_error else "offline mode"
        raise DownloadError(
            f"{source.repo_id}@{source.revision}: {why} and the model cache {hub_dir} holds no "
            "copy of this revision; unset HF_HUB_OFFLINE or check the network"
        )
    return manifest


def cached_manifest(source: ModelSource, hub_dir: Path) -> RepoManifest | None:
    """The hub metadata huggingface_hub left in its cache for this revision, if any.

    Prefers the tree listing (`trees/<commit>.json`: sizes, LFS SHA-256, blob ids as the hub
    sent them); falls back to the snapshot's blob names, which are the hub's ETags: the SHA-256
    for LFS files and the git blob id for small files.
    """
    storage = repo_storage_dir(hub_dir, source.repo_id)
    commit: str | None = source.revision if _COMMIT_RE.match(source.revision) else None
    if commit is None:
        ref = storage / "refs" / source.revision
        try:
            commit = ref.read_text(encoding="utf-8").strip()
        except OSError:
            return None
    tree = _read_tree_listing(storage / "trees" / f"{commit}.json")
    if tree is not None:
        return RepoManifest(source.repo_id, source.revision, commit, tree, True)
    snapshot = storage / "snapshots" / commit
    if not snapshot.is_dir():
        return None
    files = []
    for pointer in sorted(p for p in snapshot.rglob("*") if p.is_file() or p.is_symlink()):
        blob = pointer.resolve()
        etag = blob.name
        files.append(
            RemoteFile(
                filename=pointer.relative_to(snapshot).as_posix(),
                size_bytes=blob.stat().st_size if blob.exists() else None,
                sha256=etag if _SHA256_RE.match(etag) else None,
                blob_id=etag if _COMMIT_RE.match(etag) else None,
            )
        )
    return RepoManifest(source.repo_id, source.revision, commit, tuple(files), True)


def _read_tree_listing(path: Path) -> tuple[RemoteFile, ...] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        files = data["files"]
        return tuple(
            RemoteFile(
                filename=name,
                size_bytes=int(info.get("lfs_size") or info["size"]),
                sha256=info.get("lfs_sha256"),
                blob_id=info.get("blob_id"),
            )
            for name, info in sorted(files.items())
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


# --- planning ----------------------------------------------------------------------------------


def classify(filename: str) -> FileKind:
    """What a file name says the file is: weights (gguf/safetensors), pickle, side file, unknown."""
    name = Path(filename).name
    suffix = Path(name).suffix.lower()
    if suffix in WEIGHT_SUFFIXES:
        return "gguf" if WEIGHT_SUFFIXES[suffix] == "gguf" else "safetensors"
    if suffix in PICKLE_SUFFIXES:
        return "pickle"
    if suffix in SIDE_FILE_SUFFIXES or name in SIDE_FILE_NAMES or name.startswith("LICENSE"):
        return "side"
    return "unknown"


@dataclass(frozen=True)
class PlannedFile:
    """One file the download would fetch (or refuses to), and whether it is already cached."""

    source: ModelSource
    commit: str
    remote: RemoteFile
    kind: FileKind
    cached: bool
    refusal: str | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.source.repo_id, self.commit, self.remote.filename)


@dataclass(frozen=True)
class DownloadPlan:
    """Every file of every model in a spec, with refusals; what `--dry-run` prints."""

    files: tuple[PlannedFile, ...]
    manifests: tuple[RepoManifest, ...]

    @property
    def bytes_to_fetch(self) -> int:
        return sum(f.remote.size_bytes or 0 for f in self.files if not f.cached and not f.refusal)

    @property
    def refusals(self) -> tuple[PlannedFile, ...]:
        return tuple(f for f in self.files if f.refusal)

    def raise_for_refusals(self) -> None:
        """Halt before fetching anything if a file is refused (first refusal named)."""
        if not self.refusals:
            return
        first = self.refusals[0]
        error = PickleRefusedError if first.kind == "pickle" else UnknownFormatError
        raise error(first.refusal or "refused")


def _refusal(source: ModelSource, filename: str, kind: FileKind, allow_pickle: bool) -> str | None:
    where = f"{source.repo_id}/{filename}"
    if kind == "pickle":
        if allow_pickle or source.allow_pickle:
            return None
        return (
            f"{where}: refusing a pickle-based file (loading it can run arbitrary code); prefer "
            "a .safetensors or .gguf file, or pass --unsafe-allow-pickle if you trust the source"
        )
    if kind == "unknown":
        return (
            f"{where}: refusing a file of unknown format (expected .gguf, .safetensors or side "
            "files such as .json/.txt/.model); narrow the 'files' patterns"
        )
    if kind in ("gguf", "safetensors") and kind != source.format:
        return f"{where}: is {kind} but the models file declares format {source.format!r}"
    return None


def plan_downloads(
    sources: Sequence[ModelSource],
    cache: ModelCache,
    *,
    allow_pickle: bool = False,
    token: str | None = None,
) -> DownloadPlan:
    """Resolve every source to files at a commit; mark cached files and refusals."""
    manifests = []
    planned: list[PlannedFile] = []
    for source in sources:
        manifest = fetch_manifest(source, cache.hub_dir, token=token)
        manifests.append(manifest)
        names = [f.filename for f in manifest.files]
        chosen: dict[str, RemoteFile] = {}
        for pattern in source.files:
            matched = [f for f in manifest.files if fnmatch.fnmatchcase(f.filename, pattern)]
            if not matched:
                shown = ", ".join(names[:12]) + (" ..." if len(names) > 12 else "")
                raise DownloadError(
                    f"{source.repo_id}@{source.revision}: pattern {pattern!r} matches no file "
                    f"(files: {shown or 'none'})"
                )
            for remote in matched:
                chosen.setdefault(remote.filename, remote)
        for remote in chosen.values():
            kind = classify(remote.filename)
            pointer = _pointer_path(cache.hub_dir, source.repo_id, manifest.commit, remote.filename)
            planned.append(
                PlannedFile(
                    source=source,
                    commit=manifest.commit,
                    remote=remote,
                    kind=kind,
                    cached=pointer.exists(),
                    refusal=_refusal(source, remote.filename, kind, allow_pickle),
                )
            )
    return DownloadPlan(tuple(planned), tuple(manifests))


def _pointer_path(hub_dir: Path, repo_id: str, commit: str, filename: str) -> Path:
    return repo_storage_dir(hub_dir, repo_id) / "snapshots" / commit / filename


# --- fetching ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DownloadedFile:
    """A verified file in the cache."""

    repo_id: str
    commit: str
    filename: str
    kind: FileKind
    path: Path
    size_bytes: int
    sha256: str
    checksum: Literal["sha256", "git-sha1"]
    fetched: bool


def file_checksums(path: Path, chunk_bytes: int = 1 << 20) -> tuple[str, str, int]:
    """(SHA-256, git blob SHA-1, size) of a file in one pass."""
    size = path.stat().st_size
    sha256 = hashlib.sha256()
    git_sha1 = hashlib.sha1(f"blob {size}\0".encode(), usedforsecurity=False)
    with path.open("rb") as fh:
        while chunk := fh.read(chunk_bytes):
            sha256.update(chunk)
            git_sha1.update(chunk)
    return sha256.hexdigest(), git_sha1.hexdigest(), size


def verify_checksum(path: Path, planned: PlannedFile) -> tuple[str, Literal["sha256", "git-sha1"]]:
    """Hash `path` and compare with the hub's metadata; raise `ChecksumMismatchError`."""
    remote = planned.remote
    sha256, git_sha1, size = file_checksums(path)
    where = f"{planned.source.repo_id}@{planned.commit[:12]}/{remote.filename}"
    if remote.sha256:
        if sha256 != remote.sha256.lower():
            raise ChecksumMismatchError(
                f"{where}: SHA-256 mismatch: the hub says {remote.sha256}, the downloaded file "
                f"has {sha256} ({size} bytes); halting (the bad copy was removed, retry the "
                "download)"
            )
        return sha256, "sha256"
    if remote.blob_id:
        if git_sha1 != remote.blob_id.lower():
            raise ChecksumMismatchError(
                f"{where}: git blob id mismatch: the hub says {remote.blob_id}, the downloaded "
                f"file has {git_sha1} ({size} bytes); halting (the bad copy was removed, retry)"
            )
        return sha256, "git-sha1"
    raise ChecksumMismatchError(
        f"{where}: the hub published no checksum for this file; refusing to use it unverified"
    )


def download_models(
    sources: Sequence[ModelSource],
    cache: ModelCache,
    *,
    allow_pickle: bool = False,
    token: str | None = None,
    on_file: Callable[[DownloadedFile], None] | None = None,
    plan: DownloadPlan | None = None,
) -> list[DownloadedFile]:
    """Fetch, verify and index every planned file; halt on the first refusal or mismatch."""
    hf = _hub()
    from huggingface_hub import errors as hf_errors

    plan = plan or plan_downloads(sources, cache, allow_pickle=allow_pickle, token=token)
    plan.raise_for_refusals()
    done: list[DownloadedFile] = []
    for planned in plan.files:
        key = planned.key
        if not planned.cached:
            cache.make_room(planned.remote.size_bytes or 0, protect=[f.key for f in plan.files])
        cache.reserve(*key)  # in use from now on: other processes evict it last, not first
        try:
            local = Path(
                hf.hf_hub_download(
                    planned.source.repo_id,
                    planned.remote.filename,
                    revision=planned.commit,
                    cache_dir=str(cache.hub_dir),
                    token=token,
                )
            )
        except hf_errors.LocalEntryNotFoundError:
            raise DownloadError(
                f"{planned.source.repo_id}/{planned.remote.filename}: not in the model cache and "
                "the hub cannot be reached (offline mode or no network)"
            ) from None
        except (hf_errors.HfHubHTTPError, OSError) as exc:
            raise DownloadError(
                f"{planned.source.repo_id}/{planned.remote.filename}: download failed: {exc}"
            ) from None
        try:
            sha256, checksum = verify_checksum(local, planned)
        except ChecksumMismatchError:
            cache.forget(*key)  # the pointer, and its blob unless another file shares it
            raise
        _check_structure(local, planned.kind)
        entry = cache.add(
            repo_id=planned.source.repo_id,
            revision=planned.commit,
            filename=planned.remote.filename,
            sha256=sha256,
            pinned=planned.source.pin,
        )
        cache.enforce_limit(protect=[f.key for f in plan.files])
        result = DownloadedFile(
            repo_id=planned.source.repo_id,
            commit=planned.commit,
            filename=planned.remote.filename,
            kind=planned.kind,
            path=local,
            size_bytes=entry.size_bytes,
            sha256=sha256,
            checksum=checksum,
            fetched=not planned.cached,
        )
        done.append(result)
        if on_file is not None:
            on_file(result)
    return done


def _check_structure(path: Path, kind: FileKind) -> None:
    """Weights must parse as what their name says (catches HTML error pages, truncation)."""
    if kind == "gguf":
        read_gguf_header(path)
    elif kind == "safetensors":
        read_safetensors_header(path)
