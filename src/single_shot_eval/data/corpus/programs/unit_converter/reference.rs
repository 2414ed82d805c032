//! Convert a quantity between units: unit_converter VALUE FROM TO [TO ...].
//! Every target is attempted; the exit code is the most severe problem seen:
//! 2 bad usage or value, 3 unknown unit, 4 different dimensions, 5 below absolute zero.
use std::fmt;
use std::process;

/// unit, dimension, size of the unit in the dimension's base unit
const LINEAR_UNITS: [(&str, &str, f64); 16] = [
    ("mm", "length", 0.001),
    ("cm", "length", 0.01),
    ("m", "length", 1.0),
    ("km", "length", 1000.0),
    ("in", "length", 0.0254),
    ("ft", "length", 0.3048),
    ("yd", "length", 0.9144),
    ("mi", "length", 1609.344),
    ("g", "mass", 0.001),
    ("kg", "mass", 1.0),
    ("t", "mass", 1000.0),
    ("oz", "mass", 0.028349523125),
    ("lb", "mass", 0.45359237),
    ("ml", "volume", 0.001),
    ("l", "volume", 1.0),
    ("gal", "volume", 3.785411784),
];
const TEMPERATURES: [&str; 3] = ["C", "F", "K"];

enum ConversionError {
    UnknownUnit(String),
    IncompatibleUnits(String),
    AbsoluteZero(String),
}

impl ConversionError {
    fn exit_code(&self) -> i32 {
        match self {
            ConversionError::UnknownUnit(_) => 3,
            ConversionError::IncompatibleUnits(_) => 4,
            ConversionError::AbsoluteZero(_) => 5,
        }
    }
}

impl fmt::Display for ConversionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConversionError::UnknownUnit(message)
            | ConversionError::IncompatibleUnits(message)
            | ConversionError::AbsoluteZero(message) => f.write_str(message),
        }
    }
}

/// Four decimals without trailing zeros, and never "-0".
fn format_quantity(value: f64) -> String {
    let text = format!("{value:.4}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".to_string()
    } else {
        text.to_string()
    }
}

fn linear_unit(unit: &str) -> Option<(&'static str, f64)> {
    LINEAR_UNITS
        .iter()
        .find(|(name, _, _)| *name == unit)
        .map(|&(_, dimension, size)| (dimension, size))
}

fn dimension_of(unit: &str) -> Result<&'static str, ConversionError> {
    if TEMPERATURES.contains(&unit) {
        return Ok("temperature");
    }
    match linear_unit(unit) {
        Some((dimension, _)) => Ok(dimension),
        None => {
            let mut known: Vec<&str> = LINEAR_UNITS.iter().map(|(name, _, _)| *name).collect();
            known.extend(TEMPERATURES);
            known.sort_by_key(|name| name.to_lowercase());
            Err(ConversionError::UnknownUnit(format!(
                "unknown unit '{unit}' (known: {})",
                known.join(", ")
            )))
        }
    }
}

fn convert(value: f64, source: &str, target: &str) -> Result<f64, ConversionError> {
    let (source_dimension, target_dimension) = (dimension_of(source)?, dimension_of(target)?);
    if source_dimension != target_dimension {
        return Err(ConversionError::IncompatibleUnits(format!(
            "cannot convert {source_dimension} ({source}) to {target_dimension} ({target})"
        )));
    }
    if source_dimension != "temperature" {
        let size = |unit| linear_unit(unit).expect("dimension already checked").1;
        return Ok(value * size(source) / size(target));
    }
    let kelvin = match source {
        "C" => value + 273.15,
        "F" => (value - 32.0) * 5.0 / 9.0 + 273.15,
        _ => value,
    };
    if kelvin < 0.0 {
        return Err(ConversionError::AbsoluteZero(format!(
            "{} {source} is below absolute zero",
            format_quantity(value)
        )));
    }
    Ok(match target {
        "C" => kelvin - 273.15,
        "F" => (kelvin - 273.15) * 9.0 / 5.0 + 32.0,
        _ => kelvin,
    })
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 3 {
        eprintln!("usage: unit_converter.py VALUE FROM TO [TO ...]");
        process::exit(2);
    }
    let value = match args[0].trim().parse::<f64>() {
        Ok(value) if value.is_finite() => value,
        _ => {
            println!("error: '{}' is not a finite number", args[0]);
            process::exit(2);
        }
    };
    let source = args[1].as_str();
    let mut worst_exit_code = 0;
    for target in &args[2..] {
        match convert(value, source, target) {
            Ok(result) => println!(
                "{} {source} = {} {target}",
                format_quantity(value),
                format_quantity(result)
            ),
            Err(error) => {
                println!("error: {error}");
                worst_exit_code = worst_exit_code.max(error.exit_code());
            }
        }
    }
    process::exit(worst_exit_code);
}
