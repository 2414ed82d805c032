//! Count word frequencies in text read from stdin and print the most common words.
//!
//! usage: word_frequency [TOP_N] [MIN_LENGTH]   (defaults: 10 and 1)
//!
//! Words are runs of letters, digits and apostrophes, compared case-insensitively.
//! Ties in frequency are listed alphabetically.

use std::collections::HashMap;
use std::env;
use std::io::{self, Read};
use std::process;

const STOP_WORDS: [&str; 9] = ["a", "an", "and", "the", "of", "to", "in", "is", "it"];

/// Lower-case words made of alphanumerics and apostrophes, with outer apostrophes removed.
fn tokenize(text: &str) -> Vec<String> {
    let cleaned: String = text
        .to_lowercase()
        .chars()
        .map(|ch| if ch.is_alphanumeric() || ch == '\'' { ch } else { ' ' })
        .collect();
    cleaned
        .split_whitespace()
        .map(|word| word.trim_matches('\''))
        .filter(|word| !word.is_empty())
        .map(String::from)
        .collect()
}

fn int_arg(args: &[String], index: usize, default: i64) -> i64 {
    match args.get(index) {
        None => default,
        Some(text) => python_int_text(&text).parse().unwrap_or_else(|_| {
            eprintln!("error: '{}' is not an integer", text);
            process::exit(1);
        }),
    }
}

fn main() {
    let args: Vec<String> = env::args().collect();
    let top_n = int_arg(&args, 1, 10);
    let min_length = int_arg(&args, 2, 1);
    let mut text = String::new();
    io::stdin().read_to_string(&mut text).expect("stdin is valid UTF-8");

    let words = tokenize(&text);
    let kept: Vec<&String> = words
        .iter()
        .filter(|w| w.chars().count() as i64 >= min_length && !STOP_WORDS.contains(&w.as_str()))
        .collect();
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for word in &kept {
        *counts.entry(word.as_str()).or_insert(0) += 1;
    }
    let mut ranking: Vec<(&str, usize)> = counts.iter().map(|(w, c)| (*w, *c)).collect();
    ranking.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    // Python slice semantics: a negative TOP_N drops that many entries from the end.
    let keep = if top_n >= 0 {
        (top_n as usize).min(ranking.len())
    } else {
        ranking.len().saturating_sub(top_n.unsigned_abs() as usize)
    };
    ranking.truncate(keep);

    println!("{} words, {} counted, {} distinct", words.len(), kept.len(), counts.len());
    if ranking.is_empty() {
        println!("no words to rank");
        return;
    }
    let width = ranking.iter().map(|(w, _)| w.chars().count()).max().unwrap_or(0);
    let highest = ranking[0].1;
    for (index, (word, count)) in ranking.iter().enumerate() {
        let share = 100.0 * *count as f64 / kept.len() as f64;
        // Python's round() rounds halves to even.
        let bar_length = (20.0 * *count as f64 / highest as f64).round_ties_even() as usize;
        let bar = "#".repeat(bar_length.max(1));
        println!(
            "{:>3}. {:<width$}  {:>4}  {:5.1}%  {}",
            index + 1,
            word,
            count,
            share,
            bar,
            width = width
        );
    }
    let mut hapaxes: Vec<&str> = counts.iter().filter(|(_, c)| **c == 1).map(|(w, _)| *w).collect();
    hapaxes.sort();
    let preview = if hapaxes.is_empty() {
        String::new()
    } else {
        let first: Vec<&str> = hapaxes.iter().take(3).copied().collect();
        format!(" (first: {})", first.join(", "))
    };
    println!("used once: {}{}", hapaxes.len(), preview);
}

/// The text Python's `int()` reads: surrounding whitespace dropped and single `_` between digits
/// removed; an underscore anywhere else stays, so that parsing fails as `int()` does.
fn python_int_text(text: &str) -> String {
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
