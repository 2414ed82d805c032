//! Evaluate RPN expressions, one per stdin line: rpn_calculator [DIGITS]; exit 3 on errors.
use std::fmt;
use std::io::BufRead;
use std::process;

/// A problem with one expression: the line is reported and evaluation continues.
#[derive(Debug)]
enum RpnError {
    StackUnderflow {
        token: String,
        needed: usize,
        available: usize,
    },
    Other(String),
}

impl fmt::Display for RpnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RpnError::StackUnderflow {
                token,
                needed,
                available,
            } => {
                write!(
                    f,
                    "'{token}' needs {needed} operand(s), stack has {available}"
                )
            }
            RpnError::Other(message) => f.write_str(message),
        }
    }
}

fn other(message: impl Into<String>) -> RpnError {
    RpnError::Other(message.into())
}

const BINARY: [&str; 6] = ["+", "-", "*", "/", "%", "^"];
const UNARY: [&str; 3] = ["neg", "abs", "sqrt"];

/// Python's float `%`: the result takes the sign of the divisor (zero keeps it too).
fn python_mod(a: f64, b: f64) -> f64 {
    let remainder = a % b;
    if remainder == 0.0 {
        0.0_f64.copysign(b)
    } else if (remainder < 0.0) != (b < 0.0) {
        remainder + b
    } else {
        remainder
    }
}

/// Python's `math.pow`: domain errors and overflow are errors instead of NaN / infinity.
fn checked_pow(a: f64, b: f64) -> Result<f64, RpnError> {
    let result = a.powf(b);
    if (a == 0.0 && b < 0.0) || result.is_nan() {
        return Err(other("math domain error"));
    }
    if result.is_infinite() {
        return Err(other("overflow"));
    }
    Ok(result)
}

fn apply_binary(token: &str, a: f64, b: f64) -> Result<f64, RpnError> {
    if (token == "/" || token == "%") && b == 0.0 {
        return Err(other(format!("division by zero in '{token}'")));
    }
    match token {
        "+" => Ok(a + b),
        "-" => Ok(a - b),
        "*" => Ok(a * b),
        "/" => Ok(a / b),
        "%" => Ok(python_mod(a, b)),
        _ => checked_pow(a, b),
    }
}

fn evaluate(expression: &str) -> Result<f64, RpnError> {
    let mut stack: Vec<f64> = Vec::new();
    for token in expression.split_whitespace() {
        let needed = if UNARY.contains(&token) {
            1
        } else if BINARY.contains(&token) || token == "swap" {
            2
        } else {
            0
        };
        if stack.len() < needed {
            return Err(RpnError::StackUnderflow {
                token: token.to_string(),
                needed,
                available: stack.len(),
            });
        }
        let top = stack.len().saturating_sub(1);
        if BINARY.contains(&token) {
            let b = stack.pop().expect("checked above");
            let a = stack.pop().expect("checked above");
            let result = apply_binary(token, a, b)?;
            if !result.is_finite() {
                return Err(other("overflow"));
            }
            stack.push(result);
        } else if token == "neg" {
            stack[top] = -stack[top];
        } else if token == "abs" {
            stack[top] = stack[top].abs();
        } else if token == "sqrt" {
            if stack[top] < 0.0 {
                return Err(other("square root of a negative number"));
            }
            stack[top] = stack[top].sqrt();
        } else if token == "swap" {
            stack.swap(top, top - 1);
        } else {
            match python_number(token).parse::<f64>() {
                Ok(value) if value.is_finite() => stack.push(value),
                _ => return Err(other(format!("unknown token '{token}'"))),
            }
        }
    }
    if stack.len() != 1 {
        return Err(other(format!(
            "expected exactly one result, stack has {}",
            stack.len()
        )));
    }
    Ok(stack[0])
}


/// Python's `int()` and `float()` accept `_` between two digits (`1_000`); Rust's `parse` does
/// not, so drop exactly those underscores before parsing.
fn python_number(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    for (i, &c) in chars.iter().enumerate() {
        let between_digits = i > 0
            && i + 1 < chars.len()
            && chars[i - 1].is_ascii_digit()
            && chars[i + 1].is_ascii_digit();
        if c == '_' && between_digits {
            continue;
        }
        out.push(c);
    }
    out
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let digits_ok =
        args.len() == 1 && !args[0].is_empty() && args[0].bytes().all(|byte| byte.is_ascii_digit());
    if args.len() > 1 || (args.len() == 1 && !digits_ok) {
        eprintln!("usage: rpn_calculator.py [DIGITS]");
        process::exit(1);
    }
    // Any all-digit string is valid; values too large for u64 are clamped like the others.
    let digits = args
        .first()
        .map_or(3, |text| text.parse::<u64>().map_or(10, |d| d.min(10)));
    let digits = digits as usize;
    let (mut evaluated, mut failed) = (0, 0);
    for (index, line) in std::io::stdin().lock().lines().enumerate() {
        let line = line.expect("stdin is not valid UTF-8");
        let expression = line.trim();
        if expression.is_empty() || expression.starts_with('#') {
            continue;
        }
        match evaluate(expression) {
            Ok(value) => println!("{}: {value:.digits$}", index + 1),
            Err(error) => {
                failed += 1;
                println!("{}: error: {error}", index + 1);
            }
        }
        evaluated += 1;
    }
    println!("{evaluated} evaluated, {failed} failed");
    if failed > 0 {
        process::exit(3);
    }
}
