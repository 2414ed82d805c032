//! Print a year-by-year amortization summary for a fixed-rate loan.
//!
//! usage: loan_amortization PRINCIPAL ANNUAL_RATE_PERCENT YEARS [EXTRA_PER_MONTH]
//!
//! Payments are monthly. An optional extra amount paid every month shortens the
//! loan; the program then reports when it is paid off and the interest saved.

use std::env;
use std::process;

const PERIODS_PER_YEAR: f64 = 12.0;

fn monthly_rate(annual_rate_percent: f64) -> f64 {
    annual_rate_percent / 100.0 / PERIODS_PER_YEAR
}

/// Standard annuity formula; a zero rate simply spreads the principal evenly.
fn monthly_payment(principal: f64, annual_rate_percent: f64, months: i64) -> f64 {
    let rate = monthly_rate(annual_rate_percent);
    if rate == 0.0 {
        return principal / months as f64;
    }
    let base = 1.0 + rate;
    let growth = base.powf(months as f64);
    if growth.is_infinite() && base.is_finite() {
        // Python's float ** int raises instead of overflowing to infinity.
        eprintln!("OverflowError: (34, 'Numerical result out of range')");
        std::process::exit(1);
    }
    principal * rate * growth / (growth - 1.0)
}

/// Dollar amount with two decimals and comma-separated thousands, e.g. `$12,345.60`.
fn money(amount: f64) -> String {
    if !amount.is_finite() {
        // Python formats these as `inf`, `-inf` and `nan`, with no decimals.
        let word = if amount.is_nan() { "nan" } else if amount > 0.0 { "inf" } else { "-inf" };
        return format!("${word}");
    }
    let fixed = format!("{:.2}", amount);
    let (sign, unsigned) = match fixed.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", fixed.as_str()),
    };
    let (whole, cents) = unsigned.split_once('.').unwrap_or((unsigned, "00"));
    let mut grouped = String::new();
    for (index, digit) in whole.chars().enumerate() {
        if index > 0 && (whole.len() - index) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("${}{}.{}", sign, grouped, cents)
}

/// Interest paid over the whole loan, month by month, with an optional extra payment.
fn total_interest(principal: f64, annual_rate_percent: f64, months: i64, extra: f64) -> f64 {
    let rate = monthly_rate(annual_rate_percent);
    let payment = monthly_payment(principal, annual_rate_percent, months);
    let mut balance = principal;
    let mut interest_paid = 0.0;
    for _ in 0..months {
        if balance > 0.0 {
            let interest = balance * rate;
            // Not `f64::min`: with a NaN part Python's `if part > balance` keeps the NaN.
            let part = payment + extra - interest;
            let principal_part = if part > balance { balance } else { part };
            interest_paid += interest;
            balance -= principal_part;
        }
    }
    interest_paid
}

/// Parse argument `index` or exit with status 1, as the Python original does on bad input.
fn parse_arg<T: std::str::FromStr>(args: &[String], index: usize) -> T {
    match args.get(index).map(|text| python_number_text(text).parse::<T>()) {
        Some(Ok(value)) => value,
        _ => {
            eprintln!("usage: loan_amortization PRINCIPAL ANNUAL_RATE_PERCENT YEARS [EXTRA]");
            process::exit(1);
        }
    }
}

fn main() {
    let args: Vec<String> = env::args().collect();
    let principal: f64 = parse_arg(&args, 1);
    let annual_rate: f64 = parse_arg(&args, 2);
    let years: i64 = parse_arg(&args, 3);
    let extra: f64 = if args.len() > 4 { parse_arg(&args, 4) } else { 0.0 };
    if principal <= 0.0 || years <= 0 || annual_rate < 0.0 || extra < 0.0 {
        println!("error: principal and years must be positive, rates and extras not negative");
        return;
    }

    let months = years * 12;
    let rate = monthly_rate(annual_rate);
    let payment = monthly_payment(principal, annual_rate, months);
    let extra_note = if extra > 0.0 {
        format!(" + {} extra", money(extra))
    } else {
        String::new()
    };
    println!("Loan {} at {:.2}% over {} years", money(principal), annual_rate, years);
    println!("Monthly payment: {}{}", money(payment), extra_note);
    println!();
    println!("{:>4}  {:>12}  {:>12}  {:>14}", "Year", "Interest", "Principal", "Balance");

    let mut balance = principal;
    let mut year_interest = 0.0;
    let mut year_principal = 0.0;
    let mut paid_off_month = 0;
    for month in 1..=months {
        if balance > 0.0 {
            let interest = balance * rate;
            // Not `f64::min`: with a NaN part Python's `if part > balance` keeps the NaN.
            let part = payment + extra - interest;
            let principal_part = if part > balance { balance } else { part };
            balance -= principal_part;
            year_interest += interest;
            year_principal += principal_part;
            if balance <= 0.005 && paid_off_month == 0 {
                paid_off_month = month;
            }
        }
        if month % 12 == 0 && (year_interest > 0.0 || year_principal > 0.0) {
            println!(
                "{:>4}  {:>12}  {:>12}  {:>14}",
                month / 12,
                money(year_interest),
                money(year_principal),
                money(balance)
            );
            year_interest = 0.0;
            year_principal = 0.0;
        }
    }

    let plain_interest = total_interest(principal, annual_rate, months, 0.0);
    let interest_with_extra = total_interest(principal, annual_rate, months, extra);
    println!();
    println!("Total interest: {}", money(interest_with_extra));
    if extra > 0.0 && paid_off_month < months {
        println!(
            "Paid off after {} months, saving {} in interest",
            paid_off_month,
            money(plain_interest - interest_with_extra)
        );
    }
}

/// The text Python's `int()` and `float()` read: surrounding whitespace dropped and single `_`
/// between digits removed; an underscore anywhere else stays, so that parsing fails as in Python.
fn python_number_text(text: &str) -> String {
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
