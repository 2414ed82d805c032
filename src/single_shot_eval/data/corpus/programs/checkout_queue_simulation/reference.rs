//! Simulate customers queueing at supermarket checkouts, minute by minute.
//!
//! usage: checkout_queue_simulation [LANES] [OPEN_MINUTES] [SEED] [ARRIVAL_PERCENT]
//!        (defaults: 2 lanes, 120 minutes, seed 42, 60% chance of an arrival per minute)
//!
//! Random numbers come from a seeded linear congruential generator, so a run is
//! reproducible. Customers join the shortest queue; after closing time the lanes
//! keep working until every queue is empty.

use std::collections::VecDeque;
use std::env;
use std::process;

/// Linear congruential generator yielding integers in [0, 2**31).
struct Lcg {
    state: i128,
}

impl Iterator for Lcg {
    type Item = i64;

    fn next(&mut self) -> Option<i64> {
        self.state = (self.state * 1_103_515_245 + 12_345).rem_euclid(1 << 31);
        Some(self.state as i64)
    }
}

/// A waiting customer: the minute they joined the queue and how many items they carry.
struct Customer {
    arrived: i64,
    items: i64,
}

fn main() {
    let mut settings = [2i64, 120, 42, 60];
    for (slot, text) in settings.iter_mut().zip(env::args().skip(1)) {
        *slot = text.trim().parse().unwrap_or_else(|_| {
            eprintln!("error: '{}' is not an integer", text);
            process::exit(1);
        });
    }
    let [lanes, open_minutes, seed, arrival_percent] = settings;
    if lanes < 1 || open_minutes < 0 {
        println!("need at least one lane and a non-negative opening time");
        return;
    }
    let lanes = lanes as usize;

    let mut rng = Lcg { state: seed as i128 };
    let mut queues: Vec<VecDeque<Customer>> = (0..lanes).map(|_| VecDeque::new()).collect();
    let mut busy_until = vec![0i64; lanes];
    let mut served = vec![0u64; lanes];
    let mut waits: Vec<i64> = Vec::new();
    let mut longest_queue = 0;
    let mut minute = 0i64;
    loop {
        let queues_waiting = queues.iter().any(|queue| !queue.is_empty());
        let lanes_busy = busy_until.iter().any(|&until| until > minute);
        if !(minute < open_minutes || queues_waiting || lanes_busy) {
            break;
        }
        if minute < open_minutes && (rng.next().unwrap_or(0) >> 16) % 100 < arrival_percent {
            let items = 1 + (rng.next().unwrap_or(0) >> 16) % 30;
            let lane = (0..lanes)
                .min_by_key(|&i| (queues[i].len() + usize::from(busy_until[i] > minute), i))
                .unwrap_or(0);
            queues[lane].push_back(Customer { arrived: minute, items });
        }
        for lane in 0..lanes {
            if busy_until[lane] <= minute {
                if let Some(customer) = queues[lane].pop_front() {
                    waits.push(minute - customer.arrived);
                    busy_until[lane] = minute + 1 + customer.items / 8;
                    served[lane] += 1;
                }
            }
        }
        let current_longest = queues.iter().map(VecDeque::len).max().unwrap_or(0);
        longest_queue = longest_queue.max(current_longest);
        if minute % 30 == 0 && minute > 0 {
            let lengths: Vec<String> = queues.iter().map(|queue| queue.len().to_string()).collect();
            println!("t={:>4}  queues=[{}]", minute, lengths.join(", "));
        }
        minute += 1;
    }

    println!("closed at t={}, last customer done at t={}", open_minutes, minute);
    for (lane, count) in served.iter().enumerate() {
        println!("  lane {}: {} customers", lane + 1, count);
    }
    if waits.is_empty() {
        println!("no customers today");
    } else {
        let average = waits.iter().sum::<i64>() as f64 / waits.len() as f64;
        let longest_wait = waits.iter().max().copied().unwrap_or(0);
        println!(
            "served {}, average wait {:.2} min, longest wait {} min",
            waits.len(),
            average,
            longest_wait
        );
    }
    println!("longest queue: {}", longest_queue);
}
