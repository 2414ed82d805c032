"""Black-box tests of the Caesar cipher CLI: run it and check what it prints."""

import subprocess
from pathlib import Path

SCRIPT = Path(__file__).with_name("caesar_cipher.py")


def run_cipher(args: list[str], stdin: str) -> subprocess.CompletedProcess[str]:
    """Run the script with `args`, feeding `stdin`, and capture its text output."""
    return subprocess.run(
        ["python3", str(SCRIPT), *args], input=stdin, capture_output=True, text=True, timeout=30
    )


def test_encode_uses_shift_three_by_default() -> None:
    result = run_cipher(["encode"], "Hello, World!\n")
    assert result.returncode == 0
    assert result.stdout == "Khoor, Zruog!\n"


def test_encode_wraps_past_z_and_keeps_case() -> None:
    result = run_cipher(["encode", "2"], "yZ 9!")
    assert result.stdout == "aB 9!"


def test_decode_inverts_encode_with_negative_shift() -> None:
    encoded = run_cipher(["encode", "-7"], "Attack at dawn\n").stdout
    decoded = run_cipher(["decode", "-7"], encoded)
    assert encoded != "Attack at dawn\n"
    assert decoded.stdout == "Attack at dawn\n"


def test_crack_lists_every_shift_of_first_line_only() -> None:
    result = run_cipher(["crack"], "Khoor\nignored\n")
    lines = result.stdout.splitlines()
    assert lines[0] == "5 letters to try"
    assert len(lines) == 26
    assert " 3: Hello" in lines


def test_bad_shift_fails_with_status_one() -> None:
    result = run_cipher(["encode", "x"], "abc")
    assert result.returncode == 1
    assert result.stdout == ""


def test_unknown_mode_prints_usage() -> None:
    result = run_cipher(["shuffle"], "abc")
    assert result.returncode == 0
    assert result.stdout.startswith("usage:")
