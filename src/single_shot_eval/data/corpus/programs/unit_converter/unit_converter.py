"""Convert a quantity between units: unit_converter.py VALUE FROM TO [TO ...].

Every target is attempted; the exit code is the most severe problem seen:
2 bad usage or value, 3 unknown unit, 4 different dimensions, 5 below absolute zero.
"""
import math
import sys

# unit -> (dimension, size of the unit in the dimension's base unit)
LINEAR_UNITS = {
    "mm": ("length", 0.001), "cm": ("length", 0.01), "m": ("length", 1.0),
    "km": ("length", 1000.0), "in": ("length", 0.0254), "ft": ("length", 0.3048),
    "yd": ("length", 0.9144), "mi": ("length", 1609.344),
    "g": ("mass", 0.001), "kg": ("mass", 1.0), "t": ("mass", 1000.0),
    "oz": ("mass", 0.028349523125), "lb": ("mass", 0.45359237),
    "ml": ("volume", 0.001), "l": ("volume", 1.0), "gal": ("volume", 3.785411784),
}
TEMPERATURES = ("C", "F", "K")


class ConversionError(Exception):
    exit_code = 1


class UnknownUnitError(ConversionError):
    exit_code = 3


class IncompatibleUnitsError(ConversionError):
    exit_code = 4


class AbsoluteZeroError(ConversionError):
    exit_code = 5


def format_quantity(value):
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def dimension_of(unit):
    if unit in TEMPERATURES:
        return "temperature"
    if unit not in LINEAR_UNITS:
        known = ", ".join(sorted([*LINEAR_UNITS, *TEMPERATURES], key=str.lower))
        raise UnknownUnitError(f"unknown unit '{unit}' (known: {known})")
    return LINEAR_UNITS[unit][0]


def convert(value, source, target):
    source_dimension, target_dimension = dimension_of(source), dimension_of(target)
    if source_dimension != target_dimension:
        raise IncompatibleUnitsError(
            f"cannot convert {source_dimension} ({source}) to {target_dimension} ({target})")
    if source_dimension != "temperature":
        return value * LINEAR_UNITS[source][1] / LINEAR_UNITS[target][1]
    kelvin = {"C": value + 273.15, "F": (value - 32) * 5 / 9 + 273.15, "K": value}[source]
    if kelvin < 0:
        raise AbsoluteZeroError(f"{format_quantity(value)} {source} is below absolute zero")
    return {"C": kelvin - 273.15, "F": (kelvin - 273.15) * 9 / 5 + 32, "K": kelvin}[target]


def main():
    if len(sys.argv) < 4:
        print("usage: unit_converter.py VALUE FROM TO [TO ...]", file=sys.stderr)
        sys.exit(2)
    try:
        value = float(sys.argv[1])
        if not math.isfinite(value):
            raise ValueError(sys.argv[1])
    except ValueError:
        print(f"error: '{sys.argv[1]}' is not a finite number")
        sys.exit(2)
    source, worst_exit_code = sys.argv[2], 0
    for target in sys.argv[3:]:
        try:
            result = convert(value, source, target)
        except ConversionError as error:
            print(f"error: {error}")
            worst_exit_code = max(worst_exit_code, error.exit_code)
        else:
            print(f"{format_quantity(value)} {source} = {format_quantity(result)} {target}")
    sys.exit(worst_exit_code)


if __name__ == "__main__":
    main()
