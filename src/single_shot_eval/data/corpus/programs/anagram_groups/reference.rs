//! Find groups of anagrams among the words read from stdin.
//!
//! usage: anagram_groups [MIN_GROUP_SIZE]   (default 2)
//!
//! Words are compared case-insensitively, ignoring anything that is not a letter;
//! duplicates count once. Groups are printed largest first, then alphabetically.

use std::collections::{BTreeSet, HashMap};
use std::env;
use std::io::{self, Read};
use std::process;

/// The word's letters in sorted order: equal for all anagrams of each other.
fn signature(word: &str) -> String {
    let mut letters: Vec<char> = word.chars().collect();
    letters.sort_unstable();
    letters.into_iter().collect()
}

fn main() {
    let min_size: usize = match env::args().nth(1) {
        None => 2,
        Some(text) => match python_int_text(&text).parse::<i64>() {
            Ok(value) => value.max(0) as usize,
            Err(_) => {
                eprintln!("error: '{}' is not an integer", text);
                process::exit(1);
            }
        },
    };
    let mut input = String::new();
    io::stdin().read_to_string(&mut input).expect("stdin is valid UTF-8");

    let words: BTreeSet<String> = input
        .split_whitespace()
        .map(|token| token.to_lowercase().chars().filter(|ch| ch.is_alphabetic()).collect())
        .filter(|word: &String| !word.is_empty())
        .collect();

    let mut groups: HashMap<String, Vec<&str>> = HashMap::new();
    for word in &words {
        groups.entry(signature(word)).or_default().push(word);
    }

    // Members come out sorted because `words` is a sorted set.
    let mut found: Vec<Vec<&str>> =
        groups.into_values().filter(|members| members.len() >= min_size).collect();
    found.sort_by(|a, b| b.len().cmp(&a.len()).then(a[0].cmp(b[0])));

    for (index, members) in found.iter().enumerate() {
        println!(
            "{:>2}. [{} x {} letters] {}",
            index + 1,
            members.len(),
            members[0].chars().count(),
            members.join(" ")
        );
    }

    let grouped_words: usize = found.iter().map(Vec::len).sum();
    let longest = found.iter().max_by_key(|members| (members[0].chars().count(), members[0]));
    println!(
        "{} distinct words, {} groups, {} words in groups",
        words.len(),
        found.len(),
        grouped_words
    );
    if let Some(members) = longest {
        println!("longest anagram: {}", members.join(" / "));
    }
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
