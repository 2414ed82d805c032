"""Black-box tests of config_validator.py: normalised output and one exit code per error kind."""

import subprocess
from pathlib import Path

SCRIPT = Path(__file__).with_name("config_validator.py")


def run_validator(stdin_text: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the validator on `stdin_text` and capture its output as text."""
    return subprocess.run(
        ["python3", str(SCRIPT), *args],
        input=stdin_text,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_valid_config_is_normalised_with_defaults() -> None:
    result = run_validator("host=db01\nport=5432\nmode=DEV\n")
    assert result.returncode == 0
    assert result.stdout.splitlines() == [
        "host = db01",
        "port = 5432",
        "workers = 4",
        "mode = dev",
        "timeout_s = 30.0",
        "config OK",
    ]


def test_missing_required_key_exits_3() -> None:
    result = run_validator("host=a\nport=80\n")
    assert result.returncode == 3
    assert result.stdout == "error: missing required key 'mode'\n"


def test_port_bounds_are_inclusive() -> None:
    upper = run_validator("host=a\nport=65535\nmode=prod\n")
    above = run_validator("host=a\nport=65536\nmode=prod\n")
    assert upper.returncode == 0
    assert above.returncode == 4
    assert "outside 1..65535" in above.stdout


def test_unknown_keys_warn_unless_strict() -> None:
    text = "host=a\nport=1\nmode=dev\nzeta=1\nalpha=2\n"
    relaxed = run_validator(text)
    strict = run_validator(text, "--strict")
    assert relaxed.returncode == 0
    assert relaxed.stdout.startswith(
        "warning: ignoring unknown key 'alpha'\nwarning: ignoring unknown key 'zeta'\n"
    )
    assert strict.returncode == 5
    assert strict.stdout == "error: unknown keys: alpha, zeta\n"


def test_malformed_line_reports_its_number_and_exits_2() -> None:
    result = run_validator("host=a\n\nport 80\n")
    assert result.returncode == 2
    assert result.stdout == "error: line 3: expected key=value, got 'port 80'\n"
