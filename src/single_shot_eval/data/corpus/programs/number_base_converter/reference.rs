//! Convert integers between number bases 2 to 36.
//!
//! usage: number_base_converter FROM_BASE TO_BASE [NUMBER ...]
//!        (the numbers are read from stdin, whitespace-separated, when none are given)
//!
//! A base is a number or one of bin, oct, dec, hex. Numbers may carry a sign and
//! underscores between digits. Invalid numbers are reported and skipped.

use std::env;
use std::io::{self, Read};
use std::process;

const DIGITS: &str = "0123456789abcdefghijklmnopqrstuvwxyz";

/// A base name or number; anything else is fatal (exit 1, like Python's `int()` error).
fn parse_base(text: &str) -> i64 {
    match text.to_lowercase().as_str() {
        "bin" | "binary" => 2,
        "oct" | "octal" => 8,
        "dec" | "decimal" => 10,
        "hex" | "hexadecimal" => 16,
        _ => text.trim().parse().unwrap_or_else(|_| {
            eprintln!("error: '{}' is not a base", text);
            process::exit(1);
        }),
    }
}

/// The value of `text` in `base`, or the reason it is not a number in that base.
fn from_base(text: &str, base: u32) -> Result<i128, String> {
    let cleaned = text.to_lowercase().replace('_', "");
    let negative = cleaned.starts_with('-');
    let digits = if negative || cleaned.starts_with('+') { &cleaned[1..] } else { &cleaned[..] };
    if digits.is_empty() {
        return Err("no digits".to_string());
    }
    let mut value: i128 = 0;
    for ch in digits.chars() {
        let digit = match DIGITS.find(ch) {
            Some(index) if (index as u32) < base => index as i128,
            _ => return Err(format!("'{}' is not a base-{} digit", ch, base)),
        };
        // Python integers are unbounded; this translation stops at i128.
        value = value
            .checked_mul(base as i128)
            .and_then(|shifted| shifted.checked_add(digit))
            .unwrap_or_else(|| {
                eprintln!("error: '{}' is too large", text);
                process::exit(1);
            });
    }
    Ok(if negative { -value } else { value })
}

fn to_base(value: i128, base: u32) -> String {
    if value == 0 {
        return "0".to_string();
    }
    let digit_chars: Vec<char> = DIGITS.chars().collect();
    let mut remaining = value.unsigned_abs();
    let mut digits = Vec::new();
    while remaining > 0 {
        digits.push(digit_chars[(remaining % base as u128) as usize]);
        remaining /= base as u128;
    }
    if value < 0 {
        digits.push('-');
    }
    digits.iter().rev().collect()
}

fn main() {
    let args: Vec<String> = env::args().collect();
    if args.len() < 3 {
        println!("usage: number_base_converter.py FROM_BASE TO_BASE [NUMBER ...]");
        return;
    }
    let (source, target) = (parse_base(&args[1]), parse_base(&args[2]));
    if !((2..=36).contains(&source) && (2..=36).contains(&target)) {
        println!("bases must be between 2 and 36, got {} and {}", source, target);
        return;
    }
    let (source, target) = (source as u32, target as u32);
    let numbers: Vec<String> = if args.len() > 3 {
        args[3..].to_vec()
    } else {
        let mut input = String::new();
        io::stdin().read_to_string(&mut input).expect("stdin is valid UTF-8");
        input.split_whitespace().map(String::from).collect()
    };
    let mut converted = 0;
    for text in &numbers {
        match from_base(text, source) {
            Err(problem) => println!("{}: skipped, {}", text, problem),
            Ok(value) => {
                println!(
                    "{} (base {}) = {} (base {})",
                    text,
                    source,
                    to_base(value, target),
                    target
                );
                converted += 1;
            }
        }
    }
    println!("{} of {} converted", converted, numbers.len());
}
