//! Count primes below N with a segmented sieve, one thread per segment.
//! Usage: threaded_prime_segments N [SEGMENTS]  (2 <= N <= 2000000, 1-16 segments, default 4).
//! Each thread sieves its own half-open range [low, high) with the base primes up to sqrt(N);
//! results are joined in segment order, so the output is fixed.
use std::process;
use std::thread;

fn isqrt(n: usize) -> usize {
    let mut root = (n as f64).sqrt() as usize;
    while root * root > n {
        root -= 1;
    }
    while (root + 1) * (root + 1) <= n {
        root += 1;
    }
    root
}

fn base_primes(limit: usize) -> Vec<usize> {
    let mut sieve = vec![true; limit + 1];
    for flag in sieve.iter_mut().take(2) {
        *flag = false;
    }
    for p in 2..=isqrt(limit) {
        if sieve[p] {
            for multiple in (p * p..=limit).step_by(p) {
                sieve[multiple] = false;
            }
        }
    }
    (0..=limit).filter(|&n| sieve[n]).collect()
}

fn sieve_segment(low: usize, high: usize, primes: &[usize]) -> Vec<usize> {
    let mut flags = vec![true; high - low];
    for &p in primes {
        let start = (p * p).max((low + p - 1) / p * p);
        for multiple in (start..high).step_by(p) {
            flags[multiple - low] = false;
        }
    }
    (low..high).filter(|&n| flags[n - low]).collect()
}

fn parse_arguments(args: &[String]) -> (usize, usize) {
    let all_digits = args
        .iter()
        .all(|arg| !arg.is_empty() && arg.bytes().all(|b| b.is_ascii_digit()));
    if !(1..=2).contains(&args.len()) || !all_digits {
        eprintln!("usage: threaded_prime_segments.py N [SEGMENTS]");
        process::exit(1);
    }
    // Digit strings too long for usize are simply out of range.
    let n = args[0].parse().unwrap_or(usize::MAX);
    let segments = args
        .get(1)
        .map_or(4, |text| text.parse().unwrap_or(usize::MAX));
    if !(2..=2_000_000).contains(&n) || !(1..=16).contains(&segments) {
        println!("error: need 2 <= N <= 2000000 and 1 <= SEGMENTS <= 16");
        process::exit(2);
    }
    (n, segments)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (n, segments) = parse_arguments(&args);
    let primes = base_primes(isqrt(n));
    let step = (n - 2).div_ceil(segments);
    let bounds: Vec<(usize, usize)> = (0..segments)
        .map(|i| (n.min(2 + i * step), n.min(2 + (i + 1) * step)))
        .collect();
    let results: Vec<Vec<usize>> = thread::scope(|scope| {
        let handles: Vec<_> = bounds
            .iter()
            .map(|&(low, high)| {
                let primes = &primes;
                scope.spawn(move || sieve_segment(low, high, primes))
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().expect("sieve thread panicked"))
            .collect()
    });
    println!("primes below {n} in {segments} segment(s):");
    for (slot, ((low, high), found)) in bounds.iter().zip(&results).enumerate() {
        let span = match (found.first(), found.last()) {
            (Some(first), Some(last)) => format!("{first}..{last}"),
            _ => "none".to_string(),
        };
        println!(
            "  segment {} [{low}, {high}): {} primes, {span}",
            slot + 1,
            found.len()
        );
    }
    let everything: Vec<usize> = results.concat();
    let twins = everything
        .windows(2)
        .filter(|pair| pair[1] - pair[0] == 2)
        .count();
    println!("total: {} primes, {twins} twin pairs", everything.len());
    // Python's max() over (gap, prime) tuples: ties go to the larger prime.
    if let Some((gap, after)) = everything
        .windows(2)
        .map(|pair| (pair[1] - pair[0], pair[0]))
        .max()
    {
        println!("largest gap: {gap} after {after}");
    }
}
