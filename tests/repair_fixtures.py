"""A small corpus and a real command-backend contestant that repairs its answers from feedback.

The contestant (`fixer`) is a Python script run by the `command` backend; it reads the prompt on
stdin and answers per example:

* `shout`: correct Rust at once;
* `double`: Rust that does not compile; after rustc's diagnostics, Rust that compiles but
  prints the wrong numbers; after the first failing case, correct Rust;
* `count`: Rust that never compiles.

Given a marker path as its first argument, it logs every call to `<marker>.calls` and, the first
time it is asked a repair turn while the marker file does not exist, creates the marker and
sleeps (so a test can kill the evaluation in the middle of a repair turn).
"""

from __future__ import annotations

import sys
from pathlib import Path

PROGRAMS = {
    "double": (
        "import sys\n\nfor line in sys.stdin:\n    print(int(line) * 2)\n",
        ["1\\n2\\n", "21\\n"],
    ),
    "shout": (
        "import sys\n\nprint(sys.stdin.read().upper(), end=\"\")\n",
        ["abc\\n", "Hello, World\\n"],
    ),
    "count": (
        "import sys\n\nprint(len(sys.stdin.readlines()))\n",
        ["a\\nb\\n", ""],
    ),
}

DOUBLE_RIGHT = """use std::io::BufRead;
fn main() {
    for line in std::io::stdin().lock().lines() {
        let n: i64 = line.unwrap().trim().parse().unwrap();
        println!("{}", n * 2);
    }
}
"""
SHOUT_RIGHT = """use std::io::Read;
fn main() {
    let mut text = String::new();
    std::io::stdin().read_to_string(&mut text).unwrap();
    print!("{}", text.to_uppercase());
}
"""
COUNT_RIGHT = """use std::io::BufRead;
fn main() {
    println!("{}", std::io::stdin().lock().lines().count());
}
"""

FIXER = '''
import os, sys, time
from pathlib import Path

prompt = sys.stdin.read()
marker = Path(sys.argv[1]) if len(sys.argv) > 1 else None
repair = "Fix the program." in prompt
if marker is not None:
    with open(str(marker) + ".calls", "a") as log:
        log.write(("repair" if repair else "first") + "\\n")
    if repair and not marker.exists():
        marker.write_text("asked a repair turn by pid " + str(os.getpid()))
        time.sleep(120)

BROKEN = "fn main() { let n: i64 = \\"not a number\\"; println!(\\"{}\\", n); }"
if "upper()" in prompt:
    code = SHOUT_RIGHT
elif "int(line) * 2" in prompt:
    if "First failing case" in prompt:
        code = DOUBLE_RIGHT
    elif "rustc rejected" in prompt:
        code = DOUBLE_RIGHT.replace("n * 2", "n * 3")
    else:
        code = BROKEN
else:
    code = BROKEN
print("```rust\\n" + code + "```")
'''


def write_corpus(root: Path, *, mutant_for: str | None = None) -> Path:
    """Three example folders (double, shout, count) with cases and reference translations."""
    rights = {"double": DOUBLE_RIGHT, "shout": SHOUT_RIGHT, "count": COUNT_RIGHT}
    for name, (source, stdins) in PROGRAMS.items():
        folder = root / name
        folder.mkdir(parents=True)
        (folder / f"{name}.py").write_text(source, encoding="utf-8")
        cases = "".join(
            f"  - name: case{i}\n    stdin: \"{stdin}\"\n" for i, stdin in enumerate(stdins)
        )
        (folder / "cases.yaml").write_text("cases:\n" + cases, encoding="utf-8")
        (folder / "reference.rs").write_text(rights[name], encoding="utf-8")
        if name == mutant_for:
            (folder / "mutant.rs").write_text(
                rights[name].replace("println!", "print!"), encoding="utf-8"
            )
    return root


def write_fixer(directory: Path, marker: Path | None = None) -> Path:
    """The fixer script and a models file naming it; returns the models file."""
    script = directory.resolve() / "fixer.py"
    script.write_text(
        f"SHOUT_RIGHT = {SHOUT_RIGHT!r}\nDOUBLE_RIGHT = {DOUBLE_RIGHT!r}\n" + FIXER,
        encoding="utf-8",
    )
    argv = [sys.executable, str(script)] + ([str(marker.resolve())] if marker is not None else [])
    models = directory / "fixer-models.yaml"
    models.write_text(
        "models:\n"
        "  - id: fixer\n"
        "    backend: command\n"
        f"    command: {argv!r}\n"
        "    price: {hardware_usd_per_hour: 0.085}\n",
        encoding="utf-8",
    )
    return models


def write_task(path: Path, *, turns: int | None = 2, feedback: str = "both") -> Path:
    """A one-run task with a `repair` section (none when `turns` is None)."""
    repair = "" if turns is None else f"repair:\n  turns: {turns}\n  feedback: {feedback}\n"
    path.write_text(
        "task:\n  id: repair-test\n"
        "evaluation:\n  runs: 1\n"
        "prompts:\n"
        "  system: Translate Python to Rust.\n"
        "  user_template: |\n    {python_code}\n    {requirements}\n"
        + repair,
        encoding="utf-8",
    )
    return path
