"""Count lines, words and characters of stdin in chunks on a thread pool, then the top words.

Usage: parallel_word_count.py [LINES_PER_CHUNK] [TOP_N]   (defaults 2 and 3)
executor.map yields results in input order, so the report does not depend on scheduling.
Words are runs of ASCII letters, with apostrophes allowed inside ("don't").
"""
import re
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

WORD = re.compile(r"[a-z]+(?:'[a-z]+)*")


def count_chunk(lines):
    words = [word for line in lines for word in WORD.findall(line.lower())]
    return len(lines), len(words), sum(len(line) for line in lines), Counter(words)


def parse_positive(text, name):
    if not text.isdigit() or int(text) == 0:
        print(f"error: {name} must be a positive integer, got '{text}'", file=sys.stderr)
        sys.exit(2)
    return int(text)


def main():
    if len(sys.argv) > 3:
        print("usage: parallel_word_count.py [LINES_PER_CHUNK] [TOP_N]", file=sys.stderr)
        sys.exit(2)
    args = sys.argv[1:] + ["2", "3"][len(sys.argv) - 1:]
    chunk_size = parse_positive(args[0], "LINES_PER_CHUNK")
    top_n = parse_positive(args[1], "TOP_N")
    lines = sys.stdin.read().splitlines()
    chunks = [lines[start:start + chunk_size] for start in range(0, len(lines), chunk_size)]
    with ThreadPoolExecutor(max_workers=4) as executor:
        results = list(executor.map(count_chunk, chunks))
    totals = Counter()
    first_line = 1
    for index, (line_count, word_count, char_count, words) in enumerate(results, start=1):
        last_line = first_line + line_count - 1
        print(f"chunk {index}: lines {first_line}-{last_line}: "
              f"{word_count} words, {char_count} chars")
        totals.update(words)
        first_line = last_line + 1
    print(f"total: {len(lines)} lines, {sum(r[1] for r in results)} words, "
          f"{sum(r[2] for r in results)} chars, {len(totals)} distinct")
    for word, count in totals.most_common(top_n):
        print(f"{count:>5} {word}")


if __name__ == "__main__":
    main()
