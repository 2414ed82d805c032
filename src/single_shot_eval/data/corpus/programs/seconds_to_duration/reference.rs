//! Turn a number of seconds into a readable duration.
//!
//! usage: seconds_to_duration SECONDS
//!        (or the number on standard input when no argument is given)
//!
//! Prints a compact clock form (e.g. "1d 02:03:04") and a spelled-out form
//! (e.g. "1 day, 2 hours, 3 minutes and 4 seconds").

use std::env;
use std::io::{self, Read};
use std::process;

/// "1 minute" or "3 minutes".
fn count_noun(count: i64, noun: &str) -> String {
    format!("{} {}{}", count, noun, if count != 1 { "s" } else { "" })
}

/// Format an integer with commas between groups of three digits, like Python's `{:,}`.
fn with_thousands_separators(value: i64) -> String {
    let digits = value.unsigned_abs().to_string();
    let mut grouped = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    if value < 0 {
        format!("-{}", grouped)
    } else {
        grouped
    }
}

fn main() {
    let raw = match env::args().nth(1) {
        Some(arg) => arg,
        None => {
            let mut text = String::new();
            io::stdin().read_to_string(&mut text).expect("stdin is readable");
            text
        }
    };
    let total: i64 = match raw.trim().replace(',', "").parse() {
        Ok(number) => number,
        Err(_) => {
            eprintln!("error: '{}' is not a whole number of seconds", raw.trim());
            process::exit(1);
        }
    };
    let sign = if total < 0 { "-" } else { "" };
    let remaining = total.abs();

    let days = remaining / 86400;
    let hours = remaining % 86400 / 3600;
    let minutes = remaining % 3600 / 60;
    let seconds = remaining % 60;

    let mut clock = format!("{:02}:{:02}:{:02}", hours, minutes, seconds);
    if days > 0 {
        clock = format!("{}d {}", days, clock);
    }
    println!("Clock:  {}{}", sign, clock);

    // Largest unit first; only non-zero units, except "0 seconds" for a zero duration.
    let mut parts: Vec<String> = Vec::new();
    for (count, noun) in [(days, "day"), (hours, "hour"), (minutes, "minute")] {
        if count != 0 {
            parts.push(count_noun(count, noun));
        }
    }
    if seconds != 0 || remaining == 0 {
        parts.push(count_noun(seconds, "second"));
    }
    let words = match parts.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {}", rest.join(", "), last),
        _ => parts.join(""),
    };
    println!("Words:  {}{}", if sign.is_empty() { "" } else { "minus " }, words);
    println!(
        "Total:  {} seconds = {:.2} hours",
        with_thousands_separators(total),
        total as f64 / 3600.0
    );
}
