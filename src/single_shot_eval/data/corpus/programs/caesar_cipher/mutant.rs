//! Encode, decode or brute-force text with a Caesar cipher.
//!
//! usage: caesar_cipher encode|decode [SHIFT]   (text on stdin, SHIFT defaults to 3)
//!        caesar_cipher crack                   (prints the first line under all 25 shifts)
//!
//! Only ASCII letters are shifted; case, digits, punctuation and other
//! characters are kept as they are. Negative shifts are allowed.

use std::env;
use std::io::{self, Read};
use std::process;

/// Rotate one ASCII letter by `shift` places, leaving anything else unchanged.
fn shift_char(ch: char, shift: i64) -> char {
    let base = if ch.is_ascii_lowercase() {
        b'a'
    } else if ch.is_ascii_uppercase() {
        b'A'
    } else {
        return ch;
    };
    let offset = (ch as i64 - base as i64 + shift) % 26;
    (base + offset as u8) as char
}

fn transform(text: &str, shift: i64) -> String {
    text.chars().map(|ch| shift_char(ch, shift)).collect()
}

fn count_letters(text: &str) -> usize {
    text.chars().filter(|ch| ch.is_ascii_alphabetic()).count()
}

fn main() {
    let args: Vec<String> = env::args().collect();
    let mode = args.get(1).map(String::as_str).unwrap_or("");
    let shift: i64 = match args.get(2) {
        None => 3,
        Some(text) => match text.trim().parse() {
            Ok(value) => value,
            Err(_) => {
                eprintln!("error: shift '{}' is not an integer", text);
                process::exit(1);
            }
        },
    };
    let mut text = String::new();
    io::stdin().read_to_string(&mut text).expect("stdin is valid UTF-8");

    match mode {
        "encode" => print!("{}", transform(&text, shift)),
        "decode" => print!("{}", transform(&text, -shift)),
        "crack" => {
            let line = text.split('\n').next().unwrap_or("");
            println!("{} letters to try", count_letters(line));
            for candidate in 1..26 {
                println!("{:>2}: {}", candidate, transform(line, -candidate));
            }
        }
        _ => println!("usage: caesar_cipher.py encode|decode [SHIFT] | crack"),
    }
}
