//! Summarise an application log read from stdin.
//!
//! Expected line format:  2024-03-01 12:04:55 LEVEL [component] message
//! usage: log_level_summary [TOP_MESSAGES]   (default 3)
//!
//! Prints counts per level, a level breakdown per component, the busiest hour
//! and the most frequent ERROR messages. Lines that do not match are counted
//! as skipped.

use std::collections::{BTreeMap, HashMap};
use std::env;
use std::io::{self, Read};
use std::process;

const LEVELS: [&str; 5] = ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"];

/// One well-formed log line.
struct Entry<'a> {
    date: &'a str,
    hour: String,
    level: &'a str,
    component: &'a str,
    message: &'a str,
}

/// Python's `line.split(maxsplit=4)`: up to four whitespace-separated fields, then the rest.
fn split_fields(line: &str) -> Vec<&str> {
    let mut fields = Vec::new();
    let mut rest = line.trim_start();
    while fields.len() < 4 && !rest.is_empty() {
        match rest.find(char::is_whitespace) {
            Some(end) => {
                fields.push(&rest[..end]);
                rest = rest[end..].trim_start();
            }
            None => {
                fields.push(rest);
                rest = "";
            }
        }
    }
    if !rest.is_empty() {
        fields.push(rest);
    }
    fields
}

/// The parsed entry, or None for a malformed line.
fn parse(line: &str) -> Option<Entry<'_>> {
    let fields = split_fields(line);
    if fields.len() < 5 || !LEVELS.contains(&fields[2]) {
        return None;
    }
    let component = fields[3].strip_prefix('[')?.strip_suffix(']')?;
    Some(Entry {
        date: fields[0],
        hour: fields[1].chars().take(2).collect(),
        level: fields[2],
        component,
        message: fields[4].trim(),
    })
}

/// Sort (key, count) pairs by count descending, then key ascending.
fn by_count_then_key<'a>(counts: HashMap<&'a str, usize>) -> Vec<(&'a str, usize)> {
    let mut pairs: Vec<(&str, usize)> = counts.into_iter().collect();
    pairs.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    pairs
}

fn main() {
    let top_messages: i64 = match env::args().nth(1) {
        None => 3,
        Some(text) => python_int_text(&text).parse().unwrap_or_else(|_| {
            eprintln!("error: '{}' is not an integer", text);
            process::exit(1);
        }),
    };
    let mut input = String::new();
    io::stdin().read_to_string(&mut input).expect("stdin is valid UTF-8");
    let raw_lines: Vec<&str> = input.lines().filter(|line| !line.trim().is_empty()).collect();
    let entries: Vec<Entry> = raw_lines.iter().filter_map(|line| parse(line)).collect();
    let skipped = raw_lines.len() - entries.len();

    let mut level_counts: HashMap<&str, usize> = HashMap::new();
    let mut by_component: BTreeMap<&str, HashMap<&str, usize>> = BTreeMap::new();
    let mut hours: HashMap<String, usize> = HashMap::new();
    let mut errors: HashMap<&str, usize> = HashMap::new();
    for entry in &entries {
        *level_counts.entry(entry.level).or_insert(0) += 1;
        *by_component.entry(entry.component).or_default().entry(entry.level).or_insert(0) += 1;
        *hours.entry(format!("{} {}:00", entry.date, entry.hour)).or_insert(0) += 1;
        if entry.level == "ERROR" {
            *errors.entry(entry.message).or_insert(0) += 1;
        }
    }

    println!("{} entries, {} skipped", entries.len(), skipped);
    let level_summary: Vec<String> = LEVELS
        .iter()
        .filter_map(|lv| level_counts.get(lv).map(|count| format!("{}={}", lv, count)))
        .collect();
    println!("levels: {}", level_summary.join(", "));
    println!("components:");
    for (component, counts) in &by_component {
        let detail: Vec<String> = LEVELS
            .iter()
            .filter_map(|lv| counts.get(lv).map(|count| format!("{}:{}", &lv[..1], count)))
            .collect();
        let total: usize = counts.values().sum();
        println!("  {:<10} {:>4}  {}", component, total, detail.join(" "));
    }
    let hour_counts: HashMap<&str, usize> = hours.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    if let Some((busiest, count)) = by_count_then_key(hour_counts).first() {
        println!("busiest hour: {} ({} entries)", busiest, count);
    }
    let mut top = by_count_then_key(errors);
    // Python slice semantics: a negative count drops that many entries from the end.
    let keep = if top_messages >= 0 {
        (top_messages as usize).min(top.len())
    } else {
        top.len().saturating_sub(top_messages.unsigned_abs() as usize)
    };
    top.truncate(keep);
    if !top.is_empty() {
        println!("top errors:");
        for (message, count) in top {
            println!("  {:>3} x {}", count, message);
        }
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
