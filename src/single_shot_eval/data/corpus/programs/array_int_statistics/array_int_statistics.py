"""Summary statistics and a histogram of 32-bit integers read from stdin, kept in array('i').

Usage: array_int_statistics.py [BINS]  (histogram bins 1-20, default 5). Every value must fit
a signed 32-bit C int, which array('i') enforces with OverflowError (exit 3); a token that is
not an integer exits 2. Also shows the raw bytes of the first values in both byte orders.
"""
import array
import sys


def main():
    bins = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    if not 1 <= bins <= 20:
        sys.exit("BINS must be between 1 and 20")
    values = array.array("i")
    for number, token in enumerate(sys.stdin.read().split(), start=1):
        try:
            values.append(int(token))
        except ValueError:
            print(f"error: token {number} '{token}' is not an integer")
            sys.exit(2)
        except OverflowError:
            print(f"error: token {number} ({token}) does not fit in {values.itemsize * 8} bits")
            sys.exit(3)
    if not values:
        print("no values")
        return
    ordered = sorted(values)
    middle = len(ordered) // 2
    median = ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    print(f"count: {len(values)}  sum: {sum(values)}  min: {ordered[0]}  max: {ordered[-1]}")
    print(f"mean: {sum(values) / len(values):.3f}  median: {median}")
    jumps = array.array("q", (b - a for a, b in zip(values, values[1:])))
    if jumps:
        biggest = max(range(len(jumps)), key=lambda i: abs(jumps[i]))
        print(f"largest jump: {jumps[biggest]:+d} between items {biggest + 1} and {biggest + 2}")
    width = (ordered[-1] - ordered[0]) / bins
    counts = [0] * bins
    for value in values:
        counts[min(int((value - ordered[0]) / width), bins - 1) if width else 0] += 1
    for index, count in enumerate(counts):
        low = ordered[0] + width * index
        print(f"  [{low:>14.2f}, {low + width:>14.2f}{']' if index == bins - 1 else ')'} "
              f"{count:>4} {'#' * round(40 * count / len(values))}")
    head = values[:4]
    print(f"bytes ({sys.byteorder}-endian): {head.tobytes().hex(' ')}")
    head.byteswap()
    print(f"bytes (swapped):        {head.tobytes().hex(' ')}")


if __name__ == "__main__":
    main()
