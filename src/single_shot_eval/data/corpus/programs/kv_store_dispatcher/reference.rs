//! Key-value shell: each stdin line is dispatched to a command handler ("help" lists them);
//! begin/commit/rollback transactions nest. Exit status 1 if any command failed.
use std::collections::HashMap;
use std::io::BufRead;
use std::process;

/// Help lines, sorted by command name like Python's `dir()`.
const HELP: [&str; 9] = [
    "begin: start a (nested) transaction",
    "commit: keep the changes of the innermost transaction",
    "del KEY: remove the key; prints 1 if it existed, else 0",
    "get KEY: show the value, or (nil)",
    "help: list the commands",
    "incr KEY [BY]: add an integer (default 1) to an integer value",
    "keys [PREFIX]: list the keys starting with PREFIX, sorted",
    "rollback: undo the changes of the innermost transaction",
    "set KEY VALUE...: store the words joined by single spaces",
];

#[derive(Default)]
struct KeyValueShell {
    data: HashMap<String, String>,
    snapshots: Vec<HashMap<String, String>>,
}

/// Python's `int(text)`: surrounding whitespace, sign, digits with single underscores.
fn python_int(text: &str) -> Option<i128> {
    let text = text.trim();
    let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
    let well_formed = !unsigned.is_empty()
        && unsigned
            .split('_')
            .all(|group| !group.is_empty() && group.bytes().all(|b| b.is_ascii_digit()));
    if well_formed {
        text.replace('_', "").parse().ok()
    } else {
        None
    }
}

impl KeyValueShell {
    fn dispatch(&mut self, line: &str) -> Result<String, String> {
        let words: Vec<&str> = line.split_whitespace().collect();
        let (name, args) = (words[0], &words[1..]);
        let wrong_arity = || Err(format!("wrong number of arguments for '{name}'"));
        match (name, args) {
            ("set", [key, value @ ..]) if !value.is_empty() => {
                self.data.insert(key.to_string(), value.join(" "));
                Ok("OK".to_string())
            }
            ("get", [key]) => Ok(self
                .data
                .get(*key)
                .cloned()
                .unwrap_or_else(|| "(nil)".to_string())),
            ("del", [key]) => Ok(if self.data.remove(*key).is_some() {
                "1"
            } else {
                "0"
            }
            .to_string()),
            ("incr", [key]) => self.incr(key, "1"),
            ("incr", [key, by]) => self.incr(key, by),
            ("keys", []) => Ok(self.keys("")),
            ("keys", [prefix]) => Ok(self.keys(prefix)),
            ("begin", []) => {
                self.snapshots.push(self.data.clone());
                Ok(format!("BEGIN (depth {})", self.snapshots.len()))
            }
            ("commit", []) => {
                self.snapshots.pop().ok_or("no transaction to commit")?;
                Ok(format!("COMMIT (depth {})", self.snapshots.len()))
            }
            ("rollback", []) => {
                self.data = self.snapshots.pop().ok_or("no transaction to roll back")?;
                Ok(format!("ROLLBACK (depth {})", self.snapshots.len()))
            }
            ("help", []) => Ok(HELP.join("\n")),
            (
                "set" | "get" | "del" | "incr" | "keys" | "begin" | "commit" | "rollback" | "help",
                _,
            ) => wrong_arity(),
            _ => Err(format!("unknown command '{name}' (try help)")),
        }
    }

    fn incr(&mut self, key: &str, by: &str) -> Result<String, String> {
        let current = self.data.get(key).map_or("0", String::as_str);
        let value = match (python_int(current), python_int(by)) {
            (Some(current), Some(by)) => current + by,
            _ => return Err(format!("value of '{key}' or increment is not an integer")),
        };
        self.data.insert(key.to_string(), value.to_string());
        Ok(value.to_string())
    }

    fn keys(&self, prefix: &str) -> String {
        let mut keys: Vec<&str> = self
            .data
            .keys()
            .map(String::as_str)
            .filter(|key| key.starts_with(prefix))
            .collect();
        keys.sort_unstable();
        if keys.is_empty() {
            "(empty)".to_string()
        } else {
            keys.join(" ")
        }
    }
}

fn main() {
    let mut shell = KeyValueShell::default();
    let mut failures = 0;
    for (index, line) in std::io::stdin().lock().lines().enumerate() {
        let line = line.expect("stdin is not valid UTF-8");
        // Blank lines and `#` comments are skipped, as the Python loop does.
        if line.split_whitespace().next().is_none() || line.trim_start().starts_with('#') {
            continue;
        }
        match shell.dispatch(&line) {
            Ok(output) => println!("{output}"),
            Err(message) => {
                failures += 1;
                println!("error (line {}): {message}", index + 1);
            }
        }
    }
    process::exit(if failures > 0 { 1 } else { 0 });
}
