//! Print a table of Fibonacci numbers with their digit counts and successive ratios.
//!
//! usage: fibonacci_table COUNT [START] [--hex]
//!
//! Rows START .. START+COUNT-1 are printed (START defaults to 0). Indexes above
//! 180 are refused to keep the table readable. The ratio column converges on the
//! golden ratio; --hex shows the numbers in hexadecimal.

use std::env;
use std::process;

const MAX_INDEX: i64 = 180;

/// F(0) ..= F(last); u128 holds every value up to F(186).
fn fibonacci_numbers(last: usize) -> Vec<u128> {
    let mut numbers: Vec<u128> = vec![0, 1];
    while numbers.len() <= last {
        let next = numbers[numbers.len() - 1] + numbers[numbers.len() - 2];
        numbers.push(next);
    }
    numbers
}

/// Decimal with comma-separated thousands, like Python's `{:,}`.
fn with_commas(value: u128) -> String {
    let digits = value.to_string();
    let mut grouped = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

fn parse_int(text: &str) -> i64 {
    python_int_text(text).parse().unwrap_or_else(|_| {
        eprintln!("error: '{}' is not an integer", text);
        process::exit(1);
    })
}

fn main() {
    let args: Vec<String> = env::args().collect();
    let count = match args.get(1) {
        Some(text) => parse_int(text),
        None => {
            eprintln!("usage: fibonacci_table COUNT [START] [--hex]");
            process::exit(1);
        }
    };
    let start = match args.get(2) {
        Some(text) if text != "--hex" => parse_int(text),
        _ => 0,
    };
    let hex_mode = args.last().map(String::as_str) == Some("--hex");
    let end = start + count - 1;
    if count < 1 || start < 0 {
        println!("COUNT must be positive and START not negative");
        return;
    }
    if end > MAX_INDEX {
        println!("index {} is too large (maximum {})", end, MAX_INDEX);
        return;
    }

    let (start, end) = (start as usize, end as usize);
    let fib = fibonacci_numbers(end + 2);
    let show = |value: u128| {
        if hex_mode {
            format!("{:#x}", value)
        } else {
            with_commas(value)
        }
    };
    let ratio = |n: usize| {
        if n >= 2 {
            fib[n] as f64 / fib[n - 1] as f64
        } else {
            0.0
        }
    };

    let width = show(fib[end]).len();
    println!("{:>4}  {:>width$}  {:>6}  {:>10}", "n", "F(n)", "digits", "ratio", width = width);
    let mut even = 0;
    for n in start..=end {
        let value = fib[n];
        if value % 2 == 0 {
            even += 1;
        }
        println!(
            "{:>4}  {:>width$}  {:>6}  {:>10.8}",
            n,
            show(value),
            value.to_string().len(),
            ratio(n),
            width = width
        );
    }
    println!(
        "{} of {} values are even; sum = {}",
        even,
        count,
        show(fib[end + 2] - fib[start + 1])
    );
}

/// The text Python's `int()` reads: surrounding whitespace dropped and single `_` between digits
/// removed; an underscore anywhere else stays, so that parsing fails as `int()` does.
fn python_int_text(text: &str) -> String {
    let trimmed = text.trim();
    let chars: Vec<char> = trimmed.chars().collect();
    let separators_ok = chars.iter().enumerate().all(|(i, &c)| {
        c != '_'
            || (i > 0
                && i + 1 < chars.len()
                && chars[i - 1].is_ascii_digit()
                && chars[i + 1].is_ascii_digit())
    });
    if separators_ok {
        trimmed.replace('_', "")
    } else {
        trimmed.to_string()
    }
}
