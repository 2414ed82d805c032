//! Collatz stopping times for a range of numbers, computed by worker threads fed from a channel.
//! Usage: collatz_queue_workers START END [WORKERS]  (inclusive, START >= 1, at most 50000
//! numbers, 1-16 workers, default 4). Results are collected under a mutex and reported sorted,
//! so the output never depends on which thread finished first. Exit 2 on bad arguments.
use std::collections::BTreeMap;
use std::process;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;

/// Steps to reach 1 and the highest value seen on the way (u128: peaks outgrow u64).
fn stopping_time(mut n: u128) -> (u32, u128) {
    let (mut steps, mut peak) = (0, n);
    while n != 1 {
        n = if n % 2 == 0 { n / 2 } else { 3 * n + 1 };
        peak = peak.max(n);
        steps += 1;
    }
    (steps, peak)
}

fn parse_arguments(args: &[String]) -> Result<(u128, u128, usize), String> {
    let all_digits = args
        .iter()
        .all(|arg| !arg.is_empty() && arg.bytes().all(|b| b.is_ascii_digit()));
    if !(2..=3).contains(&args.len()) || !all_digits {
        return Err("usage: collatz_queue_workers.py START END [WORKERS]".to_string());
    }
    let range_error =
        || "need 1 <= START <= END, END - START < 50000, 1 <= WORKERS <= 16".to_string();
    let start: u128 = args[0].parse().map_err(|_| range_error())?;
    let end: u128 = args[1].parse().map_err(|_| range_error())?;
    let workers: usize = match args.get(2) {
        Some(text) => text.parse().unwrap_or(usize::MAX),
        None => 4,
    };
    if !(1 <= start && start <= end) || end - start >= 50_000 || !(1..=16).contains(&workers) {
        return Err(range_error());
    }
    Ok((start, end, workers))
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (start, end, workers) = parse_arguments(&args).unwrap_or_else(|message| {
        println!("error: {message}");
        process::exit(2);
    });
    let (sender, receiver) = mpsc::channel::<u128>();
    let receiver = Arc::new(Mutex::new(receiver));
    let results: Arc<Mutex<BTreeMap<u128, (u32, u128)>>> = Arc::new(Mutex::new(BTreeMap::new()));
    let handles: Vec<_> = (0..workers)
        .map(|_| {
            let receiver = Arc::clone(&receiver);
            let results = Arc::clone(&results);
            thread::spawn(move || loop {
                // The channel closing plays the role of Python's None sentinel.
                let next = receiver.lock().expect("receiver lock poisoned").recv();
                let Ok(n) = next else { break };
                let outcome = stopping_time(n);
                results
                    .lock()
                    .expect("results lock poisoned")
                    .insert(n, outcome);
            })
        })
        .collect();
    for n in start..=end {
        sender.send(n).expect("workers are alive");
    }
    drop(sender);
    for handle in handles {
        handle.join().expect("worker panicked");
    }
    let results = results.lock().expect("results lock poisoned");
    let mut ranked: Vec<(u128, u32, u128)> = results
        .iter()
        .map(|(&n, &(steps, peak))| (n, steps, peak))
        .collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let total_steps: u64 = results.values().map(|&(steps, _)| u64::from(steps)).sum();
    let highest_peak = results
        .values()
        .map(|&(_, peak)| peak)
        .max()
        .expect("range is not empty");
    println!(
        "numbers: {} ({start}..{end}) on {workers} worker(s)",
        results.len()
    );
    println!(
        "average steps: {:.3}",
        total_steps as f64 / results.len() as f64
    );
    println!("highest peak: {highest_peak}");
    println!("longest chains:");
    for (n, steps, peak) in ranked.iter().take(5) {
        println!("  {n:>7} {steps:>4} steps, peak {peak}");
    }
    if end - start < 12 {
        let all: Vec<String> = results
            .iter()
            .map(|(n, (steps, _))| format!("{n}:{steps}"))
            .collect();
        println!("all: {}", all.join(" "));
    }
}
