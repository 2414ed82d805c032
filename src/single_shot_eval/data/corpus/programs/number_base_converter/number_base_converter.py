"""Convert integers between number bases 2 to 36.

usage: number_base_converter.py FROM_BASE TO_BASE [NUMBER ...]
       (the numbers are read from stdin, whitespace-separated, when none are given)

A base is a number or one of bin, oct, dec, hex. Numbers may carry a sign and
underscores between digits. Invalid numbers are reported and skipped.
"""
import sys

DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def parse_base(text):
    match text.lower():
        case "bin" | "binary":
            return 2
        case "oct" | "octal":
            return 8
        case "dec" | "decimal":
            return 10
        case "hex" | "hexadecimal":
            return 16
        case _:
            return int(text)


def from_base(text, base):
    """(value, None) on success, (None, reason) when `text` is not a number in `base`."""
    cleaned = text.lower().replace("_", "")
    negative = cleaned.startswith("-")
    if negative or cleaned.startswith("+"):
        cleaned = cleaned[1:]
    if not cleaned:
        return None, "no digits"
    value = 0
    position = 0
    while position < len(cleaned):
        digit = DIGITS.find(cleaned[position])
        if digit < 0 or digit >= base:
            return None, f"'{cleaned[position]}' is not a base-{base} digit"
        value = value * base + digit
        position += 1
    return (-value if negative else value), None


def to_base(value, base):
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    remaining = abs(value)
    digits = ""
    while remaining > 0:
        digits = DIGITS[remaining % base] + digits
        remaining //= base
    return sign + digits


def main():
    if len(sys.argv) < 3:
        print("usage: number_base_converter.py FROM_BASE TO_BASE [NUMBER ...]")
        return
    source, target = parse_base(sys.argv[1]), parse_base(sys.argv[2])
    if not (2 <= source <= 36 and 2 <= target <= 36):
        print(f"bases must be between 2 and 36, got {source} and {target}")
        return
    numbers = sys.argv[3:] or sys.stdin.read().split()
    converted = 0
    for text in numbers:
        value, problem = from_base(text, source)
        if problem:
            print(f"{text}: skipped, {problem}")
            continue
        print(f"{text} (base {source}) = {to_base(value, target)} (base {target})")
        converted += 1
    print(f"{converted} of {len(numbers)} converted")


if __name__ == "__main__":
    main()
