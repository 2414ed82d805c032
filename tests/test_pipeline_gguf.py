"""GGUF and safetensors structure checks: real files parse, broken files give clear errors."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from single_shot_eval.modelprep.gguf import (
    FILE_TYPE_NAMES,
    GGML_TYPES,
    ModelFileError,
    read_gguf_header,
    read_safetensors_header,
    sniff_format,
)
from single_shot_eval.modelprep.validate import check_structure, validate_model_files
from single_shot_eval.models.llama_cpp import smollm2_gguf_path
from tests.test_pipeline_fixtures import gguf_bytes, safetensors_bytes

REPO = Path(__file__).resolve().parents[1]


def test_the_shipped_smollm2_header() -> None:
    header = read_gguf_header(smollm2_gguf_path())
    assert header.version == 3
    assert header.architecture == "llama"
    assert header.file_type_name == "Q4_1"
    assert header.tensor_count == len(header.tensors) == 272
    assert header.metadata_count == 33
    assert "tokenizer.ggml.tokens" in header.metadata
    assert header.metadata["tokenizer.ggml.tokens"].length == 49152
    # the last tensor's data ends exactly at the end of the file
    last = max(header.tensors, key=lambda t: t.offset_bytes)
    assert last.size_bytes is not None
    assert header.data_offset_bytes + last.offset_bytes + last.size_bytes == header.file_size_bytes


def test_type_tables_agree_with_llama_cpp() -> None:
    import llama_cpp

    ftypes = {
        int(getattr(llama_cpp, a)): a.split("_", 3)[-1]
        for a in dir(llama_cpp)
        if a.startswith(("LLAMA_FTYPE_MOSTLY_", "LLAMA_FTYPE_ALL_"))
    }
    assert ftypes  # the binding exposes its enum
    for value, name in ftypes.items():
        assert FILE_TYPE_NAMES[value] == name
    ggml = {
        int(getattr(llama_cpp, a)): a.removeprefix("GGML_TYPE_")
        for a in dir(llama_cpp)
        if a.startswith("GGML_TYPE_") and a != "GGML_TYPE_COUNT"
    }
    checked = [v for v in ggml if v in GGML_TYPES]
    assert len(checked) >= 25
    for value in checked:
        assert GGML_TYPES[value][0] == ggml[value]


def test_synthetic_gguf_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "tiny.gguf"
    path.write_bytes(
        gguf_bytes(metadata={"general.name": "tiny", "vocab": ["a", "b", "c"]},
                   tensors=[("a", (32, 2)), ("b", (64,))])
    )
    header = read_gguf_header(path)
    assert header.name == "tiny"
    assert header.file_type_name == "F32"
    assert [t.name for t in header.tensors] == ["a", "b"]
    assert header.tensors[1].shape == (64,)
    assert header.metadata["vocab"].items == ("a", "b", "c")
    assert check_structure(path).summary["tensor_count"] == 2


def _corrupt_variants(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    good = gguf_bytes()
    variants: dict[str, tuple[bytes, str]] = {
        "empty": (b"", "only 0 bytes"),
        "pickle": (b"\x80\x04\x95" + b"\0" * 40, "Python pickle"),
        "zip": (b"PK\x03\x04" + b"\0" * 40, "zip archive"),
        "html": (b"<!DOCTYPE html><html>Not found</html>", "HTML page"),
        "lfs_pointer": (b"version https://git-lfs.github.com/spec/v1\noid sha256:", "git LFS"),
        "bad_version": (good[:4] + struct.pack("<I", 99) + good[8:], "unsupported GGUF version 99"),
        "huge_counts": (good[:8] + struct.pack("<Q", 2**40) + good[16:], "cannot fit"),
        "header_cut": (good[:60], "truncated GGUF file: length of value of general.architecture"),
        "data_cut": (good[:-64], "truncated GGUF file: tensor 'weight'"),
        "huge_key": (good[:24] + struct.pack("<Q", 2**50) + good[32:], "claims"),
        "bad_value_type": (_with_value_type(good, 77), "unknown value type 77"),
    }
    out = {}
    for name, (content, expected) in variants.items():
        path = tmp_path / f"{name}.gguf"
        path.write_bytes(content)
        out[name] = (path, expected)
    return out


def _with_value_type(good: bytes, value_type: int) -> bytes:
    # first key: 8-byte length + "general.architecture" (20 bytes) starting at offset 24
    at = 24 + 8 + len("general.architecture")
    return good[:at] + struct.pack("<I", value_type) + good[at + 4 :]


def test_corrupt_truncated_and_foreign_files_give_clear_errors(tmp_path: Path) -> None:
    for name, (path, expected) in _corrupt_variants(tmp_path).items():
        with pytest.raises(ModelFileError) as info:
            read_gguf_header(path)
        message = str(info.value)
        assert str(path) in message, name
        assert expected in message, (name, message)


def test_truncated_real_model_is_caught_before_llama_cpp(tmp_path: Path) -> None:
    source = smollm2_gguf_path().read_bytes()
    cut = tmp_path / "cut.gguf"
    cut.write_bytes(source[: len(source) // 2])
    with pytest.raises(ModelFileError, match=r"truncated GGUF file: tensor '.*' data ends at byte"):
        read_gguf_header(cut)


def test_broken_files_never_crash_the_process(tmp_path: Path) -> None:
    """Through convert and validate (which reach llama.cpp), in a separate real process."""
    variants = _corrupt_variants(tmp_path)
    cut = tmp_path / "real_cut.gguf"
    source = smollm2_gguf_path().read_bytes()
    cut.write_bytes(source[: len(source) * 3 // 4])
    paths = [str(p) for p, _ in variants.values()] + [str(cut), str(tmp_path / "missing.gguf")]
    script = textwrap.dedent(
        """
        import json, sys
        from pathlib import Path
        from single_shot_eval.errors import UserError
        from single_shot_eval.modelprep.convert import quantize_gguf
        from single_shot_eval.modelprep.validate import validate_model_files
        report = {}
        for raw in json.loads(sys.argv[1]):
            path = Path(raw)
            messages = []
            for action in (
                lambda: quantize_gguf(path, path.with_name(path.stem + ".q8.gguf"), "Q8_0"),
                lambda: validate_model_files([path]),
            ):
                try:
                    action()
                    messages.append("no error")
                except UserError as exc:
                    messages.append(str(exc))
            report[raw] = messages
        print(json.dumps(report))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script, json.dumps(paths)],
        capture_output=True, text=True, timeout=300,
        env={"PYTHONPATH": str(REPO / "src"), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(report) == set(paths)
    for raw, messages in report.items():
        assert len(messages) == 2
        for message in messages:
            assert message != "no error", raw
            assert raw in message
    assert "does not exist" in report[str(tmp_path / "missing.gguf")][0]
    assert "truncated GGUF file" in report[str(cut)][1]


def test_safetensors_valid_and_sniffed(tmp_path: Path) -> None:
    path = tmp_path / "model.safetensors"
    path.write_bytes(safetensors_bytes())
    header = read_safetensors_header(path)
    assert {t.name for t in header.tensors} == {"embed", "bias"}
    assert header.metadata == {"format": "pt"}
    assert sniff_format(path.read_bytes()[:16]) == "safetensors"
    result = check_structure(path)
    assert result.format == "safetensors"
    assert result.summary["dtypes"] == ["F16", "F32"]


def _safetensors_with(header: dict[str, object], data_bytes: int) -> bytes:
    raw = json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + b"\0" * data_bytes


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"\x01\x02", "only 2 bytes"),
        (struct.pack("<Q", 10**12) + b"{}", "does not fit"),
        (struct.pack("<Q", 4) + b"nope", "invalid JSON in header"),
        (_safetensors_with({"w": {"dtype": "Q9", "shape": [2], "data_offsets": [0, 8]}}, 8),
         "unknown variant `Q9`"),
        (_safetensors_with({"w": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}, 4),
         "integer `-1`, expected usize"),
        (_safetensors_with({"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}, 8),
         "invalid shape, data type, or offset for tensor"),
        (_safetensors_with({"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}, 8),
         "file not fully covered"),
        (_safetensors_with({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                            "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}, 12),
         "invalid offset for tensor `b`"),
        (_safetensors_with({"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}, 8),
         "invalid offset for tensor `a`"),
        (_safetensors_with({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}, 12),
         "file not fully covered"),
    ],
)
def test_safetensors_errors(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "bad.safetensors"
    path.write_bytes(content)
    with pytest.raises(ModelFileError, match=expected):
        read_safetensors_header(path)


def test_validate_rejects_what_is_neither_format(tmp_path: Path) -> None:
    pickle_file = tmp_path / "model.safetensors"
    pickle_file.write_bytes(b"\x80\x05\x95" + b"\0" * 64)
    with pytest.raises(ModelFileError, match=r"neither GGUF nor safetensors: .*Python pickle"):
        validate_model_files([pickle_file])
    folder = tmp_path / "dir.gguf"
    folder.mkdir()
    with pytest.raises(ModelFileError, match="is a directory"):
        validate_model_files([folder])
