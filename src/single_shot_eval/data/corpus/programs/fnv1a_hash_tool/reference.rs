//! Hash words with FNV-1a using fixed-width wrapping arithmetic and report their hash buckets.
//! Usage: fnv1a_hash_tool [--bits 32|64] [--buckets N] [WORD ...]  (one word per stdin line
//! when no WORD is given). Words are hashed as UTF-8 bytes.
use std::collections::BTreeMap;
use std::io::BufRead;
use std::process;

const USAGE: &str =
    "usage: fnv1a_hash_tool.py [-h] [--bits {32,64}] [--buckets BUCKETS] [words ...]";

fn fnv1a_32(data: &[u8]) -> u64 {
    let mut state: u32 = 0x811C_9DC5;
    for &byte in data {
        state ^= u32::from(byte);
        state = state.wrapping_mul(0x0100_0193);
    }
    u64::from(state)
}

fn fnv1a_64(data: &[u8]) -> u64 {
    let mut state: u64 = 0xCBF2_9CE4_8422_2325;
    for &byte in data {
        state ^= u64::from(byte);
        state = state.wrapping_mul(0x0000_0100_0000_01B3);
    }
    state
}

fn usage_error(message: &str) -> ! {
    eprintln!("{USAGE}\nfnv1a_hash_tool.py: error: {message}");
    process::exit(2);
}

/// argparse treats "-5" or "-.5" as a positional value, not an option.
fn looks_like_negative_number(arg: &str) -> bool {
    let Some(rest) = arg.strip_prefix('-') else {
        return false;
    };
    let (whole, fraction) = rest.split_once('.').unwrap_or((rest, ""));
    let digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    if rest.contains('.') {
        digits(whole) && !fraction.is_empty() && digits(fraction)
    } else {
        !whole.is_empty() && digits(whole)
    }
}

struct Options {
    bits: u32,
    buckets: i64,
    words: Vec<String>,
}

/// A small argparse: long options by unique prefix, `--opt VALUE` or `--opt=VALUE`, `--`.
fn parse_args(args: &[String]) -> Options {
    let mut options = Options {
        bits: 32,
        buckets: 8,
        words: Vec::new(),
    };
    let mut index = 0;
    let mut only_positionals = false;
    while index < args.len() {
        let arg = &args[index];
        index += 1;
        if only_positionals
            || !arg.starts_with('-')
            || arg == "-"
            || looks_like_negative_number(arg)
        {
            options.words.push(arg.clone());
            continue;
        }
        if arg == "-h" || arg == "--help" {
            // argparse prints its help and exits 0.
            println!("usage: fnv1a_hash_tool.py [-h] [--bits {{32,64}}] [--buckets BUCKETS] [words ...]");
            process::exit(0);
        }
        if arg == "--" {
            only_positionals = true;
            continue;
        }
        let (name, inline_value) = match arg.split_once('=') {
            Some((name, value)) => (name, Some(value.to_string())),
            None => (arg.as_str(), None),
        };
        let matches: Vec<&str> = ["--bits", "--buckets"]
            .into_iter()
            .filter(|option| option.starts_with(name))
            .collect();
        let option = match matches.as_slice() {
            [option] if name.starts_with("--") => *option,
            [_, _] if name.starts_with("--") => usage_error(&format!(
                "ambiguous option: {name} could match --bits, --buckets"
            )),
            _ => usage_error(&format!("unrecognized arguments: {arg}")),
        };
        let value = match inline_value {
            Some(value) => value,
            None if index < args.len() => {
                index += 1;
                args[index - 1].clone()
            }
            None => usage_error(&format!("argument {option}: expected one argument")),
        };
        let number: i64 = python_int_text(&value).parse().unwrap_or_else(|_| {
            usage_error(&format!("argument {option}: invalid int value: '{value}'"))
        });
        if option == "--bits" {
            if number != 32 && number != 64 {
                usage_error(&format!(
                    "argument --bits: invalid choice: {number} (choose from 32, 64)"
                ));
            }
            options.bits = number as u32;
        } else {
            options.buckets = number;
        }
    }
    options
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let options = parse_args(&args);
    if !(1..=1024).contains(&options.buckets) {
        usage_error("--buckets must be between 1 and 1024");
    }
    let bucket_count = options.buckets as u64;
    let words: Vec<String> = if options.words.is_empty() {
        std::io::stdin()
            .lock()
            .lines()
            .map(|line| line.expect("stdin is not valid UTF-8").trim().to_string())
            .filter(|line| !line.is_empty())
            .collect()
    } else {
        options.words
    };
    let mut buckets: BTreeMap<u64, Vec<&str>> = BTreeMap::new();
    let width = (options.bits / 4) as usize;
    for word in &words {
        let digest = if options.bits == 32 {
            fnv1a_32(word.as_bytes())
        } else {
            fnv1a_64(word.as_bytes())
        };
        let bucket = digest % bucket_count;
        buckets.entry(bucket).or_default().push(word);
        println!("{digest:0width$x}  bucket {bucket:>4}  {word}");
    }
    println!(
        "{} word(s) in {} of {bucket_count} bucket(s)",
        words.len(),
        buckets.len()
    );
    for (bucket, members) in &buckets {
        if members.len() > 1 {
            println!("collision in bucket {bucket}: {}", members.join(", "));
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
