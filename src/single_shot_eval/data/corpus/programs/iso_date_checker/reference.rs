//! Check ISO dates (YYYY-MM-DD), one per stdin line, and describe the valid ones.
//! Usage: iso_date_checker [--min-year N]. Exit 0 when every date is valid, 2 otherwise.
use std::fmt;
use std::io::BufRead;
use std::process;

const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS_IN_MONTH: [i64; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

enum DateError {
    /// The text does not look like YYYY-MM-DD at all.
    Format(String),
    /// The text is well formed but names a day that does not exist (or is too early).
    Range(String),
}

impl fmt::Display for DateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DateError::Format(message) => write!(f, "format error: {message}"),
            DateError::Range(message) => write!(f, "range error: {message}"),
        }
    }
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn parse_date(text: &str, min_year: u128) -> Result<(i64, i64, i64), DateError> {
    let bytes = text.as_bytes();
    let well_formed = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && [0, 1, 2, 3, 5, 6, 8, 9]
            .iter()
            .all(|&i| bytes[i].is_ascii_digit());
    if !well_formed {
        return Err(DateError::Format(format!(
            "'{text}' is not in YYYY-MM-DD form"
        )));
    }
    let number = |range: std::ops::Range<usize>| -> i64 {
        text[range].parse().expect("four or two ASCII digits")
    };
    let (year, month, day) = (number(0..4), number(5..7), number(8..10));
    if (year as u128) < min_year {
        return Err(DateError::Range(format!(
            "year {year} is before {min_year}"
        )));
    }
    if !(1..=12).contains(&month) {
        return Err(DateError::Range(format!("month {month} does not exist")));
    }
    let month_index = (month - 1) as usize;
    let last_day = if month == 2 && is_leap(year) {
        29
    } else {
        DAYS_IN_MONTH[month_index]
    };
    if !(1..=last_day).contains(&day) {
        return Err(DateError::Range(format!(
            "{} {year} has {last_day} days, not {day}",
            MONTHS[month_index]
        )));
    }
    Ok((year, month, day))
}

/// Days from 1970-01-01 (negative before it), by Howard Hinnant's civil-date algorithm.
/// Uses floor division, like Python's `//`, because the shifted year can be negative.
fn days_since_epoch(year: i64, month: i64, day: i64) -> i64 {
    let shifted_year = if month <= 2 { year - 1 } else { year };
    let era = shifted_year.div_euclid(400);
    let year_of_era = shifted_year - era * 400;
    let day_of_year = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146097 + day_of_era - 719468
}

fn parse_min_year(args: &[String]) -> Option<u128> {
    match args {
        [] => Some(1),
        [flag, value] if flag == "--min-year" && !value.is_empty() => {
            if value.bytes().all(|byte| byte.is_ascii_digit()) {
                value.parse().ok()
            } else {
                None
            }
        }
        _ => None,
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(min_year) = parse_min_year(&args) else {
        eprintln!("usage: iso_date_checker.py [--min-year N]");
        process::exit(1);
    };
    let mut valid: Vec<i64> = Vec::new();
    let mut invalid = 0;
    for (index, line) in std::io::stdin().lock().lines().enumerate() {
        let line = line.expect("stdin is not valid UTF-8");
        let text = line.trim();
        if text.is_empty() {
            continue;
        }
        match parse_date(text, min_year) {
            Err(error) => {
                invalid += 1;
                println!("line {}: {error}", index + 1);
            }
            Ok((year, month, day)) => {
                let days = days_since_epoch(year, month, day);
                let weekday = (days + 3).rem_euclid(7) as usize;
                let day_number = days - days_since_epoch(year, 1, 1) + 1;
                println!(
                    "{text}: {}, day {day_number} of {year}, epoch day {days}",
                    WEEKDAYS[weekday]
                );
                valid.push(days);
            }
        }
    }
    println!("valid: {}, invalid: {invalid}", valid.len());
    if let (Some(first), Some(last)) = (valid.iter().min(), valid.iter().max()) {
        if valid.len() >= 2 {
            println!("span: {} days", last - first);
        }
    }
    if invalid > 0 {
        process::exit(2);
    }
}
