"""Convert between Arabic numbers and Roman numerals, in both directions.

usage: roman_numerals.py VALUE [VALUE ...]   (or whitespace-separated values on stdin)

Each VALUE made of digits is written as a Roman numeral (1-3999); anything else
is read as a Roman numeral and checked for canonical form (e.g. "IIII" and "IC"
are rejected). A total of all valid values closes the output.
"""
import sys

NUMERALS = [
    (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"),
    (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
    (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
]
SYMBOL_VALUES = {symbol: value for value, symbol in NUMERALS if len(symbol) == 1}


def to_roman(number):
    parts = []
    for value, symbol in NUMERALS:
        count, number = divmod(number, value)
        parts.append(symbol * count)
    return "".join(parts)


def from_roman(text):
    """Value of a canonical Roman numeral, or None when `text` is not one."""
    text = text.upper()
    if not text or any(ch not in SYMBOL_VALUES for ch in text):
        return None
    values = [SYMBOL_VALUES[ch] for ch in text]
    total = sum(-v if v < nxt else v for v, nxt in zip(values, values[1:] + [0]))
    return total if 0 < total < 4000 and to_roman(total) == text else None


def main():
    values = sys.argv[1:] or sys.stdin.read().split()
    valid = []
    for raw in values:
        if raw.isdigit():
            number = int(raw)
            result = to_roman(number) if 1 <= number <= 3999 else "out of range (1-3999)"
            if 1 <= number <= 3999:
                valid.append(number)
        else:
            number = from_roman(raw)
            result = str(number) if number is not None else "not a valid Roman numeral"
            if number is not None:
                valid.append(number)
        print(f"{raw:>12} -> {result}")
    if valid:
        total = sum(valid)
        in_roman = to_roman(total) if total <= 3999 else "too large"
        print(f"{len(valid)} valid, total {total} = {in_roman}")
    else:
        print("no valid values")


if __name__ == "__main__":
    main()
