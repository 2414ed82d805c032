//! List the prime numbers in an inclusive range, ten per line, with a short summary.
//!
//! usage: primes_in_range LOW HIGH
//! The summary gives the count, the number of twin-prime pairs (p, p + 2) and the
//! largest gap between consecutive primes found in the range.

use std::env;
use std::process;

/// Trial division by 2 and the odd numbers up to the square root of n.
fn is_prime(n: i64) -> bool {
    if n < 2 {
        return false;
    }
    if n < 4 {
        return true;
    }
    if n % 2 == 0 {
        return false;
    }
    let mut divisor = 3;
    while divisor * divisor <= n {
        if n % divisor == 0 {
            return false;
        }
        divisor += 2;
    }
    true
}

/// Parse argument `index` as an integer or exit with status 1, like Python's `int()` error.
fn int_arg(args: &[String], index: usize) -> i64 {
    match args.get(index).map(|text| python_int_text(text).parse::<i64>()) {
        Some(Ok(value)) => value,
        _ => {
            eprintln!("usage: primes_in_range LOW HIGH (two integers)");
            process::exit(1);
        }
    }
}

fn main() {
    let args: Vec<String> = env::args().collect();
    let low = int_arg(&args, 1);
    let high = int_arg(&args, 2);
    if low > high {
        println!("empty range: {} > {}", low, high);
        return;
    }

    let mut count = 0u64;
    let mut twins = 0u64;
    let mut largest_gap = 0i64;
    let mut previous: Option<i64> = None;
    let mut line = String::new();
    for n in low..=high {
        if !is_prime(n) {
            continue;
        }
        count += 1;
        line.push_str(&format!("{:>7}", n));
        if count % 10 == 0 {
            println!("{}", line);
            line.clear();
        }
        if let Some(prev) = previous {
            if n - prev == 2 {
                twins += 1;
            }
            largest_gap = largest_gap.max(n - prev);
        }
        previous = Some(n);
    }
    if !line.is_empty() {
        println!("{}", line);
    }

    let size = high - low + 1;
    println!(
        "{} primes in [{}, {}] ({:.1}% of {} numbers)",
        count,
        low,
        high,
        100.0 * count as f64 / size as f64,
        size
    );
    if count > 1 {
        println!("twin pairs: {}, largest gap: {}", twins, largest_gap);
    } else if let (1, Some(only)) = (count, previous) {
        println!("only prime: {}", only);
    }
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
