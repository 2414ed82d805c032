"""The allowed crate set: prebuilt once, then linked into every candidate with `rustc --extern`.

A candidate that uses clap should cost about what a std-only one costs, so candidates never go
through cargo. Like the Rust Playground, we build the allowed crates ONCE per toolchain into a
shared dependency directory, and every candidate that names one of them compiles with

    rustc --edition 2021 -L dependency=<deps> --extern clap=<deps>/libclap-<hash>.rlib ...

Proc-macro crates behind `derive` features (`clap_derive`, `serde_derive`) are `.so` files in the
same directory; they get an `--extern` too, so old-style `#[macro_use] extern crate serde_derive;`
works as well as `#[derive(Parser)]` through clap's re-export.

What translations may use, where the crates come from (a registry, Debian's packaged sources,
or neither) and how a crate outside the set fails are in the README ("Crates available to
translations").
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from single_shot_eval.errors import UserError
from single_shot_eval.verify.toolchain import Toolchain

CRATES_DIR_ENV = "SINGLE_SHOT_EVAL_CRATES_DIR"
CRATES_SOURCE_ENV = "SINGLE_SHOT_EVAL_CRATES_SOURCE"
DEBIAN_REGISTRY = Path("/usr/share/cargo/registry")
DEFAULT_CRATES: tuple[str, ...] = (
    "clap",
    "serde",
    "serde_json",
    "regex",
    "anyhow",
    "rand",
    "itertools",
)
# Features a crate gets when its name is given without a `[features]` list.
_DEFAULT_FEATURES: dict[str, tuple[str, ...]] = {"clap": ("derive",), "serde": ("derive",)}
# The Debian packages that provide the default set's sources (named in "not installed" details).
DEBIAN_PACKAGES: tuple[str, ...] = (
    "librust-clap-dev",
    "librust-clap-derive-dev",
    "librust-serde-dev",
    "librust-serde-derive-dev",
    "librust-serde-json-dev",
    "librust-regex-dev",
    "librust-anyhow-dev",
    "librust-rand-dev",
    "librust-itertools-dev",
)
_MANIFEST_NAME = "crate-set.json"
_MANIFEST_FORMAT = 1
_SOURCES = ("registry", "debian")
_CARGO_TIMEOUT_S = 1800.0
_PROBE_TIMEOUT_S = 120.0
# Host environment variables that would change how (or where) cargo builds the set.
_CARGO_ENV_DROPPED = (
    "RUSTFLAGS",
    "CARGO_ENCODED_RUSTFLAGS",
    "CARGO_BUILD_RUSTFLAGS",
    "CARGO_TARGET_DIR",
    "CARGO_BUILD_TARGET",
    "CARGO_BUILD_TARGET_DIR",
    "RUSTC_WRAPPER",
    "RUSTC_WORKSPACE_WRAPPER",
    "CARGO_BUILD_RUSTC_WRAPPER",
    "CARGO_INCREMENTAL",
)
_SPEC_PATTERN = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_-]*)\s*(?:\[([^\]]*)\])?\s*$")
_EXTERN_CRATE = re.compile(r"\bextern\s+crate\s+([A-Za-z_]\w*)")
_PATH_ROOT = re.compile(r"(?<![\w:])(?:::)?([A-Za-z_]\w*)\s*::")
_USE_ROOT = re.compile(r"\buse\s+(?:::)?([A-Za-z_]\w*)\s*(?:;|\bas\b)")


class CrateSetError(Exception):
    """Building the crate set from one source failed; the message says why."""


@dataclass(frozen=True)
class CrateSpec:
    """One allowed crate: its name as code uses it (`serde_json`) and the cargo features it gets."""

    name: str
    features: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str) -> CrateSpec:
        """`clap` (default features for known crates) or `clap[derive,env]` (exactly these)."""
        match = _SPEC_PATTERN.match(text)
        if match is None:
            raise ValueError(f"crate {text!r}: expected NAME or NAME[feature,feature]")
        name = match.group(1).replace("-", "_")
        features: tuple[str, ...]
        if match.group(2) is None:
            features = _DEFAULT_FEATURES.get(name, ())
        else:
            features = tuple(f.strip() for f in match.group(2).split(",") if f.strip())
        return cls(name, tuple(sorted(set(features))))

    @property
    def companions(self) -> tuple[str, ...]:
        """Proc-macro crates the code may name directly: `serde_derive` for serde's derive."""
        return (f"{self.name}_derive",) if "derive" in self.features else ()

    def manifest_line(self) -> str:
        features = ", ".join(json.dumps(f) for f in self.features)
        return f'{self.name} = {{ version = "*", features = [{features}] }}'


@dataclass(frozen=True)
class CrateSet:
    """The crate set as a candidate compile sees it: linked in, or unavailable and why.

    `fingerprint` identifies exactly what a crate-using candidate is compiled against (specs,
    source and resolved versions), or that the set was unavailable; it goes into the verdict-cache
    key. `externs` maps each crate name code may use to its library file in `deps_dir`.
    """

    specs: tuple[CrateSpec, ...]
    fingerprint: str
    source: str
    deps_dir: Path | None = None
    externs: tuple[tuple[str, Path], ...] = ()
    versions: tuple[tuple[str, str], ...] = ()
    unavailable_reason: str = ""

    @property
    def available(self) -> bool:
        return self.deps_dir is not None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(spec.name for spec in self.specs)

    def rustc_flags(self) -> list[str]:
        """`-L dependency=<deps>` and one `--extern name=path` per crate; [] when unavailable."""
        if self.deps_dir is None:
            return []
        flags = ["-L", f"dependency={self.deps_dir}"]
        for name, path in self.externs:
            flags.extend(["--extern", f"{name}={path}"])
        return flags


def describe_crate_names(names: Sequence[str]) -> str:
    """`clap, serde, ...` or `std only` for an empty set."""
    return ", ".join(names) if names else "std only"


def crates_referenced(code: str) -> set[str]:
    """Names the code might use as crates: `extern crate X`, `use X;` and path roots `X::`.

    Over-approximates (type paths like `String::new` count too); callers intersect with the crate
    names they care about.
    """
    found = set(_EXTERN_CRATE.findall(code))
    found.update(_PATH_ROOT.findall(code))
    found.update(_USE_ROOT.findall(code))
    return found


def default_crates_root() -> Path:
    """Where crate sets live: `$SINGLE_SHOT_EVAL_CRATES_DIR` or ~/.cache/single-shot-eval/crates."""
    override = os.environ.get(CRATES_DIR_ENV)
    if override:
        return Path(override).expanduser().resolve()
    cache_home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return (Path(cache_home) / "single-shot-eval" / "crates").resolve()


def rust_fingerprint(toolchain: Toolchain) -> str:
    """Short hash of `rustc -Vv`: crate libraries work only with the exact rustc that built them."""
    return hashlib.sha256(toolchain.rustc_version.encode()).hexdigest()[:16]


# Unavailable results per crate-set directory, so a process probes a failing source only once.
_UNAVAILABLE: dict[Path, CrateSet] = {}
_UNAVAILABLE_LOCK = threading.Lock()


class CrateSetProvider:
    """Finds, or builds once, the crate set for a list of allowed crates and a toolchain.

    `used_by(code)` is cheap (a text scan); `ensure()` returns the ready set, building it first
    when no process has yet (a lock file serializes builds across processes), or an unavailable
    set whose `unavailable_reason` says what to install. Safe to share across threads.
    """

    def __init__(
        self,
        crates: Sequence[str],
        toolchain: Toolchain,
        *,
        root: Path | None = None,
        source: str | None = None,
    ) -> None:
        try:
            specs = {spec.name: spec for spec in (CrateSpec.parse(text) for text in crates)}
        except ValueError as error:
            raise UserError(f"allowed crates: {error}") from None
        self.specs: tuple[CrateSpec, ...] = tuple(sorted(specs.values(), key=lambda s: s.name))
        self.toolchain = toolchain
        self.root = (root or default_crates_root()).resolve()
        self.source_choice = (source or os.environ.get(CRATES_SOURCE_ENV) or "auto").lower()
        if self.source_choice not in {"auto", "none", *_SOURCES}:
            raise UserError(
                f"{CRATES_SOURCE_ENV}={self.source_choice!r}: expected auto, registry, debian "
                "or none"
            )
        spec_text = json.dumps([[s.name, list(s.features)] for s in self.specs])
        self.spec_fingerprint = hashlib.sha256(spec_text.encode()).hexdigest()[:16]
        self.directory = self.root / rust_fingerprint(toolchain) / self.spec_fingerprint
        self._lock = threading.Lock()
        self._ready: CrateSet | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(spec.name for spec in self.specs)

    @property
    def allowed_names(self) -> frozenset[str]:
        """Crate names a candidate may use: the set plus its derive companions."""
        names = set(self.names)
        for spec in self.specs:
            names.update(spec.companions)
        return frozenset(names)

    @property
    def std_only(self) -> bool:
        return not self.specs

    def used_by(self, code: str) -> tuple[str, ...]:
        """The allowed crates `code` names (sorted); empty for a std-only candidate."""
        return tuple(sorted(crates_referenced(code) & self.allowed_names))

    def ready(self) -> CrateSet | None:
        """The built set when its directory is complete, without building anything."""
        if self._ready is not None:
            return self._ready
        crate_set = _read_manifest(self.directory, self.specs)
        if crate_set is not None:
            self._ready = crate_set
        return crate_set

    def ensure(self) -> CrateSet:
        """The ready set, built now if needed; an unavailable set (never raises) otherwise."""
        ready = self.ready()
        if ready is not None:
            return ready
        with _UNAVAILABLE_LOCK:
            known_failure = _UNAVAILABLE.get(self.directory)
        if known_failure is not None:
            return known_failure
        with self._lock:
            ready = self.ready()
            if ready is not None:
                return ready
            result = self._build_locked()
        if result.available:
            self._ready = result
        else:
            with _UNAVAILABLE_LOCK:
                _UNAVAILABLE[self.directory] = result
        return result

    # -- building ------------------------------------------------------------------------------

    def _unavailable(self, reason: str) -> CrateSet:
        fingerprint = hashlib.sha256(
            f"unavailable\n{self.spec_fingerprint}\n{reason}".encode()
        ).hexdigest()[:16]
        return CrateSet(self.specs, fingerprint, "none", unavailable_reason=reason)

    def _build_locked(self) -> CrateSet:
        """Build under the cross-process lock; another process may have finished meanwhile."""
        if self.std_only:
            return self._unavailable("the allowed crate set is empty (std only)")
        if self.source_choice == "none":
            return self._unavailable(f"crates are disabled ({CRATES_SOURCE_ENV}=none)")
        try:
            self.directory.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            return self._unavailable(f"cannot create {self.directory.parent}: {error}")
        with _file_lock(self.directory.with_suffix(".lock")):
            ready = self.ready()
            if ready is not None:
                return ready
            reasons: list[str] = []
            sources = _SOURCES if self.source_choice == "auto" else (self.source_choice,)
            for source in sources:
                try:
                    return self._build_from(source)
                except CrateSetError as error:
                    reasons.append(f"{source}: {error}")
            return self._unavailable("; ".join(reasons))

    def _build_from(self, source: str) -> CrateSet:
        cargo = _find_cargo(self.toolchain)
        scratch = Path(tempfile.mkdtemp(prefix=f"{self.spec_fingerprint}.build-",
                                        dir=self.directory.parent))
        try:
            project = scratch / "project"
            (project / "src").mkdir(parents=True)
            (project / "src" / "lib.rs").write_text("")
            (project / "Cargo.toml").write_text(self._cargo_toml())
            env = _cargo_env(self.toolchain)
            offline: list[str] = []
            if source == "debian":
                self._check_debian_sources()
                env["CARGO_HOME"] = str(_debian_cargo_home(scratch / "cargo-home"))
                offline = ["--offline"]
            else:
                probe = _cargo(cargo, ["generate-lockfile"], project, env, _PROBE_TIMEOUT_S)
                if probe.returncode != 0:
                    raise CrateSetError(
                        "no crate registry is reachable (cargo generate-lockfile: "
                        f"{_last_line(probe.stderr)})"
                    )
            target = scratch / "target"
            build = _cargo(
                cargo,
                ["build", *offline, "--message-format=json", "--target-dir", str(target)],
                project,
                env,
                _CARGO_TIMEOUT_S,
            )
            if build.returncode != 0:
                raise CrateSetError(f"cargo build failed: {_cargo_error(build)}")
            metadata = _cargo(
                cargo,
                ["metadata", "--format-version", "1", *offline, "--locked"],
                project,
                env,
                _PROBE_TIMEOUT_S,
            )
            if metadata.returncode != 0:
                raise CrateSetError(f"cargo metadata failed: {_last_line(metadata.stderr)}")
            externs, versions = self._direct_artifacts(build.stdout, metadata.stdout)
            lock_text = (project / "Cargo.lock").read_text()
            return self._install(scratch, project, target, source, externs, versions, lock_text)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    def _cargo_toml(self) -> str:
        release = self.toolchain.rustc_release.split()
        rust_version = ".".join(release[1].split("-")[0].split(".")[:2]) if len(release) > 1 else ""
        lines = [
            "# Generated by single-shot-eval: the allowed crate set, built once for --extern.",
            "[package]",
            'name = "sse-crate-set"',
            'version = "0.0.0"',
            'edition = "2021"',
            "publish = false",
        ]
        if re.fullmatch(r"\d+\.\d+", rust_version):
            lines.append(f'rust-version = "{rust_version}"')
        lines += ["", "[dependencies]", *(spec.manifest_line() for spec in self.specs)]
        # The profile candidates are compiled in: opt-level 0, no debuginfo.
        lines += ["", "[profile.dev]", "opt-level = 0", "debug = 0", "incremental = false", ""]
        return "\n".join(lines)

    def _check_debian_sources(self) -> None:
        if not DEBIAN_REGISTRY.is_dir():
            raise CrateSetError(
                f"{DEBIAN_REGISTRY} does not exist (install: apt-get install -y "
                f"{' '.join(DEBIAN_PACKAGES)})"
            )
        present = {entry.name.rsplit("-", 1)[0].replace("-", "_")
                   for entry in DEBIAN_REGISTRY.iterdir()}
        missing = [spec.name for spec in self.specs if spec.name not in present]
        if missing:
            packages = " ".join(f"librust-{name.replace('_', '-')}-dev" for name in missing)
            raise CrateSetError(
                f"{DEBIAN_REGISTRY} lacks {', '.join(missing)} (install: apt-get install -y "
                f"{packages})"
            )

    def _direct_artifacts(
        self, build_json: str, metadata_json: str
    ) -> tuple[dict[str, Path], dict[str, str]]:
        """Library file and version of each allowed crate (and companion), from cargo's JSON."""
        try:
            metadata = json.loads(metadata_json)
        except json.JSONDecodeError as error:
            raise CrateSetError(f"cargo metadata printed no JSON: {error}") from None
        packages = {p["id"]: p for p in metadata.get("packages", [])}
        nodes = {n["id"]: n for n in (metadata.get("resolve") or {}).get("nodes", [])}
        root_id = (metadata.get("resolve") or {}).get("root")
        if root_id not in nodes:
            raise CrateSetError("cargo metadata has no resolved root package")
        wanted: dict[str, str] = {}  # crate name -> package id
        for dep in nodes[root_id].get("deps", []):
            wanted[str(dep["name"])] = str(dep["pkg"])
        for spec in self.specs:
            if spec.name not in wanted:
                raise CrateSetError(f"cargo did not resolve {spec.name}")
            for companion in spec.companions:
                for dep in nodes.get(wanted[spec.name], {}).get("deps", []):
                    if dep["name"] == companion:
                        wanted[companion] = str(dep["pkg"])
        files: dict[str, Path] = {}
        for line in build_json.splitlines():
            try:
                message = json.loads(line)
            except json.JSONDecodeError:
                continue
            if not isinstance(message, dict) or message.get("reason") != "compiler-artifact":
                continue
            kinds = set(message.get("target", {}).get("kind", []))
            if not kinds & {"lib", "rlib", "proc-macro"}:
                continue
            for name, package_id in wanted.items():
                if message.get("package_id") != package_id:
                    continue
                for filename in message.get("filenames", []):
                    if filename.endswith((".rlib", ".so", ".dylib")):
                        files[name] = Path(filename)
        missing = sorted(set(wanted) - set(files))
        if missing:
            raise CrateSetError(f"cargo built no library for {', '.join(missing)}")
        versions = {name: str(packages[pid]["version"]) for name, pid in wanted.items()
                    if pid in packages}
        return files, versions

    def _install(
        self,
        scratch: Path,
        project: Path,
        target: Path,
        source: str,
        externs: dict[str, Path],
        versions: dict[str, str],
        lock_text: str,
    ) -> CrateSet:
        """Copy the libraries into a fresh folder and move it into place in one rename."""
        staging = scratch / "crate-set"
        deps = staging / "deps"
        deps.mkdir(parents=True)
        for library in sorted((target / "debug" / "deps").iterdir()):
            if library.suffix in {".rlib", ".so", ".dylib"}:
                shutil.copy2(library, deps / library.name)
        shutil.copy2(project / "Cargo.toml", staging / "Cargo.toml")
        (staging / "Cargo.lock").write_text(lock_text)
        manifest = {
            "format": _MANIFEST_FORMAT,
            "specs": [[s.name, list(s.features)] for s in self.specs],
            "source": source,
            "rustc_version": self.toolchain.rustc_version,
            "lock_sha256": hashlib.sha256(lock_text.encode()).hexdigest(),
            "externs": {name: path.name for name, path in sorted(externs.items())},
            "versions": dict(sorted(versions.items())),
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        (staging / _MANIFEST_NAME).write_text(json.dumps(manifest, indent=2, sort_keys=True))
        _make_world_readable(staging)
        if self.directory.exists():  # a stale, incomplete folder (no manifest) from a crash
            shutil.rmtree(self.directory)
        staging.rename(self.directory)
        crate_set = _read_manifest(self.directory, self.specs)
        if crate_set is None:
            raise CrateSetError(f"the installed crate set at {self.directory} does not load")
        return crate_set


def _read_manifest(directory: Path, specs: tuple[CrateSpec, ...]) -> CrateSet | None:
    path = directory / _MANIFEST_NAME
    try:
        manifest = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return None
    if not isinstance(manifest, dict) or manifest.get("format") != _MANIFEST_FORMAT:
        return None
    deps = directory / "deps"
    externs = tuple(
        (str(name), deps / str(filename))
        for name, filename in sorted(dict(manifest.get("externs", {})).items())
    )
    if not externs or not all(path.is_file() for _, path in externs):
        return None
    fingerprint = hashlib.sha256(
        "\n".join(
            [str(manifest.get("specs")), str(manifest.get("source")),
             str(manifest.get("rustc_version")), str(manifest.get("lock_sha256"))]
        ).encode()
    ).hexdigest()[:16]
    return CrateSet(
        specs=specs,
        fingerprint=fingerprint,
        source=str(manifest.get("source")),
        deps_dir=deps,
        externs=externs,
        versions=tuple(sorted((str(k), str(v)) for k, v in manifest.get("versions", {}).items())),
    )


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """An exclusive `flock` on `path`: one builder per crate set across processes."""
    with open(path, "a+") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _find_cargo(toolchain: Toolchain) -> str:
    """The cargo next to the verifier's rustc (the same release), else cargo on PATH."""
    beside = toolchain.rustc.parent / "cargo"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which("cargo")
    if found is None:
        raise CrateSetError("cargo not found (it builds the crate set once): install Rust's cargo")
    return found


def _cargo_env(toolchain: Toolchain) -> dict[str, str]:
    """The caller's environment, minus what would change the build, with our rustc."""
    env = {k: v for k, v in os.environ.items() if k not in _CARGO_ENV_DROPPED}
    env["RUSTC"] = str(toolchain.rustc)
    env["CARGO_TERM_COLOR"] = "never"
    # Newest versions whose rust-version the toolchain meets (cargo >= 1.84; ignored before).
    env["CARGO_RESOLVER_INCOMPATIBLE_RUST_VERSIONS"] = "fallback"
    return env


def _debian_cargo_home(home: Path) -> Path:
    """A private CARGO_HOME whose config points the default registry at Debian's sources."""
    home.mkdir(parents=True)
    (home / "config.toml").write_text(
        "# Only for building the crate set from Debian's librust-*-dev packages.\n"
        "[source.crates-io]\n"
        'replace-with = "debian"\n\n'
        "[source.debian]\n"
        f'directory = "{DEBIAN_REGISTRY}"\n\n'
        "[net]\n"
        "offline = true\n"
    )
    return home


def _cargo(
    cargo: str, args: list[str], project: Path, env: dict[str, str], timeout_s: float
) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            [cargo, *args],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout_s,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise CrateSetError(f"cargo {args[0]} took longer than {timeout_s:g} s") from None
    except OSError as error:
        raise CrateSetError(f"cannot run {cargo}: {error}") from None


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else "no output"


def _cargo_error(result: subprocess.CompletedProcess[str]) -> str:
    """The first compiler error in cargo's JSON output, else cargo's last stderr line."""
    for line in result.stdout.splitlines():
        try:
            message = json.loads(line)
        except json.JSONDecodeError:
            continue
        inner = message.get("message") if isinstance(message, dict) else None
        if isinstance(inner, dict) and inner.get("level") == "error":
            return str(inner.get("message", ""))[:300]
    return _last_line(result.stderr)


def _make_world_readable(tree: Path) -> None:
    """Sandboxed rustc runs as another uid: it must read every library and traverse folders."""
    for directory, _, files in os.walk(tree):
        os.chmod(directory, 0o755)
        for name in files:
            mode = 0o755 if name.endswith((".so", ".dylib")) else 0o644
            os.chmod(os.path.join(directory, name), mode)
