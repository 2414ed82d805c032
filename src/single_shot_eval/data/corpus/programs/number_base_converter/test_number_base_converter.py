"""Black-box tests of the base-converter CLI: run it and check the conversions it prints."""

import subprocess
from pathlib import Path

SCRIPT = Path(__file__).with_name("number_base_converter.py")


def convert(args: list[str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    """Run the converter with `args` (and `stdin`), capturing its text output."""
    return subprocess.run(
        ["python3", str(SCRIPT), *args], input=stdin, capture_output=True, text=True, timeout=30
    )


def test_named_bases_convert_hex_to_binary() -> None:
    result = convert(["hex", "bin", "ff"])
    assert result.returncode == 0
    assert result.stdout == "ff (base 16) = 11111111 (base 2)\n1 of 1 converted\n"


def test_zero_and_negative_numbers() -> None:
    lines = convert(["10", "16", "0", "-255"]).stdout.splitlines()
    assert lines[0] == "0 (base 10) = 0 (base 16)"
    assert lines[1] == "-255 (base 10) = -ff (base 16)"


def test_invalid_digit_is_reported_and_skipped() -> None:
    lines = convert(["2", "10", "102", "11"]).stdout.splitlines()
    assert lines == [
        "102: skipped, '2' is not a base-2 digit",
        "11 (base 2) = 3 (base 10)",
        "1 of 2 converted",
    ]


def test_numbers_are_read_from_stdin_without_arguments() -> None:
    result = convert(["10", "36"], stdin="35 36\n")
    assert result.stdout.splitlines()[:2] == ["35 (base 10) = z (base 36)",
                                              "36 (base 10) = 10 (base 36)"]


def test_base_outside_range_is_refused() -> None:
    result = convert(["10", "37", "5"])
    assert result.returncode == 0
    assert result.stdout == "bases must be between 2 and 36, got 10 and 37\n"


def test_unknown_base_name_fails_with_status_one() -> None:
    result = convert(["sixteen", "10", "5"])
    assert result.returncode == 1
    assert result.stdout == ""
