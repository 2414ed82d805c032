"""Black-box tests of struct_record_hexdump.py: byte layout, endianness, CRC and exit codes."""

import subprocess
import zlib
from pathlib import Path

SCRIPT = Path(__file__).with_name("struct_record_hexdump.py")


def run_dump(stdin_text: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the packer on `stdin_text` and capture its output as text."""
    return subprocess.run(
        ["python3", str(SCRIPT), *args],
        input=stdin_text,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_little_endian_layout_and_crc() -> None:
    result = run_dump("1 21.5 45\n")
    expected_blob = bytes.fromhex("53454e5301010001 00d7002d".replace(" ", ""))
    lines = result.stdout.splitlines()
    assert result.returncode == 0
    assert lines[0] == f"1 record(s), 12 bytes, little-endian, crc32 {zlib.crc32(expected_blob):08x}"
    assert lines[1].startswith("00000000  53 45 4e 53 01 01 00 01  00 d7 00 2d")
    assert lines[1].endswith("|SENS.......-|")


def test_big_endian_swaps_multibyte_fields() -> None:
    result = run_dump("1 21.5 45\n", "--big")
    assert result.returncode == 0
    assert "00000000  53 45 4e 53 01 00 01 00  01 00 d7 2d" in result.stdout


def test_decoded_values_round_trip() -> None:
    result = run_dump("65535 -3276.8 255\n", "--big")
    assert result.stdout.splitlines()[-1] == "  sensor 65535  -3276.8 C  255%"


def test_value_too_large_for_byte_exits_3() -> None:
    result = run_dump("1 20 256\n")
    assert result.returncode == 3
    assert result.stdout == "error: record 1 (1, 200, 256) does not fit fields HhB\n"


def test_malformed_line_exits_2() -> None:
    result = run_dump("1 20.25 5\n")
    assert result.returncode == 2
    assert result.stdout.startswith("error: line 1:")
