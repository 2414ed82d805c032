"""Print a table of Fibonacci numbers with their digit counts and successive ratios.

usage: fibonacci_table.py COUNT [START] [--hex]

Rows START .. START+COUNT-1 are printed (START defaults to 0). Indexes above
180 are refused to keep the table readable. The ratio column converges on the
golden ratio; --hex shows the numbers in hexadecimal.
"""
import functools
import sys

MAX_INDEX = 180


@functools.lru_cache(maxsize=None)
def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


def ratio(n):
    """F(n) / F(n-1), or 0.0 where it is undefined."""
    return fib(n) / fib(n - 1) if n >= 2 else 0.0


def main():
    count = int(sys.argv[1])
    start = int(sys.argv[2]) if len(sys.argv) > 2 and sys.argv[2] != "--hex" else 0
    hex_mode = sys.argv[len(sys.argv) - 1] == "--hex"
    end = start + count - 1
    if count < 1 or start < 0:
        print("COUNT must be positive and START not negative")
        return
    if end > MAX_INDEX:
        print(f"index {end} is too large (maximum {MAX_INDEX})")
        return

    show = (lambda value: f"{value:#x}") if hex_mode else (lambda value: f"{value:,}")
    width = len(show(fib(end)))
    print(f"{'n':>4}  {'F(n)':>{width}}  {'digits':>6}  {'ratio':>10}")
    even = 0
    for n in range(start, end + 1):
        value = fib(n)
        if value % 2 == 0:
            even += 1
        print(f"{n:>4}  {show(value):>{width}}  {len(str(value)):>6}  {ratio(n):>10.8f}")
    print(f"{even} of {count} values are even; sum = {show(fib(end + 2) - fib(start + 1))}")


if __name__ == "__main__":
    main()
