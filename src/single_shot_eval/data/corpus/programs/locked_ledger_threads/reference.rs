//! Apply ledger entries ("ACCOUNT AMOUNT" per stdin line) with several threads sharing a lock.
//! Usage: locked_ledger_threads [THREADS]  (1-8, default 3). Line i goes to thread
//! (i - 1) % THREADS. Balances are sums, so the final state does not depend on thread timing;
//! everything is printed sorted. Exit 3 when any entry was rejected.
use std::collections::{BTreeMap, HashMap};
use std::io::BufRead;
use std::process;
use std::sync::Mutex;
use std::thread;

#[derive(Default)]
struct LedgerState {
    balances: HashMap<String, i128>,
    rejected: Vec<(usize, String)>,
    applied: HashMap<usize, usize>,
}

/// Signed decimal amount with at most two decimals, e.g. "+3000.5" or "-12".
fn parse_cents(text: &str) -> Result<i128, String> {
    let bad = || format!("bad amount '{text}'");
    let (negative, unsigned) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((whole, fraction)) if (1..=2).contains(&fraction.len()) => (whole, fraction),
        Some(_) => return Err(bad()),
        None => (unsigned, "0"),
    };
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || !digits(fraction) {
        return Err(bad());
    }
    let whole: i128 = whole.parse().map_err(|_| bad())?;
    let fraction: i128 = format!("{fraction:0<2}").parse().map_err(|_| bad())?;
    let cents = whole * 100 + fraction;
    Ok(if negative { -cents } else { cents })
}

fn apply(state: &Mutex<LedgerState>, worker: usize, number: usize, line: &str) {
    let parts: Vec<&str> = line.split_whitespace().collect();
    let parsed = if parts.len() != 2 {
        Err(format!(
            "expected ACCOUNT AMOUNT, got {} field(s)",
            parts.len()
        ))
    } else {
        parse_cents(parts[1])
    };
    let mut state = state.lock().expect("ledger lock poisoned");
    match parsed {
        Ok(cents) => {
            *state.balances.entry(parts[0].to_string()).or_insert(0) += cents;
            *state.applied.entry(worker).or_insert(0) += 1;
        }
        Err(reason) => state.rejected.push((number, reason)),
    }
}

fn format_cents(cents: i128) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", cents.abs() / 100, cents.abs() % 100)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let workers: usize = match args.as_slice() {
        [] => 3,
        [text] if text.len() == 1 && ("1"..="8").contains(&text.as_str()) => {
            text.parse().expect("single digit")
        }
        _ => {
            eprintln!("usage: locked_ledger_threads.py [THREADS 1-8]");
            process::exit(2);
        }
    };
    let entries: Vec<(usize, String)> = std::io::stdin()
        .lock()
        .lines()
        .map(|line| line.expect("stdin is not valid UTF-8"))
        .enumerate()
        .map(|(index, line)| (index + 1, line))
        .filter(|(_, line)| !line.trim().is_empty())
        .collect();
    let state = Mutex::new(LedgerState::default());
    thread::scope(|scope| {
        for worker in 0..workers {
            let (entries, state) = (&entries, &state);
            scope.spawn(move || {
                for (number, line) in entries.iter().skip(worker).step_by(workers) {
                    apply(state, worker, *number, line);
                }
            });
        }
    });
    let mut state = state.into_inner().expect("ledger lock poisoned");
    for worker in 0..workers {
        let applied = state.applied.get(&worker).copied().unwrap_or(0);
        println!("thread {worker}: {applied} entries applied");
    }
    let balances: BTreeMap<&String, &i128> = state.balances.iter().collect();
    for (account, cents) in &balances {
        println!("{account:<12} {:>12}", format_cents(**cents));
    }
    println!(
        "{:<12} {:>12}",
        "net",
        format_cents(state.balances.values().sum())
    );
    state.rejected.sort();
    for (number, reason) in &state.rejected {
        println!("rejected line {number}: {reason}");
    }
    if !state.rejected.is_empty() {
        process::exit(3);
    }
}
