//! Greatest common divisor and least common multiple of two or more integers.
//!
//! usage: gcd_lcm_calculator N1 N2 [N3 ...]
//!
//! Also shows the Euclid steps for the first pair and, for exactly two numbers,
//! the fraction N1/N2 in lowest terms.

use std::env;
use std::process;

/// Euclid's algorithm, recursively; gcd(a, 0) == a.
fn gcd(a: i128, b: i128) -> i128 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

fn lcm(a: i128, b: i128) -> i128 {
    if a == 0 || b == 0 {
        0
    } else {
        a / gcd(a, b) * b
    }
}

/// Print each division of Euclid's algorithm and return how many there were.
fn euclid_steps(a: i128, b: i128, depth: u32) -> u32 {
    if b == 0 {
        return depth - 1;
    }
    println!("  step {}: {} = {} * {} + {}", depth, a, a / b, b, a % b);
    euclid_steps(b, a % b, depth + 1)
}

/// Python's `int()` accepts `_` between two digits (`1_000`); Rust's `parse` does not, so drop
/// exactly those underscores before parsing.
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

fn parse_int(text: &str) -> i128 {
    python_number(text.trim()).parse().unwrap_or_else(|_| {
        eprintln!("error: '{}' is not an integer", text);
        process::exit(1);
    })
}

fn main() {
    let args: Vec<String> = env::args().skip(1).collect();
    if args.len() < 2 {
        println!("usage: gcd_lcm_calculator.py N1 N2 [N3 ...]");
        return;
    }
    let first = parse_int(&args[0]);
    let second = parse_int(&args[1]);
    println!("Euclid on {} and {}:", first.abs(), second.abs());
    let steps = euclid_steps(first.abs(), second.abs(), 1);
    println!("  ({} division{})", steps, if steps != 1 { "s" } else { "" });

    let mut divisor = first.abs();
    let mut multiple = first.abs();
    for text in &args[1..] {
        let n = parse_int(text).abs();
        divisor = gcd(divisor, n);
        multiple = lcm(multiple, n);
    }
    let count = args.len();
    println!("gcd of {} numbers: {}", count, divisor);
    println!("lcm of {} numbers: {}", count, multiple);

    if count == 2 {
        if second == 0 {
            println!("fraction: undefined (denominator is 0)");
        } else {
            let sign = if (first < 0) != (second < 0) { -1 } else { 1 };
            let numerator = sign * first.abs() / divisor;
            let denominator = second.abs() / divisor;
            let suffix = if divisor == 1 { " (already in lowest terms)" } else { "" };
            println!("fraction: {}/{} = {}/{}{}", first, second, numerator, denominator, suffix);
        }
    } else if divisor == 1 {
        println!("the numbers are coprime as a set");
    }
}
