//! Convert a temperature between Celsius, Fahrenheit and Kelvin.
//!
//! usage: temperature_converter VALUE UNIT
//! UNIT is C, F or K (any case, and "deg" or a degree sign prefix is accepted).
//! The value is shown in all three scales with two decimals.

use std::env;
use std::process;

fn main() {
    let args: Vec<String> = env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: temperature_converter VALUE UNIT");
        process::exit(1);
    }
    let value: f64 = match args[1].trim().parse() {
        Ok(number) => number,
        Err(_) => {
            eprintln!("error: '{}' is not a number", args[1]);
            process::exit(1);
        }
    };
    let upper = args[2].trim().to_uppercase();
    let without_deg = upper.strip_prefix("DEG").unwrap_or(&upper);
    let unit = without_deg.strip_prefix('°').unwrap_or(without_deg);

    let celsius = match unit {
        "C" => Some(value),
        "F" => Some((value - 32.0) * 5.0 / 9.0),
        "K" => Some(value - 273.15),
        _ => None,
    };

    match celsius {
        None => println!("unknown unit '{}': use C, F or K", args[2]),
        Some(c) if c < -273.15 => println!("{:.2} {} is below absolute zero", value, unit),
        Some(c) => {
            let fahrenheit = c * 9.0 / 5.0 + 32.0;
            let kelvin = c + 273.15;
            println!("Celsius:    {}", python_float(format!("{:>10.2}", c)));
            println!("Fahrenheit: {}", python_float(format!("{:>10.2}", fahrenheit)));
            println!("Kelvin:     {}", python_float(format!("{:>10.2}", kelvin)));
            let feel = if c <= 0.0 {
                "freezing"
            } else if c < 12.0 {
                "cold"
            } else if c < 24.0 {
                "mild"
            } else {
                "hot"
            };
            println!("Feels: {}", feel);
        }
    }
}

/// Python spells a NaN `nan` where Rust writes `NaN` (same width, so padding is unchanged).
fn python_float(text: String) -> String {
    text.replace("NaN", "nan")
}
