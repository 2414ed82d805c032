//! Split arithmetic expressions into tokens and check their parentheses.
//!
//! Reads one expression per line on stdin and prints its tokens as KIND:text,
//! then a verdict. Numbers may have a fraction and an exponent (1.5e-3);
//! names start with a letter or underscore; operators are + - * / % ^ and **.
//! Tokenizing stops at the first character that cannot start a token.

use std::collections::BTreeSet;
use std::io::{self, Read};

/// One token: its kind, its text and its 1-based column (in characters).
struct Token {
    kind: &'static str,
    text: String,
    column: usize,
}

/// Iterator over the tokens of one expression; it ends after the first ERROR token.
struct Tokenizer {
    chars: Vec<char>,
    position: usize,
    failed: bool,
}

impl Tokenizer {
    fn new(expression: &str) -> Self {
        Tokenizer { chars: expression.chars().collect(), position: 0, failed: false }
    }

    fn at(&self, index: usize) -> Option<char> {
        self.chars.get(index).copied()
    }

    fn is_digit_at(&self, index: usize) -> bool {
        self.at(index).is_some_and(|ch| ch.is_ascii_digit())
    }

    fn skip_digits(&mut self) {
        while self.is_digit_at(self.position) {
            self.position += 1;
        }
    }

    fn token(&self, kind: &'static str, start: usize) -> Token {
        Token { kind, text: self.chars[start..self.position].iter().collect(), column: start + 1 }
    }
}

impl Iterator for Tokenizer {
    type Item = Token;

    fn next(&mut self) -> Option<Token> {
        if self.failed {
            return None;
        }
        while self.at(self.position).is_some_and(char::is_whitespace) {
            self.position += 1;
        }
        let start = self.position;
        let ch = self.at(start)?;
        if ch.is_ascii_digit() || (ch == '.' && self.is_digit_at(start + 1)) {
            self.skip_digits();
            if self.at(self.position) == Some('.') {
                self.position += 1;
                self.skip_digits();
            }
            if matches!(self.at(self.position), Some('e' | 'E')) {
                let sign = usize::from(matches!(self.at(self.position + 1), Some('+' | '-')));
                if self.is_digit_at(self.position + 1 + sign) {
                    self.position += 1 + sign;
                    self.skip_digits();
                }
            }
            return Some(self.token("NUMBER", start));
        }
        if ch.is_alphabetic() || ch == '_' {
            while self.at(self.position).is_some_and(|c| c.is_alphanumeric() || c == '_') {
                self.position += 1;
            }
            return Some(self.token("NAME", start));
        }
        if ch == '*' && self.at(start + 1) == Some('*') {
            self.position += 2;
            return Some(self.token("OP", start));
        }
        let kind = match ch {
            '(' => "LPAREN",
            ')' => "RPAREN",
            ',' => "COMMA",
            '+' | '-' | '*' | '/' | '%' | '^' => "OP",
            _ => {
                self.failed = true;
                "ERROR"
            }
        };
        self.position += 1;
        Some(self.token(kind, start))
    }
}

/// Python's `repr()` of a one-character string.
fn python_repr(text: &str) -> String {
    match text {
        "'" => "\"'\"".to_string(),
        "\\" => "'\\\\'".to_string(),
        _ => format!("'{}'", text),
    }
}

fn main() {
    let mut input = String::new();
    io::stdin().read_to_string(&mut input).expect("stdin is valid UTF-8");
    for (index, line) in input.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let tokens: Vec<Token> = Tokenizer::new(line).collect();
        let listing: Vec<String> =
            tokens.iter().map(|token| format!("{}:{}", token.kind, token.text)).collect();
        println!("{}: {}", index + 1, listing.join(" "));

        let mut depth = 0;
        let mut verdict = "ok".to_string();
        for token in &tokens {
            match token.kind {
                "ERROR" => {
                    verdict =
                        format!("unexpected {} at column {}", python_repr(&token.text), token.column);
                    break;
                }
                "LPAREN" => depth += 1,
                "RPAREN" => {
                    depth -= 1;
                    if depth < 0 {
                        verdict = format!("unmatched ')' at column {}", token.column);
                        break;
                    }
                }
                _ => {}
            }
        }
        if verdict == "ok" && depth > 0 {
            verdict = format!("{} unclosed '('", depth);
        }
        let names: BTreeSet<&str> = tokens
            .iter()
            .filter(|token| token.kind == "NAME")
            .map(|token| token.text.as_str())
            .collect();
        let names_text = if names.is_empty() {
            "-".to_string()
        } else {
            names.into_iter().collect::<Vec<&str>>().join(", ")
        };
        println!("   {} tokens, names: {}; {}", tokens.len(), names_text, verdict);
    }
}
