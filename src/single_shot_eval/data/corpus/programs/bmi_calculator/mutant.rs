//! Compute the body-mass index from a weight in kilograms and a height in centimetres.
//!
//! usage: bmi_calculator WEIGHT_KG HEIGHT_CM
//!
//! Prints the BMI to one decimal, its WHO category and the weight range that
//! would give a normal BMI (18.5 to 24.9) at the same height.

use std::env;
use std::process;

/// Parse the positional argument at `index` as a float, exiting with status 1 when it
/// is missing or not a number (the Python original dies with an uncaught exception).
fn float_arg(args: &[String], index: usize) -> f64 {
    match args.get(index).and_then(|text| text.trim().parse::<f64>().ok()) {
        Some(value) => value,
        None => {
            eprintln!("error: argument {} must be a number", index);
            process::exit(1);
        }
    }
}

fn main() {
    let args: Vec<String> = env::args().collect();
    let weight_kg = float_arg(&args, 1);
    let height_cm = float_arg(&args, 2);
    let height_m = height_cm / 100.0;

    if weight_kg <= 0.0 || height_m <= 0.0 {
        println!("error: weight and height must both be positive");
        return;
    }

    let bmi = weight_kg / (height_m * height_m);
    let category = if bmi < 18.5 {
        "underweight"
    } else if bmi <= 25.0 {
        "normal"
    } else if bmi < 30.0 {
        "overweight"
    } else {
        "obese"
    };
    let low_kg = 18.5 * height_m * height_m;
    let high_kg = 24.9 * height_m * height_m;
    println!("BMI: {:.1} ({})", bmi, category);
    println!("Normal range at {:.0} cm: {:.1} - {:.1} kg", height_cm, low_kg, high_kg);
    if category == "normal" {
        println!("You are within the normal range.");
    } else if weight_kg < low_kg {
        println!("Gain {:.1} kg to reach the normal range.", low_kg - weight_kg);
    } else {
        println!("Lose {:.1} kg to reach the normal range.", weight_kg - high_kg);
    }
}
