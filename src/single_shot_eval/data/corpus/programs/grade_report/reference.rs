//! Build a class report from lines of "name: score score ..." read on stdin.
//!
//! usage: grade_report [PASS_MARK]   (default 60)
//!
//! Blank lines and lines starting with '#' are ignored. A student may appear on
//! several lines; the scores are merged. Students are ranked by average (highest
//! first, then by name), and a letter-grade histogram closes the report.

use std::collections::BTreeMap;
use std::env;
use std::io::{self, Read};
use std::process;

fn letter(average: f64) -> char {
    for (threshold, grade) in [(90.0, 'A'), (80.0, 'B'), (70.0, 'C'), (60.0, 'D')] {
        if average >= threshold {
            return grade;
        }
    }
    'F'
}

/// Python's `str.title()`: upper-case a letter that follows a non-letter, lower-case the rest.
fn title_case(text: &str) -> String {
    let mut result = String::new();
    let mut previous_is_letter = false;
    for ch in text.chars() {
        if previous_is_letter {
            result.extend(ch.to_lowercase());
        } else {
            result.extend(ch.to_uppercase());
        }
        previous_is_letter = ch.is_alphabetic();
    }
    result
}

fn fail(message: &str) -> ! {
    eprintln!("error: {}", message);
    process::exit(1);
}

fn main() {
    let pass_mark: f64 = match env::args().nth(1) {
        Some(text) => text
            .trim()
            .parse()
            .unwrap_or_else(|_| fail(&format!("pass mark '{}' is not a number", text))),
        None => 60.0,
    };
    let mut input = String::new();
    io::stdin().read_to_string(&mut input).expect("stdin is valid UTF-8");

    let mut scores: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for raw_line in input.lines() {
        let line = raw_line.trim();
        if line.is_empty() || raw_line.starts_with('#') {
            continue;
        }
        let (name, rest) = line.split_once(':').unwrap_or((line, ""));
        let marks = scores.entry(title_case(name.trim())).or_default();
        for token in rest.split_whitespace() {
            let mark = token
                .parse::<i64>()
                .unwrap_or_else(|_| fail(&format!("score '{}' is not an integer", token)));
            marks.push(mark);
        }
    }

    let mut ranking: Vec<(&str, f64)> = scores
        .iter()
        .filter(|(_, marks)| !marks.is_empty())
        .map(|(name, marks)| (name.as_str(), marks.iter().sum::<i64>() as f64 / marks.len() as f64))
        .collect();
    ranking.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
    let missing: Vec<&str> = scores
        .iter()
        .filter(|(_, marks)| marks.is_empty())
        .map(|(name, _)| name.as_str())
        .collect();

    println!("{:>2}  {:<12} {:>5} {:>6} {:>5}  Grade", "#", "Student", "Tests", "Avg", "Best");
    for (index, (name, average)) in ranking.iter().enumerate() {
        let marks = &scores[*name];
        let flag = if *average >= pass_mark { "" } else { "  (below pass mark)" };
        println!(
            "{:>2}  {:<12} {:>5} {:>6.1} {:>5}  {}{}",
            index + 1,
            name,
            marks.len(),
            average,
            marks.iter().max().copied().unwrap_or(0),
            letter(*average),
            flag
        );
    }
    if !missing.is_empty() {
        println!("no scores: {}", missing.join(", "));
    }
    if ranking.is_empty() {
        return;
    }

    let all_marks: Vec<i64> = scores.values().flatten().copied().collect();
    let class_average = all_marks.iter().sum::<i64>() as f64 / all_marks.len() as f64;
    println!("class average: {:.2} over {} tests", class_average, all_marks.len());
    let passed = ranking.iter().filter(|(_, average)| *average >= pass_mark).count();
    println!("passed: {}/{}", passed, ranking.len());
    for grade in ['A', 'B', 'C', 'D', 'F'] {
        let students = ranking.iter().filter(|(_, average)| letter(*average) == grade).count();
        println!("  {}: {}", grade, "*".repeat(students));
    }
}
