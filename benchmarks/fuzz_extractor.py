"""Fuzz the Rust extractor with hypothesis: N generated completions (default 100,000).

    python benchmarks/fuzz_extractor.py [N]

Prints how many inputs ran, how many yielded code, and the slowest input's time. Any exception
other than a clean `None`/code result fails the run (hypothesis prints the minimal input).
"""

from __future__ import annotations

import sys
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from single_shot_eval.verify.extract import extract_rust

PIECES = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["```", "```rust", "```rs", "```python", "~~~", "````", "\n", "fn main() {",
                     "}", "use std::io;", "pub fn solve(", "#[derive(Debug)]", "```\n\n```"]),
    st.binary(max_size=30).map(lambda b: b.decode("latin-1")),
)
COMPLETIONS = st.lists(PIECES, max_size=40).map("".join)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    stats = {"runs": 0, "code": 0, "slowest_s": 0.0}

    @settings(max_examples=n, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(COMPLETIONS, st.one_of(st.none(), st.sampled_from(["solve", "main"])))
    def run(text: str, entry: str | None) -> None:
        start = time.perf_counter()
        code = extract_rust(text, entry)
        elapsed = time.perf_counter() - start
        stats["runs"] += 1
        stats["code"] += code is not None
        stats["slowest_s"] = max(stats["slowest_s"], elapsed)
        assert code is None or code.endswith("\n")

    started = time.perf_counter()
    run()
    total = time.perf_counter() - started
    print(f"inputs: {stats['runs']:,}  with code: {stats['code']:,}  "
          f"slowest input: {stats['slowest_s'] * 1000:.2f} ms  total: {total:.1f} s  exceptions: 0")


if __name__ == "__main__":
    main()
