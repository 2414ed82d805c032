//! Split a restaurant bill, tip included, between several people.
//!
//! Reads three lines from standard input: the bill amount, the tip percentage
//! (empty line = 15) and the number of people. Prints the tip, the total and
//! each person's share, plus the share rounded up to a whole unit of currency.

use std::io::{self, BufRead, Write};
use std::process;

/// Print `prompt` without a newline (like Python's `input(prompt)`) and read one line.
/// End of input is fatal: exit with status 1 like Python's uncaught `EOFError`.
fn prompt_line(prompt: &str, lines: &mut impl Iterator<Item = io::Result<String>>) -> String {
    print!("{}", prompt);
    io::stdout().flush().expect("stdout is writable");
    match lines.next() {
        Some(Ok(line)) => line,
        _ => {
            eprintln!("error: unexpected end of input");
            process::exit(1);
        }
    }
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

/// Exit with status 1 when a number cannot be parsed (Python raises `ValueError`).
fn fail_not_a_number(text: &str) -> ! {
    eprintln!("error: '{}' is not a number", text);
    process::exit(1);
}

fn main() {
    let stdin = io::stdin();
    let mut lines = stdin.lock().lines();

    let bill_text = prompt_line("Bill amount: ", &mut lines);
    let bill: f64 = python_number(bill_text.trim().trim_start_matches('$'))
        .parse()
        .unwrap_or_else(|_| fail_not_a_number(&bill_text));
    let tip_line = prompt_line("Tip % [15]: ", &mut lines);
    let tip_text = tip_line.trim().trim_end_matches('%');
    let tip_percent: f64 = if tip_text.is_empty() {
        15.0
    } else {
        python_number(tip_text).parse().unwrap_or_else(|_| fail_not_a_number(tip_text))
    };
    let people_text = prompt_line("People: ", &mut lines);
    let people: i64 = python_number(people_text.trim())
        .parse()
        .unwrap_or_else(|_| fail_not_a_number(&people_text));
    println!();

    if bill < 0.0 || tip_percent < 0.0 {
        println!("error: amounts cannot be negative");
    } else if people < 1 {
        println!("error: at least one person must pay");
    } else {
        let tip = bill * tip_percent / 100.0;
        let total = bill + tip;
        let share = total / people as f64;
        let whole_share = share.trunc();
        let share_rounded_up = whole_share as i64 + if share > whole_share { 1 } else { 0 };
        println!("Bill:      {:>9.2}", bill);
        let tip_label = format!("Tip {:.1}%:", tip_percent);
        println!("{:<11}{:>9.2}", tip_label, tip);
        println!("Total:     {:>9.2}", total);
        println!("{}", "-".repeat(20));
        let label = if people == 1 { "person" } else { "people" };
        println!("Split between {} {}: {:.2} each", people, label, share);
        println!(
            "Rounded up: {} each, {:.2} extra",
            share_rounded_up,
            (share_rounded_up * people) as f64 - total
        );
    }
}
