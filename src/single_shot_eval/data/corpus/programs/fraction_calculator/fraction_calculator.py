"""Exact fraction arithmetic on stdin lines like "3/4 + 1/-6", "0.25 < 1/3" or "-1.5": prints
fraction, mixed number, decimal (half away from zero); then the sum and the sorted results."""
import math
import sys


class Fraction:
    def __init__(self, numerator, denominator=1):
        if denominator == 0:
            raise ZeroDivisionError("division by zero")
        divisor = math.gcd(numerator, denominator) * (-1 if denominator < 0 else 1)
        self.numerator, self.denominator = numerator // divisor, denominator // divisor

    @classmethod
    def parse(cls, text):
        if "/" in text:
            top, bottom = text.split("/")
            return cls(int(top), int(bottom))
        whole, _, decimals = text.partition(".")
        return cls(int(whole + decimals), 10 ** len(decimals))

    def __add__(self, other):
        return Fraction(self.numerator * other.denominator + other.numerator * self.denominator,
                        self.denominator * other.denominator)

    def __sub__(self, other):
        return Fraction(self.numerator * other.denominator - other.numerator * self.denominator,
                        self.denominator * other.denominator)

    def __mul__(self, other):
        return Fraction(self.numerator * other.numerator, self.denominator * other.denominator)

    def __truediv__(self, other):
        return Fraction(self.numerator * other.denominator, self.denominator * other.numerator)

    def __eq__(self, other):
        return (self.numerator, self.denominator) == (other.numerator, other.denominator)

    def __lt__(self, other):
        return self.numerator * other.denominator < other.numerator * self.denominator

    def __str__(self):
        return f"{self.numerator}" + (f"/{self.denominator}" if self.denominator != 1 else "")

    def mixed(self):
        whole, rest = divmod(abs(self.numerator), self.denominator)
        if whole == 0 or rest == 0:
            return str(self)
        return f"{'-' if self.numerator < 0 else ''}{whole} {rest}/{self.denominator}"

    def decimal(self, places=4):
        scaled = (2 * abs(self.numerator) * 10 ** places + self.denominator) // (2 * self.denominator)
        whole, fraction = divmod(scaled, 10 ** places)
        return f"{'-' if self.numerator < 0 and scaled else ''}{whole}.{fraction:0{places}d}"


OPERATIONS = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
              "/": lambda a, b: a / b, "<": lambda a, b: a < b, "=": lambda a, b: a == b,
              ">": lambda a, b: b < a}


def main():
    results = []
    for number, line in enumerate(sys.stdin, start=1):
        try:
            match line.split():
                case []:
                    continue
                case [left, operator, right] if operator in OPERATIONS:
                    result = OPERATIONS[operator](Fraction.parse(left), Fraction.parse(right))
                case [single]:
                    result = Fraction.parse(single)
                case _:
                    raise ValueError("expected 'A OP B' or a single number")
        except (ValueError, ZeroDivisionError) as error:
            print(f"line {number}: {type(error).__name__}: {error}")
            continue
        if isinstance(result, bool):
            print(f"{' '.join(line.split())} -> {str(result).lower()}")
            continue
        results.append(result)
        print(f"{' '.join(line.split())} = {result} ({result.mixed()}, {result.decimal()})")
    if results:
        print(f"sum: {sum(results, Fraction(0))}")
        print("sorted: " + ", ".join(str(result) for result in sorted(results)))


if __name__ == "__main__":
    main()
