"""Read and check the structure of GGUF and safetensors files without loading any weights.

llama.cpp aborts the whole process on some malformed inputs, and a file fetched from the
internet may be truncated, an HTML error page or a pickle archive under a misleading name. Every
check here reads the header with explicit bounds, so a bad file becomes a `ModelFileError` that
names the file, the byte offset and what is wrong, never a crash or a huge allocation.

GGUF layout (little-endian): magic `GGUF`, uint32 version, counts (uint64 since version 2) of
tensors and metadata pairs, the metadata pairs, one info record per tensor, padding to
`general.alignment`, then the tensor data. Safetensors headers are checked by the `safetensors`
library itself.

The GGUF reader is our own rather than the `gguf` package's `GGUFReader`, which parses every
vocabulary string into a numpy view (25x slower on the shipped 135M model: about 5 s instead of
0.2 s) and has no bounds checks, so a truncated file fails inside numpy (`cannot reshape array
of size 48 into shape (2,32)`) instead of with the tensor and byte offset named here.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import safetensors

from single_shot_eval.errors import UserError

GGUF_MAGIC = b"GGUF"
SUPPORTED_GGUF_VERSIONS = (1, 2, 3)
GGML_MAX_DIMS = 4
DEFAULT_ALIGNMENT_BYTES = 32
# Guards against absurd counts in a corrupt header before any allocation happens.
MAX_GGUF_STRING_BYTES = 64 * 1024 * 1024
MAX_SAFETENSORS_HEADER_BYTES = 100 * 1024 * 1024
# Arrays longer than this keep only their length in the parsed metadata (vocabularies, merges).
KEPT_ARRAY_ITEMS = 16


class ModelFileError(UserError):
    """A model file is not the format it claims, or its structure is broken."""

    def __init__(self, path: Path | str, message: str) -> None:
        self.path = Path(path)
        super().__init__(f"{path}: {message}")


# llama.h `enum llama_ftype`: the value of the `general.file_type` metadata key.
FILE_TYPE_NAMES: dict[int, str] = {
    0: "F32",
    1: "F16",
    2: "Q4_0",
    3: "Q4_1",
    7: "Q8_0",
    8: "Q5_0",
    9: "Q5_1",
    10: "Q2_K",
    11: "Q3_K_S",
    12: "Q3_K_M",
    13: "Q3_K_L",
    14: "Q4_K_S",
    15: "Q4_K_M",
    16: "Q5_K_S",
    17: "Q5_K_M",
    18: "Q6_K",
    19: "IQ2_XXS",
    20: "IQ2_XS",
    21: "Q2_K_S",
    22: "IQ3_XS",
    23: "IQ3_XXS",
    24: "IQ1_S",
    25: "IQ4_NL",
    26: "IQ3_S",
    27: "IQ3_M",
    28: "IQ2_S",
    29: "IQ2_M",
    30: "IQ4_XS",
    31: "IQ1_M",
    32: "BF16",
    36: "TQ1_0",
    37: "TQ2_0",
    38: "MXFP4_MOE",
    39: "NVFP4",
    40: "Q1_0",
    41: "Q2_0",
}

# ggml.h `enum ggml_type` -> (name, elements per block, bytes per block).
GGML_TYPES: dict[int, tuple[str, int, int]] = {
    0: ("F32", 1, 4),
    1: ("F16", 1, 2),
    2: ("Q4_0", 32, 18),
    3: ("Q4_1", 32, 20),
    6: ("Q5_0", 32, 22),
    7: ("Q5_1", 32, 24),
    8: ("Q8_0", 32, 34),
    9: ("Q8_1", 32, 36),
    10: ("Q2_K", 256, 84),
    11: ("Q3_K", 256, 110),
    12: ("Q4_K", 256, 144),
    13: ("Q5_K", 256, 176),
    14: ("Q6_K", 256, 210),
    15: ("Q8_K", 256, 292),
    16: ("IQ2_XXS", 256, 66),
    17: ("IQ2_XS", 256, 74),
    18: ("IQ3_XXS", 256, 98),
    19: ("IQ1_S", 256, 50),
    20: ("IQ4_NL", 32, 18),
    21: ("IQ3_S", 256, 110),
    22: ("IQ2_S", 256, 82),
    23: ("IQ4_XS", 256, 136),
    24: ("I8", 1, 1),
    25: ("I16", 1, 2),
    26: ("I32", 1, 4),
    27: ("I64", 1, 8),
    28: ("F64", 1, 8),
    29: ("IQ1_M", 256, 56),
    30: ("BF16", 1, 2),
    34: ("TQ1_0", 256, 54),
    35: ("TQ2_0", 256, 66),
    39: ("MXFP4", 32, 17),
}

# GGUF metadata value types: id -> (name, struct format or None for variable-size types).
_VALUE_TYPES: dict[int, tuple[str, str | None]] = {
    0: ("uint8", "<B"),
    1: ("int8", "<b"),
    2: ("uint16", "<H"),
    3: ("int16", "<h"),
    4: ("uint32", "<I"),
    5: ("int32", "<i"),
    6: ("float32", "<f"),
    7: ("bool", "<?"),
    8: ("string", None),
    9: ("array", None),
    10: ("uint64", "<Q"),
    11: ("int64", "<q"),
    12: ("float64", "<d"),
}
_STRING_TYPE = 8
_ARRAY_TYPE = 9


@dataclass(frozen=True)
class ArraySummary:
    """A metadata array: its element type, length and (for short arrays) the items."""

    item_type: str
    length: int
    items: tuple[Any, ...] = ()


@dataclass(frozen=True)
class GGUFTensorInfo:
    """One tensor record: name, shape, ggml type and where its data starts (from data start)."""

    name: str
    shape: tuple[int, ...]
    ggml_type: int
    offset_bytes: int

    @property
    def type_name(self) -> str:
        known = GGML_TYPES.get(self.ggml_type)
        return known[0] if known else f"type{self.ggml_type}"

    @property
    def element_count(self) -> int:
        return math.prod(self.shape)

    @property
    def size_bytes(self) -> int | None:
        """Bytes of data, or None for a ggml type this module does not know."""
        known = GGML_TYPES.get(self.ggml_type)
        if known is None:
            return None
        _, block_elements, block_bytes = known
        return self.element_count // block_elements * block_bytes


@dataclass(frozen=True)
class GGUFHeader:
    """Everything before the tensor data of a GGUF file, and the file size it was checked with."""

    path: Path
    version: int
    tensor_count: int
    metadata: dict[str, Any]
    tensors: tuple[GGUFTensorInfo, ...]
    data_offset_bytes: int
    file_size_bytes: int

    @property
    def metadata_count(self) -> int:
        return len(self.metadata)

    @property
    def architecture(self) -> str | None:
        value = self.metadata.get("general.architecture")
        return value if isinstance(value, str) else None

    @property
    def file_type(self) -> int | None:
        value = self.metadata.get("general.file_type")
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    @property
    def file_type_name(self) -> str | None:
        """The quantization type name (Q4_1, Q8_0, ...) from `general.file_type`."""
        if self.file_type is None:
            return None
        return FILE_TYPE_NAMES.get(self.file_type, f"file_type {self.file_type}")

    @property
    def name(self) -> str | None:
        value = self.metadata.get("general.name")
        return value if isinstance(value, str) else None

    def summary(self) -> dict[str, Any]:
        """The figures a user checks: version, counts, architecture, type, size."""
        return {
            "format": "gguf",
            "version": self.version,
            "tensor_count": self.tensor_count,
            "metadata_count": self.metadata_count,
            "architecture": self.architecture,
            "name": self.name,
            "file_type": self.file_type_name,
            "file_size_bytes": self.file_size_bytes,
        }


class _Reader:
    """Bounded little-endian reads over a file: any read past the end is a truncation error."""

    def __init__(self, path: Path, handle: IO[bytes], size: int) -> None:
        self.path = path
        self.handle = handle
        self.size = size
        self.offset = 0

    def read(self, n: int, what: str) -> bytes:
        if n < 0 or self.offset + n > self.size:
            raise ModelFileError(
                self.path,
                f"truncated GGUF file: {what} needs bytes {self.offset}..{self.offset + n} "
                f"but the file has {self.size} bytes",
            )
        data = self.handle.read(n)
        if len(data) != n:
            raise ModelFileError(self.path, f"truncated GGUF file while reading {what}")
        self.offset += n
        return data

    def unpack(self, fmt: str, what: str) -> Any:
        return struct.unpack(fmt, self.read(struct.calcsize(fmt), what))[0]

    def skip(self, n: int, what: str) -> None:
        if n < 0 or self.offset + n > self.size:
            raise ModelFileError(
                self.path,
                f"truncated GGUF file: {what} needs bytes {self.offset}..{self.offset + n} "
                f"but the file has {self.size} bytes",
            )
        self.handle.seek(n, 1)
        self.offset += n

    def count(self, version: int, what: str) -> int:
        return int(self.unpack("<I" if version == 1 else "<Q", what))

    def string(self, version: int, what: str, *, keep: bool = True) -> str:
        length = self.count(version, f"length of {what}")
        if length > MAX_GGUF_STRING_BYTES:
            raise ModelFileError(
                self.path,
                f"corrupt GGUF file: {what} claims {length} bytes at offset {self.offset}",
            )
        if not keep:
            self.skip(length, what)
            return ""
        raw = self.read(length, what)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ModelFileError(
                self.path, f"corrupt GGUF file: {what} is not valid UTF-8"
            ) from None


def sniff_format(head: bytes) -> str:
    """Name the format the first bytes of a file suggest: gguf, safetensors, pickle, ..."""
    if head.startswith(GGUF_MAGIC):
        return "gguf"
    if head.startswith(b"PK\x03\x04"):
        return "zip archive (PyTorch pickle checkpoint?)"
    if head[:1] == b"\x80" and head[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        return "Python pickle"
    if head.startswith(b"version https://git-lfs"):
        return "git LFS pointer (the real file was never fetched)"
    stripped = head.lstrip().lower()
    if stripped.startswith((b"<!doctype", b"<html")):
        return "HTML page (an error page saved as a model?)"
    if len(head) >= 9:
        header_len = struct.unpack("<Q", head[:8])[0]
        if 2 <= header_len <= MAX_SAFETENSORS_HEADER_BYTES and head[8:9] == b"{":
            return "safetensors"
    if stripped.startswith((b"{", b"[")):
        return "JSON text"
    return "unknown"


def read_gguf_header(path: Path | str) -> GGUFHeader:
    """Parse and check a GGUF header; raise `ModelFileError` for anything malformed.

    Checks: magic bytes, a supported version, metadata keys and value types, tensor records
    (name, at most 4 dimensions, known ggml type, aligned offsets) and that every tensor's data
    lies inside the file, which catches truncated downloads.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        handle = path.open("rb")
    except FileNotFoundError:
        raise ModelFileError(path, "file does not exist") from None
    except IsADirectoryError:
        raise ModelFileError(path, "is a directory, not a GGUF file") from None
    except OSError as exc:
        raise ModelFileError(path, f"cannot read file ({exc.strerror})") from None
    with handle:
        head = handle.read(64)
        if not head.startswith(GGUF_MAGIC):
            if len(head) < 4:
                raise ModelFileError(path, f"not a GGUF file: only {size} bytes long")
            kind = sniff_format(head)
            raise ModelFileError(
                path, f"not a GGUF file: starts with {head[:4]!r}, looks like {kind}"
            )
        handle.seek(0)
        reader = _Reader(path, handle, size)
        reader.read(4, "magic")
        version = int(reader.unpack("<I", "version"))
        if version not in SUPPORTED_GGUF_VERSIONS:
            raise ModelFileError(
                path,
                f"unsupported GGUF version {version} (supported: "
                f"{', '.join(map(str, SUPPORTED_GGUF_VERSIONS))}); the header may be corrupt",
            )
        tensor_count = reader.count(version, "tensor count")
        kv_count = reader.count(version, "metadata count")
        # Each metadata pair or tensor record takes at least 12 bytes: a cheap sanity bound.
        if (tensor_count + kv_count) * 12 > size:
            raise ModelFileError(
                path,
                f"truncated or corrupt GGUF file: {tensor_count} tensors and {kv_count} metadata "
                f"pairs cannot fit in {size} bytes",
            )
        metadata: dict[str, Any] = {}
        for index in range(kv_count):
            key = reader.string(version, f"metadata key #{index}")
            if not key:
                raise ModelFileError(path, f"corrupt GGUF header: metadata key #{index} is empty")
            if key in metadata:
                raise ModelFileError(path, f"corrupt GGUF header: metadata key {key!r} repeats")
            value_type = int(reader.unpack("<I", f"type of {key}"))
            metadata[key] = _read_value(reader, version, value_type, key)
        tensors = tuple(_read_tensor_info(reader, version, i) for i in range(tensor_count))
        alignment = metadata.get("general.alignment", DEFAULT_ALIGNMENT_BYTES)
        if not isinstance(alignment, int) or alignment <= 0 or alignment & (alignment - 1):
            raise ModelFileError(
                path, f"corrupt GGUF header: general.alignment {alignment!r} is not a power of 2"
            )
        data_offset = -(-reader.offset // alignment) * alignment
        header = GGUFHeader(
            path=path,
            version=version,
            tensor_count=tensor_count,
            metadata=metadata,
            tensors=tensors,
            data_offset_bytes=data_offset,
            file_size_bytes=size,
        )
    _check_tensor_data(header, alignment)
    return header


def _read_value(reader: _Reader, version: int, value_type: int, key: str) -> Any:
    known = _VALUE_TYPES.get(value_type)
    if known is None:
        raise ModelFileError(
            reader.path,
            f"corrupt GGUF header: metadata {key!r} has unknown value type {value_type}",
        )
    fmt = known[1]
    if fmt is not None:
        return reader.unpack(fmt, f"value of {key}")
    if value_type == _STRING_TYPE:
        return reader.string(version, f"value of {key}")
    item_type = int(reader.unpack("<I", f"item type of {key}"))
    length = reader.count(version, f"length of {key}")
    item = _VALUE_TYPES.get(item_type)
    if item is None or item_type == _ARRAY_TYPE:
        raise ModelFileError(
            reader.path, f"corrupt GGUF header: array {key!r} has invalid item type {item_type}"
        )
    item_name, item_fmt = item
    if item_fmt is not None:
        item_size = struct.calcsize(item_fmt)
        if length * item_size > reader.size - reader.offset:
            raise ModelFileError(
                reader.path,
                f"truncated GGUF file: array {key!r} claims {length} items of {item_size} bytes "
                f"at offset {reader.offset} but the file has {reader.size} bytes",
            )
        kept = min(length, KEPT_ARRAY_ITEMS)
        items = tuple(reader.unpack(item_fmt, f"item of {key}") for _ in range(kept))
        reader.skip((length - kept) * item_size, f"items of {key}")
        return ArraySummary(item_name, length, items)
    if length * 8 > reader.size - reader.offset:
        raise ModelFileError(
            reader.path, f"truncated GGUF file: string array {key!r} claims {length} items"
        )
    strings = tuple(
        reader.string(version, f"item {i} of {key}", keep=i < KEPT_ARRAY_ITEMS)
        for i in range(length)
    )
    return ArraySummary(item_name, length, strings[:KEPT_ARRAY_ITEMS])


def _read_tensor_info(reader: _Reader, version: int, index: int) -> GGUFTensorInfo:
    name = reader.string(version, f"name of tensor #{index}")
    n_dims = int(reader.unpack("<I", f"dimension count of tensor {name!r}"))
    if not 1 <= n_dims <= GGML_MAX_DIMS:
        raise ModelFileError(
            reader.path, f"corrupt GGUF header: tensor {name!r} has {n_dims} dimensions (1..4)"
        )
    shape = tuple(reader.count(version, f"shape of tensor {name!r}") for _ in range(n_dims))
    if any(d <= 0 for d in shape):
        raise ModelFileError(
            reader.path, f"corrupt GGUF header: tensor {name!r} has shape {list(shape)}"
        )
    ggml_type = int(reader.unpack("<I", f"type of tensor {name!r}"))
    offset = int(reader.unpack("<Q", f"offset of tensor {name!r}"))
    return GGUFTensorInfo(name, shape, ggml_type, offset)


def _check_tensor_data(header: GGUFHeader, alignment: int) -> None:
    """Every tensor's data must be aligned and end inside the file."""
    path = header.path
    data_size = header.file_size_bytes - header.data_offset_bytes
    for tensor in header.tensors:
        if tensor.offset_bytes % alignment:
            raise ModelFileError(
                path,
                f"corrupt GGUF header: tensor {tensor.name!r} data offset {tensor.offset_bytes} "
                f"is not a multiple of the alignment {alignment}",
            )
        known = GGML_TYPES.get(tensor.ggml_type)
        if known is None:
            continue  # a newer ggml type: its size is unknown here, llama.cpp checks it
        block_elements = known[1]
        if tensor.shape[0] % block_elements:
            raise ModelFileError(
                path,
                f"corrupt GGUF header: tensor {tensor.name!r} row of {tensor.shape[0]} elements "
                f"is not a whole number of {tensor.type_name} blocks ({block_elements})",
            )
        end = tensor.offset_bytes + (tensor.size_bytes or 0)
        if end > data_size:
            raise ModelFileError(
                path,
                f"truncated GGUF file: tensor {tensor.name!r} data ends at byte "
                f"{header.data_offset_bytes + end} but the file has {header.file_size_bytes} bytes",
            )


# --- safetensors ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SafetensorsTensorInfo:
    """One tensor entry of a safetensors header."""

    name: str
    dtype: str
    shape: tuple[int, ...]


@dataclass(frozen=True)
class SafetensorsHeader:
    """A checked safetensors header."""

    path: Path
    header_size_bytes: int
    tensors: tuple[SafetensorsTensorInfo, ...]
    metadata: dict[str, str] = field(default_factory=dict)
    file_size_bytes: int = 0

    def summary(self) -> dict[str, Any]:
        dtypes = sorted({t.dtype for t in self.tensors})
        return {
            "format": "safetensors",
            "tensor_count": len(self.tensors),
            "dtypes": dtypes,
            "header_size_bytes": self.header_size_bytes,
            "file_size_bytes": self.file_size_bytes,
        }


def read_safetensors_header(path: Path | str) -> SafetensorsHeader:
    """Parse and check a safetensors header; raise `ModelFileError` for anything malformed.

    The `safetensors` library does the checking (a JSON header of known dtypes whose shapes
    match their `data_offsets`, tensors that tile the data buffer exactly) without loading any
    tensor. Before it, the 8-byte header length is compared with the file size, so that an
    HTML page or a pickle saved under a `.safetensors` name is named as what it is.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            prefix = handle.read(8)
            if len(prefix) < 8:
                raise ModelFileError(path, f"not a safetensors file: only {size} bytes long")
            header_size = struct.unpack("<Q", prefix)[0]
            if header_size > MAX_SAFETENSORS_HEADER_BYTES or 8 + header_size > size:
                kind = sniff_format(prefix + handle.read(56))
                raise ModelFileError(
                    path,
                    f"not a valid safetensors file: header length {header_size} does not fit in "
                    f"{size} bytes (the file looks like {kind})",
                )
    except FileNotFoundError:
        raise ModelFileError(path, "file does not exist") from None
    except IsADirectoryError:
        raise ModelFileError(path, "is a directory, not a safetensors file") from None
    except OSError as exc:
        raise ModelFileError(path, f"cannot read file ({exc.strerror})") from None
    try:
        with safetensors.safe_open(str(path), framework="numpy") as opened:
            slices = {name: opened.get_slice(name) for name in opened.keys()}  # noqa: SIM118
            tensors = tuple(
                SafetensorsTensorInfo(name, part.get_dtype(), tuple(part.get_shape()))
                for name, part in slices.items()
            )
            metadata = dict(opened.metadata() or {})
    except safetensors.SafetensorError as exc:
        detail = str(exc).removeprefix("Error while deserializing header: ")
        raise ModelFileError(path, f"corrupt safetensors file: {detail}") from None
    return SafetensorsHeader(path, header_size, tensors, metadata, size)
