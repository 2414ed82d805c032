//! Total one numeric column of a CSV read from stdin: csv_column_total COLUMN [--strict].
//! Exit codes: 2 usage, 3 unknown column, 4 bad row in strict mode, 5 no numeric rows.
use std::io::Read;
use std::process;

/// One parsed CSV record and the physical line number where it ended (Python's `line_num`).
struct Record {
    fields: Vec<String>,
    line_number: usize,
}

#[derive(Clone, Copy, PartialEq)]
enum State {
    StartRecord,
    StartField,
    InField,
    InQuotedField,
    QuoteInQuotedField,
}

/// Parse CSV like Python's `csv.reader` with the default (excel, non-strict) dialect.
fn parse_csv(text: &str) -> Vec<Record> {
    let mut records = Vec::new();
    let mut fields: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut state = State::StartRecord;
    let mut line_number = 0;
    for c in text.chars() {
        if c == '\n' {
            line_number += 1;
        }
        if state == State::StartRecord {
            if c == '\n' {
                records.push(Record {
                    fields: Vec::new(),
                    line_number,
                });
                continue;
            }
            state = State::StartField;
        }
        match (state, c) {
            (State::StartField, '"') => state = State::InQuotedField,
            (State::InQuotedField, '"') => state = State::QuoteInQuotedField,
            (State::QuoteInQuotedField, '"') => {
                field.push('"');
                state = State::InQuotedField;
            }
            (State::InQuotedField, _) => field.push(c),
            (_, ',') => {
                fields.push(std::mem::take(&mut field));
                state = State::StartField;
            }
            (_, '\n') => {
                fields.push(std::mem::take(&mut field));
                records.push(Record {
                    fields: std::mem::take(&mut fields),
                    line_number,
                });
                state = State::StartRecord;
            }
            _ => {
                field.push(c);
                state = State::InField;
            }
        }
    }
    if state != State::StartRecord {
        fields.push(field);
        records.push(Record {
            fields,
            line_number: line_number + 1,
        });
    }
    records
}

/// Python's `repr()` of a list of strings, e.g. `['id', 'name']`.
fn python_list_repr(items: &[String]) -> String {
    let quoted: Vec<String> = items
        .iter()
        .map(|item| {
            let quote = if item.contains('\'') && !item.contains('"') {
                '"'
            } else {
                '\''
            };
            let mut out = String::from(quote);
            for c in item.chars() {
                match c {
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\t' => out.push_str("\\t"),
                    '\r' => out.push_str("\\r"),
                    _ if c == quote => {
                        out.push('\\');
                        out.push(c);
                    }
                    _ => out.push(c),
                }
            }
            out.push(quote);
            out
        })
        .collect();
    format!("[{}]", quoted.join(", "))
}

/// Read one cell as a float, accepting thousands separators like "1,234.50".
fn parse_amount(fields: &[String], index: usize, line_number: usize) -> Result<f64, String> {
    let raw = match fields.get(index) {
        Some(raw) if !raw.trim().is_empty() => raw,
        _ => return Err(format!("line {line_number}: missing value")),
    };
    let text = raw.trim().replace(',', "");
    match text.parse::<f64>() {
        Ok(value) if value.is_finite() => Ok(value),
        Ok(_) => Err(format!(
            "line {line_number}: '{raw}' is not a finite number"
        )),
        Err(_) => Err(format!("line {line_number}: '{raw}' is not a number")),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let strict = args.iter().any(|arg| arg == "--strict");
    let names: Vec<&String> = args.iter().filter(|arg| *arg != "--strict").collect();
    if names.len() != 1 {
        eprintln!("usage: csv_column_total.py COLUMN [--strict]");
        process::exit(2);
    }
    let column = names[0].as_str();
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .expect("stdin is not valid UTF-8");
    let records = parse_csv(&text);
    let header: Vec<String> = records
        .first()
        .map(|record| {
            record
                .fields
                .iter()
                .map(|name| name.trim().to_string())
                .collect()
        })
        .unwrap_or_default();
    let Some(index) = header.iter().position(|name| name == column) else {
        println!(
            "error: column '{column}' not found in header {}",
            python_list_repr(&header)
        );
        process::exit(3);
    };
    let mut amounts: Vec<f64> = Vec::new();
    let mut skipped: Vec<String> = Vec::new();
    for record in records
        .iter()
        .skip(1)
        .filter(|record| !record.fields.is_empty())
    {
        match parse_amount(&record.fields, index, record.line_number) {
            Ok(amount) => amounts.push(amount),
            Err(reason) if strict => {
                println!("error: {reason}");
                process::exit(4);
            }
            Err(reason) => skipped.push(reason),
        }
    }
    if amounts.is_empty() {
        println!("error: no numeric values in column '{column}'");
        process::exit(5);
    }
    let total: f64 = amounts.iter().sum();
    let min = amounts.iter().copied().fold(f64::INFINITY, f64::min);
    let max = amounts.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    println!("column: {column}");
    println!("rows: {}, skipped: {}", amounts.len(), skipped.len());
    println!("total: {total:.2}");
    println!("mean: {:.2}", total / amounts.len() as f64);
    println!("min: {min:.2}  max: {max:.2}");
    for reason in &skipped {
        println!("skipped {reason}");
    }
}
