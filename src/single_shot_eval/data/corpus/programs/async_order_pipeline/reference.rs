//! Price orders from stdin through a producer/consumer pipeline, then sum per customer.
//! Input lines: ORDER_ID CUSTOMER SKU QUANTITY UNIT_PRICE_CENTS. A producer validates lines and
//! feeds a bounded channel; WORKERS consumers (argv[1], default 3) price the orders (10 or more
//! units: 5% off, rounded half up to a cent). Orders are reported sorted by id and customers
//! alphabetically, so the output does not depend on thread scheduling.
use std::collections::{BTreeSet, HashSet};
use std::io::Read;
use std::process;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;

#[derive(Clone, Debug)]
struct Order {
    order_id: u128,
    customer: String,
    sku: String,
    quantity: u128,
    unit_cents: u128,
}

fn money(cents: u128) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

fn is_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit())
}

/// Validate every line, sending good orders down the channel and returning the rejections.
fn produce(text: &str, sender: mpsc::SyncSender<Order>) -> Vec<String> {
    let mut rejected = Vec::new();
    let mut seen = HashSet::new();
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let parts: Vec<&str> = line.split_whitespace().collect();
        if parts.is_empty() {
            continue;
        }
        if parts.len() != 5
            || ![parts[0], parts[3], parts[4]]
                .iter()
                .all(|part| is_digits(part))
        {
            rejected.push(format!(
                "line {number}: malformed order '{}'",
                parts.join(" ")
            ));
            continue;
        }
        let number_at = |i: usize| parts[i].parse::<u128>().expect("checked digits");
        let order_id = number_at(0);
        if seen.contains(&order_id) {
            rejected.push(format!("line {number}: duplicate order id {order_id}"));
        } else if number_at(3) == 0 {
            rejected.push(format!("line {number}: quantity must be positive"));
        } else {
            seen.insert(order_id);
            let order = Order {
                order_id,
                customer: parts[1].to_string(),
                sku: parts[2].to_string(),
                quantity: number_at(3),
                unit_cents: number_at(4),
            };
            sender.send(order).expect("consumers are alive");
        }
    }
    rejected
}

fn price(order: &Order) -> u128 {
    let gross = order.quantity * order.unit_cents;
    let discount = if order.quantity >= 10 {
        (gross * 5 + 50) / 100
    } else {
        0
    };
    gross - discount
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let workers = match args.as_slice() {
        [] => 3,
        [text] if text.len() == 1 && ("1"..="9").contains(&text.as_str()) => {
            text.parse::<usize>().expect("single digit")
        }
        _ => {
            eprintln!("usage: async_order_pipeline.py [WORKERS 1-9]");
            process::exit(2);
        }
    };
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .expect("stdin is not valid UTF-8");
    let (sender, receiver) = mpsc::sync_channel::<Order>(4);
    let receiver = Arc::new(Mutex::new(receiver));
    let priced: Mutex<Vec<(Order, u128)>> = Mutex::new(Vec::new());
    let rejected = thread::scope(|scope| {
        for _ in 0..workers {
            let receiver = Arc::clone(&receiver);
            let priced = &priced;
            scope.spawn(move || loop {
                let next = receiver.lock().expect("receiver lock poisoned").recv();
                let Ok(order) = next else { break };
                let total = price(&order);
                priced
                    .lock()
                    .expect("results lock poisoned")
                    .push((order, total));
            });
        }
        produce(&text, sender)
    });
    let mut priced = priced.into_inner().expect("results lock poisoned");
    priced.sort_by_key(|(order, _)| order.order_id);
    for (order, total) in &priced {
        println!(
            "order {:>6} {:<8} {:<8} x{:<4} @ {:>7} = {:>9}",
            order.order_id,
            order.customer,
            order.sku,
            order.quantity,
            money(order.unit_cents),
            money(*total)
        );
    }
    let customers: BTreeSet<&str> = priced
        .iter()
        .map(|(order, _)| order.customer.as_str())
        .collect();
    for customer in customers {
        let totals: Vec<u128> = priced
            .iter()
            .filter(|(order, _)| order.customer == customer)
            .map(|(_, total)| *total)
            .collect();
        println!(
            "{customer}: {} order(s), {}",
            totals.len(),
            money(totals.iter().sum())
        );
    }
    println!(
        "grand total: {}",
        money(priced.iter().map(|(_, total)| total).sum())
    );
    for message in rejected {
        println!("rejected {message}");
    }
}
