"""Quantize a GGUF model to another type with llama.cpp's own quantizer (via llama-cpp-python).

The input header is checked before llama.cpp sees the file (llama.cpp aborts the process on some
malformed files), the output is written to a temporary name and renamed only once its header
checks out: right magic, the same tensor count and architecture, and the requested file type.
"""

from __future__ import annotations

import ctypes
import os
import re
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Any

from single_shot_eval.errors import ModelSpecError, UserError
from single_shot_eval.modelprep.gguf import FILE_TYPE_NAMES, GGUFHeader, read_gguf_header

# File types that hold unquantized weights: converting from them is not a requantization.
UNQUANTIZED_TYPES = frozenset({"F32", "F16", "BF16"})


class ConversionError(UserError):
    """llama.cpp could not quantize the model, or its output failed the header checks."""


@dataclass(frozen=True)
class ConversionResult:
    """What a conversion produced: both headers, the type and how long it took."""

    source: Path
    output: Path
    quant_type: str
    source_header: GGUFHeader
    output_header: GGUFHeader
    requantized: bool
    duration_s: float
    log_tail: str = ""

    @property
    def tensor_types(self) -> dict[str, int]:
        """How many output tensors each ggml type holds. llama.cpp keeps 1-D tensors in F32
        and stores tensors whose rows do not fit a type's block size in a fallback type (for
        SmolLM2, rows of 576 are not a multiple of the 256 of the K-quants), so a "Q2_K" file
        can be mostly Q3_K and Q4_0."""
        counts: dict[str, int] = {}
        for tensor in self.output_header.tensors:
            counts[tensor.type_name] = counts.get(tensor.type_name, 0) + 1
        return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))

    @property
    def size_ratio(self) -> float:
        """Output size over input size."""
        return self.output_header.file_size_bytes / max(1, self.source_header.file_size_bytes)

    def summary(self) -> dict[str, Any]:
        return {
            "source": str(self.source),
            "output": str(self.output),
            "quant_type": self.quant_type,
            "source_type": self.source_header.file_type_name,
            "requantized": self.requantized,
            "source_size_bytes": self.source_header.file_size_bytes,
            "output_size_bytes": self.output_header.file_size_bytes,
            "duration_s": round(self.duration_s, 3),
            "tensor_types": self.tensor_types,
        }


def _llama_cpp() -> Any:
    try:
        import llama_cpp
    except ImportError:
        raise ModelSpecError(
            "converting GGUF models needs llama-cpp-python: pip install 'single-shot-eval[local]'"
        ) from None
    return llama_cpp


def quantization_types() -> dict[str, int]:
    """Type name -> llama.cpp `llama_ftype` value, for every type this llama.cpp build offers."""
    llama_cpp = _llama_cpp()
    types: dict[str, int] = {}
    for attr in dir(llama_cpp):
        for prefix in ("LLAMA_FTYPE_MOSTLY_", "LLAMA_FTYPE_ALL_"):
            if attr.startswith(prefix):
                types[attr.removeprefix(prefix)] = int(getattr(llama_cpp, attr))
    return types


def normalize_quant_type(name: str) -> str:
    """`q4_k_m` -> `Q4_K_M`; raise `ConversionError` listing the choices for an unknown name."""
    wanted = name.strip().upper()
    known = quantization_types()
    if wanted not in known:
        raise ConversionError(
            f"--type: unknown quantization type {name!r} (this llama.cpp offers: "
            f"{', '.join(sorted(known))})"
        )
    return wanted


def default_output_path(source: Path, quant_type: str, out_dir: Path | None = None) -> Path:
    """`model.Q4_1.gguf` + Q8_0 -> `model.Q8_0.gguf` (the type suffix is replaced, not stacked)."""
    stem = source.stem
    for name in sorted(FILE_TYPE_NAMES.values(), key=len, reverse=True):
        match = re.search(rf"[._-]{name}$", stem, flags=re.IGNORECASE)
        if match:
            stem = stem[: match.start()]
            break
    return (out_dir or source.parent) / f"{stem}.{quant_type}.gguf"


def quantize_gguf(
    source: Path,
    output: Path,
    quant_type: str,
    *,
    threads: int | None = None,
    overwrite: bool = False,
) -> ConversionResult:
    """Quantize `source` to `quant_type`, writing `output`; both headers are checked.

    Requantizing an already-quantized file (the SmolLM2 GGUF is Q4_1) sets llama.cpp's
    `allow_requantize`; the error compounds, which is what the quality gate then measures.
    """
    llama_cpp = _llama_cpp()
    quant_type = normalize_quant_type(quant_type)
    source_header = read_gguf_header(source)
    if source.resolve() == output.resolve():
        raise ConversionError(f"{output}: the output would overwrite the input model")
    if output.exists() and not overwrite:
        raise ConversionError(f"{output}: already exists (pass --force to replace it)")
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConversionError(
            f"{output.parent}: cannot create directory ({exc.strerror})"
        ) from None
    source_type = source_header.file_type_name
    requantize = source_type is None or source_type not in UNQUANTIZED_TYPES
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = quantization_types()[quant_type]
    params.allow_requantize = requantize
    params.nthread = threads if threads is not None else max(1, os.cpu_count() or 1)
    partial = output.with_name(f".{output.name}.{os.getpid()}.partial")
    started = time.perf_counter()
    try:
        with _captured_stderr() as log:
            status = llama_cpp.llama_model_quantize(
                str(source).encode(), str(partial).encode(), ctypes.byref(params)
            )
        if status != 0:
            tail = " | ".join(log.text().strip().splitlines()[-3:])
            raise ConversionError(
                f"{source}: llama.cpp failed to quantize to {quant_type} (status {status})"
                + (f": {tail}" if tail else "")
            )
        output_header = read_gguf_header(partial)
        _check_output(source_header, output_header, quant_type)
        os.replace(partial, output)
    finally:
        partial.unlink(missing_ok=True)
    duration = time.perf_counter() - started
    return ConversionResult(
        source=source,
        output=output,
        quant_type=quant_type,
        source_header=source_header,
        output_header=replace(output_header, path=output),
        requantized=requantize,
        duration_s=duration,
        log_tail="\n".join(log.text().strip().splitlines()[-5:]),
    )


class _StderrLog:
    """Text llama.cpp wrote to file descriptor 2 while captured."""

    def __init__(self, handle: IO[bytes]) -> None:
        self._handle = handle
        self._text: str | None = None

    def text(self) -> str:
        if self._text is None:
            self._handle.seek(0)
            self._text = self._handle.read().decode("utf-8", "replace")
        return self._text


@contextmanager
def _captured_stderr() -> Iterator[_StderrLog]:
    """Redirect fd 2 (where llama.cpp's quantizer may print a warning per fallback tensor) to
    a temporary file, so the CLI shows a summary instead of hundreds of lines; errors quote it."""
    sys.stderr.flush()
    with tempfile.TemporaryFile() as handle:
        saved = os.dup(2)
        try:
            os.dup2(handle.fileno(), 2)
            log = _StderrLog(handle)
            yield log
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        log.text()  # read before the file closes


def _check_output(source: GGUFHeader, produced: GGUFHeader, quant_type: str) -> None:
    """The quantized file must describe the same model, in the requested type."""
    problems = []
    if produced.tensor_count != source.tensor_count:
        problems.append(
            f"tensor count {produced.tensor_count} differs from the input's {source.tensor_count}"
        )
    if produced.architecture != source.architecture:
        problems.append(
            f"architecture {produced.architecture!r} differs from the input's "
            f"{source.architecture!r}"
        )
    if produced.file_type_name != quant_type:
        problems.append(f"file type is {produced.file_type_name}, not the requested {quant_type}")
    if problems:
        raise ConversionError(f"{source.path}: quantized output is wrong: {'; '.join(problems)}")
