"""Black-box tests of the word-frequency CLI: feed text on stdin, check the ranking printed."""

import re
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).with_name("word_frequency.py")


def run_counter(args: list[str], text: str) -> subprocess.CompletedProcess[str]:
    """Run the script with `args` and `text` on stdin, capturing its output as text."""
    return subprocess.run(
        ["python3", str(SCRIPT), *args], input=text, capture_output=True, text=True, timeout=30
    )


def ranked_words(stdout: str) -> list[str]:
    """The words of the ranking lines ("  1. word  count  share%  bar"), in order."""
    return re.findall(r"^ *\d+\. (\S+)", stdout, flags=re.MULTILINE)


def test_counts_case_insensitively_and_skips_stop_words() -> None:
    result = run_counter(["5"], "The Cat saw the cat. A CAT!\n")
    assert result.returncode == 0
    assert result.stdout.splitlines()[0] == "7 words, 4 counted, 2 distinct"
    assert ranked_words(result.stdout) == ["cat", "saw"]


def test_ties_are_listed_alphabetically() -> None:
    result = run_counter(["10"], "pear fig apple fig pear apple\n")
    assert ranked_words(result.stdout) == ["apple", "fig", "pear"]


def test_top_n_limits_the_ranking() -> None:
    result = run_counter(["2"], "one two two three three three four four four four\n")
    assert ranked_words(result.stdout) == ["four", "three"]


def test_min_length_drops_short_words() -> None:
    result = run_counter(["10", "4"], "big bigger big biggest bigger\n")
    assert ranked_words(result.stdout) == ["bigger", "biggest"]


def test_empty_input_reports_nothing_to_rank() -> None:
    result = run_counter([], "")
    assert result.stdout == "0 words, 0 counted, 0 distinct\nno words to rank\n"


def test_non_numeric_top_n_fails() -> None:
    result = run_counter(["lots"], "word\n")
    assert result.returncode == 1
