"""Black-box tests of bank_account_simulator.py: balances, overdraft rules and rejections."""

import subprocess
from pathlib import Path

SCRIPT = Path(__file__).with_name("bank_account_simulator.py")


def run_bank(commands: str) -> subprocess.CompletedProcess[str]:
    """Feed `commands` to the simulator on stdin and capture its output as text."""
    return subprocess.run(
        ["python3", str(SCRIPT)],
        input=commands,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_statement_lists_checking_before_savings() -> None:
    result = run_bank("open zoe savings 2\nopen amy checking 1.5\nstatement\n")
    assert result.returncode == 0
    assert result.stdout.splitlines() == [
        f"  {'amy':<10} {'checking':<8} {'1.50':>10}  (0 tx)",
        f"  {'zoe':<10} {'savings':<8} {'2.00':>10}  (0 tx)",
        "  total: 3.50",
        "0 command(s) rejected",
    ]


def test_checking_overdraft_stops_at_one_hundred() -> None:
    result = run_bank("open eve checking 0\nwithdraw eve 100\nwithdraw eve 0.01\n")
    assert result.stdout.splitlines() == [
        "line 3: rejected: eve: insufficient funds (0.00 available)",
        "1 command(s) rejected",
    ]


def test_savings_cannot_go_negative() -> None:
    result = run_bank("open sam savings 10\nwithdraw sam 10.01\nstatement\n")
    lines = result.stdout.splitlines()
    assert lines[0] == "line 2: rejected: sam: insufficient funds (10.00 available)"
    assert f"  {'sam':<10} {'savings':<8} {'10.00':>10}  (0 tx)" in lines


def test_interest_is_floored_to_whole_cents() -> None:
    result = run_bank("open s savings 33.33\ninterest 3.33\n")
    assert result.stdout.splitlines()[0] == "interest s: +1.10"


def test_unknown_account_and_bad_amounts_are_counted() -> None:
    result = run_bank("deposit ghost 5\nopen a savings 1.234\nopen b loan 5\n")
    assert result.returncode == 0
    assert result.stdout.splitlines() == [
        "line 1: rejected: no account named 'ghost'",
        "line 2: rejected: invalid amount '1.234'",
        "line 3: rejected: cannot parse 'open b loan 5'",
        "3 command(s) rejected",
    ]
