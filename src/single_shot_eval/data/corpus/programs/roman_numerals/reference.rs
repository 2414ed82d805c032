//! Convert between Arabic numbers and Roman numerals, in both directions.
//!
//! usage: roman_numerals VALUE [VALUE ...]   (or whitespace-separated values on stdin)
//!
//! Each VALUE made of digits is written as a Roman numeral (1-3999); anything else
//! is read as a Roman numeral and checked for canonical form (e.g. "IIII" and "IC"
//! are rejected). A total of all valid values closes the output.

use std::env;
use std::io::{self, Read};

const NUMERALS: [(u64, &str); 13] = [
    (1000, "M"),
    (900, "CM"),
    (500, "D"),
    (400, "CD"),
    (100, "C"),
    (90, "XC"),
    (50, "L"),
    (40, "XL"),
    (10, "X"),
    (9, "IX"),
    (5, "V"),
    (4, "IV"),
    (1, "I"),
];

fn to_roman(mut number: u64) -> String {
    let mut roman = String::new();
    for (value, symbol) in NUMERALS {
        roman.push_str(&symbol.repeat((number / value) as usize));
        number %= value;
    }
    roman
}

fn symbol_value(symbol: char) -> Option<u64> {
    NUMERALS
        .iter()
        .find(|(_, text)| text.len() == 1 && text.starts_with(symbol))
        .map(|(value, _)| *value)
}

/// Value of a canonical Roman numeral, or None when `text` is not one.
fn from_roman(text: &str) -> Option<u64> {
    let text = text.to_uppercase();
    let values: Vec<u64> = text.chars().map(symbol_value).collect::<Option<_>>()?;
    if values.is_empty() {
        return None;
    }
    let mut total: i64 = 0;
    for (index, &value) in values.iter().enumerate() {
        let next = values.get(index + 1).copied().unwrap_or(0);
        if value < next {
            total -= value as i64;
        } else {
            total += value as i64;
        }
    }
    if total > 0 && total < 4000 && to_roman(total as u64) == text {
        Some(total as u64)
    } else {
        None
    }
}

fn main() {
    let mut values: Vec<String> = env::args().skip(1).collect();
    if values.is_empty() {
        let mut input = String::new();
        io::stdin().read_to_string(&mut input).expect("stdin is valid UTF-8");
        values = input.split_whitespace().map(String::from).collect();
    }

    let mut valid: Vec<u64> = Vec::new();
    for raw in &values {
        let is_number = !raw.is_empty() && raw.chars().all(|ch| ch.is_ascii_digit());
        let (number, result) = if is_number {
            // Digits too long for u64 are certainly out of range.
            match raw.parse::<u64>().ok().filter(|n| (1..=3999).contains(n)) {
                Some(n) => (Some(n), to_roman(n)),
                None => (None, "out of range (1-3999)".to_string()),
            }
        } else {
            match from_roman(raw) {
                Some(n) => (Some(n), n.to_string()),
                None => (None, "not a valid Roman numeral".to_string()),
            }
        };
        valid.extend(number);
        println!("{:>12} -> {}", raw, result);
    }
    if valid.is_empty() {
        println!("no valid values");
    } else {
        let total: u64 = valid.iter().sum();
        let in_roman = if total <= 3999 { to_roman(total) } else { "too large".to_string() };
        println!("{} valid, total {} = {}", valid.len(), total, in_roman);
    }
}
