"""Greatest common divisor and least common multiple of two or more integers.

usage: gcd_lcm_calculator.py N1 N2 [N3 ...]

Also shows the Euclid steps for the first pair and, for exactly two numbers,
the fraction N1/N2 in lowest terms.
"""
import sys


def gcd(a, b):
    """Euclid's algorithm, recursively; gcd(a, 0) == a."""
    if b == 0:
        return a
    return gcd(b, a % b)


def lcm(a, b):
    if a == 0 or b == 0:
        return 0
    return a // gcd(a, b) * b


def euclid_steps(a, b, depth=1):
    """Print each division of Euclid's algorithm and return how many there were."""
    if b == 0:
        return depth - 1
    print(f"  step {depth}: {a} = {a // b} * {b} + {a % b}")
    return euclid_steps(b, a % b, depth + 1)


def main():
    if len(sys.argv) < 3:
        print("usage: gcd_lcm_calculator.py N1 N2 [N3 ...]")
        return
    first = int(sys.argv[1])
    second = int(sys.argv[2])
    print(f"Euclid on {abs(first)} and {abs(second)}:")
    steps = euclid_steps(abs(first), abs(second))
    print(f"  ({steps} division{'s' if steps != 1 else ''})")

    divisor = abs(first)
    multiple = abs(first)
    for i in range(2, len(sys.argv)):
        n = abs(int(sys.argv[i]))
        divisor = gcd(divisor, n)
        multiple = lcm(multiple, n)
    count = len(sys.argv) - 1
    print(f"gcd of {count} numbers: {divisor}")
    print(f"lcm of {count} numbers: {multiple}")

    if count == 2:
        if second == 0:
            print("fraction: undefined (denominator is 0)")
        else:
            sign = -1 if (first < 0) != (second < 0) else 1
            numerator = sign * abs(first) // divisor
            denominator = abs(second) // divisor
            suffix = " (already in lowest terms)" if divisor == 1 else ""
            print(f"fraction: {first}/{second} = {numerator}/{denominator}{suffix}")
    elif divisor == 1:
        print("the numbers are coprime as a set")


if __name__ == "__main__":
    main()
