//! Validate a key=value service configuration read from stdin and print it normalised.
use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::process;

const KNOWN_KEYS: [&str; 5] = ["host", "port", "workers", "mode", "timeout_s"];
const REQUIRED_KEYS: [&str; 3] = ["host", "port", "mode"];
const MODES: [&str; 3] = ["dev", "staging", "prod"];

#[derive(Debug)]
enum ConfigError {
    Parse(String),
    MissingKey(String),
    ValueRange(String),
    UnknownKey(String),
}

impl ConfigError {
    fn exit_code(&self) -> i32 {
        match self {
            ConfigError::Parse(_) => 2,
            ConfigError::MissingKey(_) => 3,
            ConfigError::ValueRange(_) => 4,
            ConfigError::UnknownKey(_) => 5,
        }
    }

    fn message(&self) -> &str {
        match self {
            ConfigError::Parse(m)
            | ConfigError::MissingKey(m)
            | ConfigError::ValueRange(m)
            | ConfigError::UnknownKey(m) => m,
        }
    }
}

fn parse_lines(text: &str) -> Result<HashMap<String, String>, ConfigError> {
    let mut entries = HashMap::new();
    for (index, raw) in text.lines().enumerate() {
        let number = index + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            return Err(ConfigError::Parse(format!(
                "line {number}: expected key=value, got '{line}'"
            )));
        };
        let (key, value) = (key.trim(), value.trim());
        if entries.contains_key(key) {
            return Err(ConfigError::Parse(format!(
                "line {number}: duplicate key '{key}'"
            )));
        }
        entries.insert(key.to_string(), value.to_string());
    }
    Ok(entries)
}

/// Python's `parse_number`: the error names the target type and echoes the raw text.
fn parse_number<T>(
    key: &str,
    value: &str,
    type_name: &str,
    bounds: (T, T),
    shown: &str,
) -> Result<T, ConfigError>
where
    T: std::str::FromStr + PartialOrd,
{
    let number: T = value.parse().map_err(|_| {
        ConfigError::ValueRange(format!("{key}: '{value}' is not a valid {type_name}"))
    })?;
    if !(bounds.0 <= number && number < bounds.1) {
        return Err(ConfigError::ValueRange(format!(
            "{key}: {value} is outside {shown}"
        )));
    }
    Ok(number)
}

struct Config {
    values: BTreeMap<&'static str, String>,
    warnings: Vec<String>,
}

fn validate(entries: &HashMap<String, String>, strict: bool) -> Result<Config, ConfigError> {
    let mut unknown: Vec<&str> = entries
        .keys()
        .map(String::as_str)
        .filter(|key| !KNOWN_KEYS.contains(key))
        .collect();
    unknown.sort_unstable();
    if !unknown.is_empty() && strict {
        return Err(ConfigError::UnknownKey(format!(
            "unknown keys: {}",
            unknown.join(", ")
        )));
    }
    let warnings = unknown
        .iter()
        .map(|key| format!("ignoring unknown key '{key}'"))
        .collect();
    for required in REQUIRED_KEYS {
        if !entries.contains_key(required) {
            return Err(ConfigError::MissingKey(format!(
                "missing required key '{required}'"
            )));
        }
    }
    let host = &entries["host"];
    if host.is_empty() || host.contains(' ') {
        return Err(ConfigError::ValueRange(format!(
            "host: '{host}' is not a valid host name"
        )));
    }
    let port: i64 = parse_number("port", &entries["port"], "int", (1, 65535), "1..65535")?;
    let mode = entries["mode"].to_lowercase();
    if !MODES.contains(&mode.as_str()) {
        return Err(ConfigError::ValueRange(format!(
            "mode: '{mode}' is not one of dev, staging, prod"
        )));
    }
    let workers_text = entries.get("workers").map_or("4", String::as_str);
    let workers: i64 = parse_number("workers", workers_text, "int", (1, 64), "1..64")?;
    let timeout_text = entries.get("timeout_s").map_or("30", String::as_str);
    let timeout_s: f64 = parse_number(
        "timeout_s",
        timeout_text,
        "float",
        (0.5, 3600.0),
        "0.5..3600.0",
    )?;
    let mut values = BTreeMap::new();
    values.insert("host", host.clone());
    values.insert("port", port.to_string());
    values.insert("workers", workers.to_string());
    values.insert("mode", mode);
    values.insert("timeout_s", format!("{timeout_s:.1}"));
    Ok(Config { values, warnings })
}

fn main() {
    let strict = std::env::args().skip(1).any(|arg| arg == "--strict");
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .expect("stdin is not valid UTF-8");
    let config = match parse_lines(&text).and_then(|entries| validate(&entries, strict)) {
        Ok(config) => config,
        Err(error) => {
            println!("error: {}", error.message());
            process::exit(error.exit_code());
        }
    };
    for warning in &config.warnings {
        println!("warning: {warning}");
    }
    for key in KNOWN_KEYS {
        println!("{key} = {}", config.values[key]);
    }
    println!("config OK");
}
