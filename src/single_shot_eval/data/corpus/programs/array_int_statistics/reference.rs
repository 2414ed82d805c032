//! Summary statistics and a histogram of 32-bit integers read from stdin, kept in a Vec<i32>.
//! Usage: array_int_statistics [BINS]  (histogram bins 1-20, default 5). Every value must fit
//! a signed 32-bit int (exit 3 otherwise); a token that is not an integer exits 2. Also shows
//! the raw bytes of the first values in native and swapped byte order.
use std::io::Read;
use std::process;

/// How a token fails Python's `int()` followed by `array('i').append`.
enum TokenError {
    NotInteger,
    Overflow,
}

/// Python's `int(token)` (sign, ASCII digits, single underscores between digits) checked
/// against the i32 range.
fn parse_i32(token: &str) -> Result<i32, TokenError> {
    let unsigned = token.strip_prefix(['+', '-']).unwrap_or(token);
    let well_formed = !unsigned.is_empty()
        && unsigned
            .split('_')
            .all(|group| !group.is_empty() && group.bytes().all(|b| b.is_ascii_digit()));
    if !well_formed {
        return Err(TokenError::NotInteger);
    }
    let value: i128 = token
        .replace('_', "")
        .parse()
        .map_err(|_| TokenError::Overflow)?;
    i32::try_from(value).map_err(|_| TokenError::Overflow)
}

fn hex_bytes(values: &[i32], swapped: bool) -> String {
    values
        .iter()
        .flat_map(|value| if swapped { value.swap_bytes() } else { *value }.to_ne_bytes())
        .map(|byte| format!("{byte:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn main() {
    let bins: usize = match std::env::args().nth(1) {
        Some(text) => match text.trim().parse::<i64>() {
            Ok(bins) if (1..=20).contains(&bins) => bins as usize,
            Ok(_) => {
                eprintln!("BINS must be between 1 and 20");
                process::exit(1);
            }
            Err(_) => {
                eprintln!("invalid literal for int() with base 10: '{text}'");
                process::exit(1);
            }
        },
        None => 5,
    };
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .expect("stdin is not valid UTF-8");
    let mut values: Vec<i32> = Vec::new();
    for (index, token) in text.split_whitespace().enumerate() {
        match parse_i32(token) {
            Ok(value) => values.push(value),
            Err(TokenError::NotInteger) => {
                println!("error: token {} '{token}' is not an integer", index + 1);
                process::exit(2);
            }
            Err(TokenError::Overflow) => {
                println!(
                    "error: token {} ({token}) does not fit in 32 bits",
                    index + 1
                );
                process::exit(3);
            }
        }
    }
    if values.is_empty() {
        println!("no values");
        return;
    }
    let mut ordered = values.clone();
    ordered.sort_unstable();
    let (min, max) = (i64::from(ordered[0]), i64::from(ordered[ordered.len() - 1]));
    let middle = ordered.len() / 2;
    // Python prints an int for odd counts and a float (e.g. "3.0", "2.5") for even ones.
    let median = if ordered.len() % 2 == 1 {
        ordered[middle].to_string()
    } else {
        format!(
            "{:?}",
            (f64::from(ordered[middle - 1]) + f64::from(ordered[middle])) / 2.0
        )
    };
    let sum: i64 = values.iter().map(|&v| i64::from(v)).sum();
    println!(
        "count: {}  sum: {sum}  min: {min}  max: {max}",
        values.len()
    );
    println!(
        "mean: {:.3}  median: {median}",
        sum as f64 / values.len() as f64
    );
    let jumps: Vec<i64> = values
        .windows(2)
        .map(|pair| i64::from(pair[1]) - i64::from(pair[0]))
        .collect();
    if !jumps.is_empty() {
        // Python's max(key=abs) keeps the first of equal candidates.
        let mut biggest = 0;
        for (index, jump) in jumps.iter().enumerate() {
            if jump.abs() > jumps[biggest].abs() {
                biggest = index;
            }
        }
        println!(
            "largest jump: {:+} between items {} and {}",
            jumps[biggest],
            biggest + 1,
            biggest + 2
        );
    }
    let width = (max - min) as f64 / bins as f64;
    let mut counts = vec![0_usize; bins];
    for &value in &values {
        let bin = if width != 0.0 {
            ((((i64::from(value) - min) as f64) / width) as usize).min(bins - 1)
        } else {
            0
        };
        counts[bin] += 1;
    }
    for (index, count) in counts.iter().enumerate() {
        let low = min as f64 + width * index as f64;
        let closing = if index == bins - 1 { ']' } else { ')' };
        // Python's round() sends halves to the even neighbour.
        let bar_length = (40.0 * *count as f64 / values.len() as f64).round_ties_even() as usize;
        println!(
            "  [{low:>14.2}, {:>14.2}{closing} {count:>4} {}",
            low + width,
            "#".repeat(bar_length)
        );
    }
    let head = &values[..values.len().min(4)];
    let byte_order = if cfg!(target_endian = "little") {
        "little"
    } else {
        "big"
    };
    println!("bytes ({byte_order}-endian): {}", hex_bytes(head, false));
    println!("bytes (swapped):        {}", hex_bytes(head, true));
}
