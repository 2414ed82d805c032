"""Convert a temperature between Celsius, Fahrenheit and Kelvin.

usage: temperature_converter.py VALUE UNIT
UNIT is C, F or K (any case, and "deg" or a degree sign prefix is accepted).
The value is shown in all three scales with two decimals.
"""
import sys

value = float(sys.argv[1])
unit = sys.argv[2].strip().upper().removeprefix("DEG").removeprefix("°")

if unit == "C":
    celsius = value
elif unit == "F":
    celsius = (value - 32) * 5 / 9
elif unit == "K":
    celsius = value - 273.15
else:
    celsius = None

if celsius is None:
    print(f"unknown unit '{sys.argv[2]}': use C, F or K")
elif celsius < -273.15:
    print(f"{value:.2f} {unit} is below absolute zero")
else:
    fahrenheit = celsius * 9 / 5 + 32
    kelvin = celsius + 273.15
    print(f"Celsius:    {celsius:>10.2f}")
    print(f"Fahrenheit: {fahrenheit:>10.2f}")
    print(f"Kelvin:     {kelvin:>10.2f}")
    feel = "freezing" if celsius <= 0 else "cold" if celsius < 12 else "mild" if celsius < 24 else "hot"
    print(f"Feels: {feel}")
