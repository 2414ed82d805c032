//! Pipe stdin through text filters chosen by name from a registry: FILTER[=ARG] ... or --list.
//! Exit 2 on an unknown filter or a bad argument.
use std::io::Read;
use std::process;

trait Filter {
    fn apply(&self, lines: Vec<String>) -> Vec<String>;
}

struct Upper;
struct Rot13;
struct Number;
struct Head {
    limit: usize,
}
struct Grep {
    needle: String,
}

impl Filter for Upper {
    fn apply(&self, lines: Vec<String>) -> Vec<String> {
        lines.iter().map(|line| line.to_uppercase()).collect()
    }
}

impl Filter for Rot13 {
    fn apply(&self, lines: Vec<String>) -> Vec<String> {
        let rotate = |c: char| match c {
            'a'..='z' => (((c as u8 - b'a' + 13) % 26) + b'a') as char,
            'A'..='Z' => (((c as u8 - b'A' + 13) % 26) + b'A') as char,
            _ => c,
        };
        lines
            .iter()
            .map(|line| line.chars().map(rotate).collect())
            .collect()
    }
}

impl Filter for Number {
    fn apply(&self, lines: Vec<String>) -> Vec<String> {
        lines
            .iter()
            .enumerate()
            .map(|(index, line)| format!("{:>4}  {line}", index + 1))
            .collect()
    }
}

impl Filter for Head {
    fn apply(&self, mut lines: Vec<String>) -> Vec<String> {
        lines.truncate(self.limit);
        lines
    }
}

impl Filter for Grep {
    fn apply(&self, lines: Vec<String>) -> Vec<String> {
        lines
            .into_iter()
            .filter(|line| casefold(line).contains(&self.needle))
            .collect()
    }
}

/// Python's `str.casefold()` for the characters whose folding differs from lowercasing.
fn casefold(text: &str) -> String {
    text.chars()
        .flat_map(|c| match c {
            'ß' | 'ẞ' => vec!['s', 's'],
            'ς' => vec!['σ'],
            'ſ' => vec!['s'],
            _ => c.to_lowercase().collect(),
        })
        .collect()
}

type Constructor = fn(Option<&str>) -> Result<Box<dyn Filter>, String>;

fn no_argument(name: &str, argument: Option<&str>) -> Result<(), String> {
    match argument {
        Some(_) => Err(format!("filter '{name}' takes no argument")),
        None => Ok(()),
    }
}

/// The registry, sorted by name: name, summary, constructor.
const REGISTRY: [(&str, &str, Constructor); 5] = [
    (
        "grep",
        "keep lines containing TEXT (grep=TEXT), ignoring case",
        |argument| match argument {
            Some(text) if !text.is_empty() => Ok(Box::new(Grep {
                needle: casefold(text),
            })),
            _ => Err("grep needs grep=TEXT".to_string()),
        },
    ),
    (
        "head",
        "keep the first N lines (head=N, default 5)",
        |argument| match argument {
            None => Ok(Box::new(Head { limit: 5 })),
            Some(text) if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) => {
                Ok(Box::new(Head {
                    limit: text.parse().unwrap_or(usize::MAX),
                }))
            }
            Some(text) => Err(format!("head needs a whole number, got '{text}'")),
        },
    ),
    ("number", "prefix each line with its number", |argument| {
        no_argument("number", argument).map(|()| Box::new(Number) as Box<dyn Filter>)
    }),
    ("rot13", "rotate ASCII letters by 13 places", |argument| {
        no_argument("rot13", argument).map(|()| Box::new(Rot13) as Box<dyn Filter>)
    }),
    ("upper", "convert to upper case", |argument| {
        no_argument("upper", argument).map(|()| Box::new(Upper) as Box<dyn Filter>)
    }),
];

fn build_pipeline(specs: &[String]) -> Result<Vec<Box<dyn Filter>>, String> {
    specs
        .iter()
        .map(|spec| {
            let (name, argument) = match spec.split_once('=') {
                Some((name, argument)) => (name, Some(argument)),
                None => (spec.as_str(), None),
            };
            let (_, _, constructor) = REGISTRY
                .iter()
                .find(|(registered, _, _)| *registered == name)
                .ok_or_else(|| format!("unknown filter '{name}' (use --list)"))?;
            constructor(argument)
        })
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args == ["--list"] {
        for (name, summary, _) in REGISTRY {
            println!("{name:<8} {summary}");
        }
        return;
    }
    let pipeline = build_pipeline(&args).unwrap_or_else(|message| {
        println!("error: {message}");
        process::exit(2);
    });
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .expect("stdin is not valid UTF-8");
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for filter in &pipeline {
        lines = filter.apply(lines);
    }
    println!("{}", lines.join("\n"));
}
