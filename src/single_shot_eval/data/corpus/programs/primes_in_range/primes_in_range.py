"""List the prime numbers in an inclusive range, ten per line, with a short summary.

usage: primes_in_range.py LOW HIGH
The summary gives the count, the number of twin-prime pairs (p, p + 2) and the
largest gap between consecutive primes found in the range.
"""
import math
import sys


def is_prime(n):
    """Trial division by 2 and the odd numbers up to the square root of n."""
    if n < 2:
        return False
    if n < 4:
        return True
    if n % 2 == 0:
        return False
    for divisor in range(3, math.isqrt(n) + 1, 2):
        if n % divisor == 0:
            return False
    return True


def main():
    low = int(sys.argv[1])
    high = int(sys.argv[2])
    if low > high:
        print(f"empty range: {low} > {high}")
        return

    count = 0
    twins = 0
    largest_gap = 0
    previous = -1
    line = ""
    for n in range(low, high + 1):
        if is_prime(n):
            count += 1
            line += f"{n:>7}"
            if count % 10 == 0:
                print(line)
                line = ""
            if previous > 0:
                if n - previous == 2:
                    twins += 1
                if n - previous > largest_gap:
                    largest_gap = n - previous
            previous = n
    if line:
        print(line)

    size = high - low + 1
    print(f"{count} primes in [{low}, {high}] ({100 * count / size:.1f}% of {size} numbers)")
    if count > 1:
        print(f"twin pairs: {twins}, largest gap: {largest_gap}")
    elif count == 1:
        print(f"only prime: {previous}")


if __name__ == "__main__":
    main()
