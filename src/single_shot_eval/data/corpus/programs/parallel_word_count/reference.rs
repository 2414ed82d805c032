//! Count lines, words and characters of stdin in chunks on worker threads, then the top words.
//! Usage: parallel_word_count [LINES_PER_CHUNK] [TOP_N]   (defaults 2 and 3)
//! Results are joined in chunk order, so the report does not depend on scheduling.
use std::collections::HashMap;
use std::io::Read;
use std::process;
use std::thread;

/// Counts for one chunk; `words` keeps first-appearance order like Python's Counter.
struct ChunkCount {
    lines: usize,
    words: usize,
    chars: usize,
    word_counts: Vec<(String, usize)>,
}

/// Words are runs of ASCII letters, with apostrophes allowed between letters ("don't").
fn find_words(line: &str) -> Vec<String> {
    let bytes = line.as_bytes();
    let mut words = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_lowercase() {
            i += 1;
            continue;
        }
        let start = i;
        loop {
            while i < bytes.len() && bytes[i].is_ascii_lowercase() {
                i += 1;
            }
            if i + 1 < bytes.len() && bytes[i] == b'\'' && bytes[i + 1].is_ascii_lowercase() {
                i += 1;
            } else {
                break;
            }
        }
        words.push(line[start..i].to_string());
    }
    words
}

/// Add `word` `count` times, remembering the order in which words first appeared.
fn add_word(
    order: &mut Vec<(String, usize)>,
    index: &mut HashMap<String, usize>,
    word: &str,
    count: usize,
) {
    match index.get(word) {
        Some(&position) => order[position].1 += count,
        None => {
            index.insert(word.to_string(), order.len());
            order.push((word.to_string(), count));
        }
    }
}

fn count_chunk(lines: &[&str]) -> ChunkCount {
    let mut word_counts = Vec::new();
    let mut index = HashMap::new();
    let mut words = 0;
    for line in lines {
        for word in find_words(&line.to_lowercase()) {
            add_word(&mut word_counts, &mut index, &word, 1);
            words += 1;
        }
    }
    let chars = lines.iter().map(|line| line.chars().count()).sum();
    ChunkCount {
        lines: lines.len(),
        words,
        chars,
        word_counts,
    }
}

fn parse_positive(text: &str, name: &str) -> usize {
    let valid = !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit());
    match text.parse::<usize>() {
        Ok(value) if valid && value > 0 => value,
        _ if valid && text.bytes().any(|byte| byte != b'0') => usize::MAX,
        _ => {
            eprintln!("error: {name} must be a positive integer, got '{text}'");
            process::exit(2);
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() > 2 {
        eprintln!("usage: parallel_word_count.py [LINES_PER_CHUNK] [TOP_N]");
        process::exit(2);
    }
    let chunk_size = parse_positive(args.first().map_or("2", String::as_str), "LINES_PER_CHUNK");
    let top_n = parse_positive(args.get(1).map_or("3", String::as_str), "TOP_N");
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .expect("stdin is not valid UTF-8");
    let lines: Vec<&str> = text.lines().collect();
    let results: Vec<ChunkCount> = thread::scope(|scope| {
        let handles: Vec<_> = lines
            .chunks(chunk_size)
            .map(|chunk| scope.spawn(move || count_chunk(chunk)))
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().expect("worker panicked"))
            .collect()
    });
    let mut totals: Vec<(String, usize)> = Vec::new();
    let mut index = HashMap::new();
    let mut first_line = 1;
    for (number, result) in results.iter().enumerate() {
        let last_line = first_line + result.lines - 1;
        println!(
            "chunk {}: lines {first_line}-{last_line}: {} words, {} chars",
            number + 1,
            result.words,
            result.chars
        );
        for (word, count) in &result.word_counts {
            add_word(&mut totals, &mut index, word, *count);
        }
        first_line = last_line + 1;
    }
    let words: usize = results.iter().map(|result| result.words).sum();
    let chars: usize = results.iter().map(|result| result.chars).sum();
    println!(
        "total: {} lines, {words} words, {chars} chars, {} distinct",
        lines.len(),
        totals.len()
    );
    // Counter.most_common: highest count first, ties in first-appearance order (stable sort).
    totals.sort_by(|a, b| b.1.cmp(&a.1));
    for (word, count) in totals.iter().take(top_n) {
        println!("{count:>5} {word}");
    }
}
