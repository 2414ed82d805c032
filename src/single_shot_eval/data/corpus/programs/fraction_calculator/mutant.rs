//! Exact fraction arithmetic on stdin lines like "3/4 + 1/-6", "0.25 < 1/3" or "-1.5": prints
//! fraction, mixed number, decimal (half away from zero); then the sum and the sorted results.
use std::cmp::Ordering;
use std::fmt;
use std::io::BufRead;
use std::ops::{Add, Div, Mul, Sub};

/// The two Python exception types the program reports, with their messages.
enum CalcError {
    Value(String),
    ZeroDivision,
}

impl fmt::Display for CalcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CalcError::Value(message) => write!(f, "ValueError: {message}"),
            CalcError::ZeroDivision => write!(f, "ZeroDivisionError: division by zero"),
        }
    }
}

fn gcd(a: i128, b: i128) -> i128 {
    if b == 0 {
        a.abs()
    } else {
        gcd(b, a % b)
    }
}

/// A reduced fraction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Fraction {
    numerator: i128,
    denominator: i128,
}

impl Fraction {
    fn new(numerator: i128, denominator: i128) -> Result<Self, CalcError> {
        if denominator == 0 {
            return Err(CalcError::ZeroDivision);
        }
        let divisor = gcd(numerator, denominator);
        Ok(Fraction {
            numerator: numerator / divisor,
            denominator: denominator / divisor,
        })
    }

    fn parse(text: &str) -> Result<Self, CalcError> {
        if text.contains('/') {
            let parts: Vec<&str> = text.split('/').collect();
            if parts.len() != 2 {
                return Err(CalcError::Value(
                    "too many values to unpack (expected 2)".into(),
                ));
            }
            return Fraction::new(python_int(parts[0])?, python_int(parts[1])?);
        }
        let (whole, decimals) = text.split_once('.').unwrap_or((text, ""));
        let digits = format!("{whole}{decimals}");
        Fraction::new(python_int(&digits)?, 10_i128.pow(decimals.len() as u32))
    }

    fn mixed(&self) -> String {
        let (whole, rest) = (
            self.numerator.abs() / self.denominator,
            self.numerator.abs() % self.denominator,
        );
        if whole == 0 || rest == 0 {
            return self.to_string();
        }
        let sign = if self.numerator < 0 { "-" } else { "" };
        format!("{sign}{whole} {rest}/{}", self.denominator)
    }

    fn decimal(&self, places: u32) -> String {
        let scale = 10_i128.pow(places);
        let scaled = (2 * self.numerator.abs() * scale + self.denominator) / (2 * self.denominator);
        let sign = if self.numerator < 0 && scaled != 0 {
            "-"
        } else {
            ""
        };
        format!(
            "{sign}{}.{:0width$}",
            scaled / scale,
            scaled % scale,
            width = places as usize
        )
    }
}

/// Python's `int(text)`: optional sign, ASCII digits, single underscores between digits.
fn python_int(text: &str) -> Result<i128, CalcError> {
    let invalid = || CalcError::Value(format!("invalid literal for int() with base 10: '{text}'"));
    let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
    let well_formed = !unsigned.is_empty()
        && unsigned
            .split('_')
            .all(|group| !group.is_empty() && group.bytes().all(|b| b.is_ascii_digit()));
    if !well_formed {
        return Err(invalid());
    }
    text.replace('_', "").parse().map_err(|_| invalid())
}

impl fmt::Display for Fraction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.denominator == 1 {
            write!(f, "{}", self.numerator)
        } else {
            write!(f, "{}/{}", self.numerator, self.denominator)
        }
    }
}

impl Ord for Fraction {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.numerator * other.denominator).cmp(&(other.numerator * self.denominator))
    }
}

impl PartialOrd for Fraction {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Add for Fraction {
    type Output = Result<Fraction, CalcError>;
    fn add(self, other: Fraction) -> Self::Output {
        Fraction::new(
            self.numerator * other.denominator + other.numerator * self.denominator,
            self.denominator * other.denominator,
        )
    }
}

impl Sub for Fraction {
    type Output = Result<Fraction, CalcError>;
    fn sub(self, other: Fraction) -> Self::Output {
        Fraction::new(
            self.numerator * other.denominator - other.numerator * self.denominator,
            self.denominator * other.denominator,
        )
    }
}

impl Mul for Fraction {
    type Output = Result<Fraction, CalcError>;
    fn mul(self, other: Fraction) -> Self::Output {
        Fraction::new(
            self.numerator * other.numerator,
            self.denominator * other.denominator,
        )
    }
}

impl Div for Fraction {
    type Output = Result<Fraction, CalcError>;
    fn div(self, other: Fraction) -> Self::Output {
        Fraction::new(
            self.numerator * other.denominator,
            self.denominator * other.numerator,
        )
    }
}

/// What one input line evaluates to.
enum Outcome {
    Value(Fraction),
    Verdict(bool),
}

fn evaluate(words: &[&str]) -> Result<Outcome, CalcError> {
    match words {
        [left, operator @ ("+" | "-" | "*" | "/" | "<" | "=" | ">"), right] => {
            let (a, b) = (Fraction::parse(left)?, Fraction::parse(right)?);
            Ok(match *operator {
                "+" => Outcome::Value((a + b)?),
                "-" => Outcome::Value((a - b)?),
                "*" => Outcome::Value((a * b)?),
                "/" => Outcome::Value((a / b)?),
                "<" => Outcome::Verdict(a < b),
                "=" => Outcome::Verdict(a == b),
                _ => Outcome::Verdict(b < a),
            })
        }
        [single] => Ok(Outcome::Value(Fraction::parse(single)?)),
        _ => Err(CalcError::Value(
            "expected 'A OP B' or a single number".into(),
        )),
    }
}

fn main() {
    let mut results: Vec<Fraction> = Vec::new();
    for (index, line) in std::io::stdin().lock().lines().enumerate() {
        let line = line.expect("stdin is not valid UTF-8");
        let words: Vec<&str> = line.split_whitespace().collect();
        if words.is_empty() {
            continue;
        }
        let shown = words.join(" ");
        match evaluate(&words) {
            Err(error) => println!("line {}: {error}", index + 1),
            Ok(Outcome::Verdict(verdict)) => println!("{shown} -> {verdict}"),
            Ok(Outcome::Value(result)) => {
                results.push(result);
                println!(
                    "{shown} = {result} ({}, {})",
                    result.mixed(),
                    result.decimal(4)
                );
            }
        }
    }
    if !results.is_empty() {
        let mut sum = Fraction::new(0, 1).ok().expect("non-zero denominator");
        for result in &results {
            sum = (sum + *result).ok().expect("denominators are never zero");
        }
        println!("sum: {sum}");
        results.sort();
        let sorted: Vec<String> = results.iter().map(Fraction::to_string).collect();
        println!("sorted: {}", sorted.join(", "));
    }
}
