//! Measure what memoization saves on recursive functions.
//! Usage: memoized_call_counter fib N | stairs N (1-3 steps at a time) | binomial N K |
//! partitions N. An `Instrumented` wrapper counts calls, cache hits and recursion depth; each
//! function runs memoized, and also plain when N <= 20 (the plain call count grows exponentially).
use std::collections::HashMap;
use std::process;

type Args = (i64, i64);

/// Call statistics and the optional cache of one recursive function.
struct Instrumented {
    memoize: bool,
    cache: HashMap<Args, u128>,
    calls: u64,
    hits: u64,
    depth: u32,
    max_depth: u32,
}

impl Instrumented {
    fn new(memoize: bool) -> Self {
        Instrumented {
            memoize,
            cache: HashMap::new(),
            calls: 0,
            hits: 0,
            depth: 0,
            max_depth: 0,
        }
    }

    /// Every call, including cache hits, counts and deepens the recursion by one level.
    fn call(&mut self, function: fn(&mut Instrumented, Args) -> u128, args: Args) -> u128 {
        self.calls += 1;
        self.depth += 1;
        self.max_depth = self.max_depth.max(self.depth);
        let result = match self.cache.get(&args) {
            Some(&cached) if self.memoize => {
                self.hits += 1;
                cached
            }
            _ => {
                let result = function(self, args);
                if self.memoize {
                    self.cache.insert(args, result);
                }
                result
            }
        };
        self.depth -= 1;
        result
    }
}

fn fib(stats: &mut Instrumented, (n, _): Args) -> u128 {
    if n < 2 {
        n as u128
    } else {
        stats.call(fib, (n - 1, 0)) + stats.call(fib, (n - 2, 0))
    }
}

fn stairs(stats: &mut Instrumented, (n, _): Args) -> u128 {
    match n {
        0 => 1,
        n if n < 0 => 0,
        n => {
            stats.call(stairs, (n - 1, 0))
                + stats.call(stairs, (n - 2, 0))
                + stats.call(stairs, (n - 3, 0))
        }
    }
}

fn binomial(stats: &mut Instrumented, (n, k): Args) -> u128 {
    if k < 0 || k > n {
        0
    } else if k == 0 || k == n {
        1
    } else {
        stats.call(binomial, (n - 1, k - 1)) + stats.call(binomial, (n - 1, k))
    }
}

fn partitions(stats: &mut Instrumented, (n, largest): Args) -> u128 {
    if n == 0 {
        1
    } else if n < 0 || largest == 0 {
        0
    } else {
        stats.call(partitions, (n, largest - 1)) + stats.call(partitions, (n - largest, largest))
    }
}

fn usage() -> ! {
    println!("usage: memoized_call_counter.py fib|stairs|partitions N | binomial N K  (N <= 120)");
    process::exit(2);
}

fn main() {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let Some((name, numbers)) = argv.split_first() else {
        usage()
    };
    let (function, arity): (fn(&mut Instrumented, Args) -> u128, usize) = match name.as_str() {
        "fib" => (fib, 1),
        "stairs" => (stairs, 1),
        "binomial" => (binomial, 2),
        "partitions" => (partitions, 1),
        _ => usage(),
    };
    let valid = |text: &String| {
        !text.is_empty()
            && text.bytes().all(|b| b.is_ascii_digit())
            && text.parse::<i64>().is_ok_and(|n| n <= 120)
    };
    if numbers.len() != arity || !numbers.iter().all(valid) {
        usage();
    }
    let values: Vec<i64> = numbers
        .iter()
        .map(|text| text.parse().expect("validated"))
        .collect();
    let args: Args = match name.as_str() {
        "binomial" => (values[0], values[1]),
        "partitions" => (values[0], values[0]),
        _ => (values[0], 0),
    };
    let mut memoized = Instrumented::new(true);
    let result = memoized.call(function, args);
    println!("{name}({}) = {result}", numbers.join(", "));
    println!(
        "memoized: {} calls, {} cache hits, {} distinct, max depth {}",
        memoized.calls,
        memoized.hits,
        memoized.cache.len(),
        memoized.max_depth
    );
    if args.0 > 20 {
        println!("plain: skipped for N > 20");
        return;
    }
    let mut plain = Instrumented::new(false);
    plain.call(function, args);
    let saved = plain.calls - memoized.calls;
    println!(
        "plain: {} calls, max depth {}",
        plain.calls, plain.max_depth
    );
    println!(
        "saved: {saved} calls ({:.1}%)",
        100.0 * saved as f64 / plain.calls as f64
    );
}
