"""Build a class report from lines of "name: score score ..." read on stdin.

usage: grade_report.py [PASS_MARK]   (default 60)

Blank lines and lines starting with '#' are ignored. A student may appear on
several lines; the scores are merged. Students are ranked by average (highest
first, then by name), and a letter-grade histogram closes the report.
"""
import sys
from collections import Counter, defaultdict
from itertools import chain


def letter(average):
    for threshold, grade in [(90, "A"), (80, "B"), (70, "C"), (60, "D")]:
        if average >= threshold:
            return grade
    return "F"


def main():
    pass_mark = float(sys.argv[1]) if len(sys.argv) > 1 else 60.0
    lines = [line.strip() for line in sys.stdin if line.strip() and not line.startswith("#")]
    scores = defaultdict(list)
    for line in lines:
        name, _, rest = line.partition(":")
        scores[name.strip().title()].extend(map(int, rest.split()))

    graded = {name: sum(marks) / len(marks) for name, marks in scores.items() if marks}
    missing = sorted(name for name, marks in scores.items() if not marks)
    ranking = sorted(graded.items(), key=lambda pair: (-pair[1], pair[0]))

    print(f"{'#':>2}  {'Student':<12} {'Tests':>5} {'Avg':>6} {'Best':>5}  Grade")
    for position, (name, average) in enumerate(ranking, 1):
        marks = scores[name]
        flag = "" if average >= pass_mark else "  (below pass mark)"
        print(f"{position:>2}  {name:<12} {len(marks):>5} {average:>6.1f} {max(marks):>5}"
              f"  {letter(average)}{flag}")
    if missing:
        print(f"no scores: {', '.join(missing)}")
    if not graded:
        return

    all_marks = list(chain.from_iterable(scores.values()))
    print(f"class average: {sum(all_marks) / len(all_marks):.2f} over {len(all_marks)} tests")
    passed = [name for name, average in graded.items() if average >= pass_mark]
    print(f"passed: {len(passed)}/{len(graded)}")
    histogram = Counter(letter(average) for average in graded.values())
    for grade in "ABCDF":
        print(f"  {grade}: {'*' * histogram[grade]}")


if __name__ == "__main__":
    main()
