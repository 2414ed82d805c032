"""Total one numeric column of a CSV read from stdin: csv_column_total.py COLUMN [--strict].

Bad rows are skipped and listed; --strict stops at the first one instead (exit 4).
Exit codes: 2 usage, 3 unknown column, 4 bad row in strict mode, 5 no numeric rows.
"""
import csv
import io
import math
import sys


class BadRowError(Exception):
    def __init__(self, line_number, reason):
        super().__init__(f"line {line_number}: {reason}")


def parse_amount(row, index, line_number):
    """Read one cell as a float, accepting thousands separators like "1,234.50"."""
    if index >= len(row) or not row[index].strip():
        raise BadRowError(line_number, "missing value")
    text = row[index].strip().replace(",", "")
    try:
        value = float(text)
    except ValueError:
        raise BadRowError(line_number, f"'{row[index]}' is not a number") from None
    if not math.isfinite(value):
        raise BadRowError(line_number, f"'{row[index]}' is not a finite number")
    return value


def main():
    strict = "--strict" in sys.argv[1:]
    names = [arg for arg in sys.argv[1:] if arg != "--strict"]
    if len(names) != 1:
        print("usage: csv_column_total.py COLUMN [--strict]", file=sys.stderr)
        sys.exit(2)
    column = names[0]
    amounts, skipped = [], []
    with io.StringIO(sys.stdin.read(), newline="") as buffer:
        reader = csv.reader(buffer)
        header = [name.strip() for name in next(reader, [])]
        if column not in header:
            print(f"error: column '{column}' not found in header {header}")
            sys.exit(3)
        index = header.index(column)
        for row in reader:
            if not row:
                continue
            try:
                amounts.append(parse_amount(row, index, reader.line_num))
            except BadRowError as error:
                if strict:
                    print(f"error: {error}")
                    sys.exit(4)
                skipped.append(str(error))
    if not amounts:
        print(f"error: no numeric values in column '{column}'")
        sys.exit(5)
    total = sum(amounts)
    print(f"column: {column}")
    print(f"rows: {len(amounts)}, skipped: {len(skipped)}")
    print(f"total: {total:.2f}")
    print(f"mean: {total / len(amounts):.2f}")
    print(f"min: {min(amounts):.2f}  max: {max(amounts):.2f}")
    for reason in skipped:
        print(f"skipped {reason}")


if __name__ == "__main__":
    main()
