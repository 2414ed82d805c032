"""Compute the body-mass index from a weight in kilograms and a height in centimetres.

usage: bmi_calculator.py WEIGHT_KG HEIGHT_CM

Prints the BMI to one decimal, its WHO category and the weight range that
would give a normal BMI (18.5 to 24.9) at the same height.
"""
import sys

weight_kg = float(sys.argv[1].strip())
height_cm = float(sys.argv[2].strip())
height_m = height_cm / 100

if weight_kg <= 0 or height_m <= 0:
    print("error: weight and height must both be positive")
else:
    bmi = weight_kg / (height_m * height_m)
    if bmi < 18.5:
        category = "underweight"
    elif bmi < 25:
        category = "normal"
    elif bmi < 30:
        category = "overweight"
    else:
        category = "obese"
    low_kg = 18.5 * height_m * height_m
    high_kg = 24.9 * height_m * height_m
    print(f"BMI: {bmi:.1f} ({category})")
    print(f"Normal range at {height_cm:.0f} cm: {low_kg:.1f} - {high_kg:.1f} kg")
    if category == "normal":
        print("You are within the normal range.")
    elif weight_kg < low_kg:
        print(f"Gain {low_kg - weight_kg:.1f} kg to reach the normal range.")
    else:
        print(f"Lose {weight_kg - high_kg:.1f} kg to reach the normal range.")
