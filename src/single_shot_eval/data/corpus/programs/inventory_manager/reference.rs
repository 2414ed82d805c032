//! Track stock from stdin commands (add SKU CATEGORY QTY PRICE NAME..., sell/restock SKU QTY)
//! and print a valuation report; items with fewer than LOW units (argv[1], default 5) are flagged.
use std::cmp::Ordering;
use std::collections::HashMap;
use std::fmt;
use std::io::BufRead;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Category {
    Food,
    Office,
    Tools,
    Toys,
}

impl Category {
    fn parse(text: &str) -> Result<Self, String> {
        match text {
            "food" => Ok(Category::Food),
            "office" => Ok(Category::Office),
            "tools" => Ok(Category::Tools),
            "toys" => Ok(Category::Toys),
            _ => Err(format!("{} is not a valid Category", python_repr(text))),
        }
    }

    fn value(self) -> &'static str {
        match self {
            Category::Food => "food",
            Category::Office => "office",
            Category::Tools => "tools",
            Category::Toys => "toys",
        }
    }
}

#[derive(Debug)]
struct Item {
    sku: String,
    name: String,
    category: Category,
    quantity: i64,
    unit_price_cents: i64,
}

impl Item {
    fn value_cents(&self) -> i64 {
        self.quantity * self.unit_price_cents
    }

    /// Report order: category, then most valuable first, then SKU.
    fn report_order(&self, other: &Item) -> Ordering {
        (self.category.value(), -self.value_cents(), &self.sku).cmp(&(
            other.category.value(),
            -other.value_cents(),
            &other.sku,
        ))
    }
}

impl fmt::Display for Item {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:<7} {:<6} {:<16} {:>4} x {:>7} = {:>9}",
            self.category.value(),
            self.sku,
            self.name,
            self.quantity,
            money(self.unit_price_cents),
            money(self.value_cents())
        )
    }
}

fn money(cents: i64) -> String {
    format!("{:.2}", cents as f64 / 100.0)
}

/// Python's `repr()` of a str (enough for command words, which contain no whitespace).
fn python_repr(text: &str) -> String {
    let quote = if text.contains('\'') && !text.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::from(quote);
    for c in text.chars() {
        if c == '\\' || c == quote {
            out.push('\\');
        }
        out.push(c);
    }
    out.push(quote);
    out
}

/// Dollars to cents with Python's `round()`, which sends exact halves to the even neighbour.
fn parse_price(text: &str) -> Result<i64, String> {
    let value: f64 = text
        .parse()
        .map_err(|_| format!("could not convert string to float: {}", python_repr(text)))?;
    if !(0.0..1e9).contains(&value) {
        return Err(format!("invalid price '{text}'"));
    }
    Ok((value * 100.0).round_ties_even() as i64)
}

fn parse_quantity(text: &str) -> Result<i64, String> {
    let invalid = || format!("quantity must be a positive integer, got '{text}'");
    if text.is_empty() || !text.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(invalid());
    }
    match text.parse::<i64>() {
        Ok(0) | Err(_) => Err(invalid()),
        Ok(quantity) => Ok(quantity),
    }
}

fn lookup<'a>(items: &'a mut HashMap<String, Item>, sku: &str) -> Result<&'a mut Item, String> {
    items
        .get_mut(sku)
        .ok_or_else(|| format!("unknown sku {}", python_repr(sku)))
}

/// Apply one command and return the revenue in cents it earned.
fn execute(items: &mut HashMap<String, Item>, words: &[&str]) -> Result<i64, String> {
    match words {
        ["add", sku, category, quantity, price, name @ ..] if !name.is_empty() => {
            if items.contains_key(*sku) {
                return Err(format!("duplicate sku {sku}"));
            }
            let category = Category::parse(category)?;
            let quantity = parse_quantity(quantity)?;
            let unit_price_cents = parse_price(price)?;
            let item = Item {
                sku: sku.to_string(),
                name: name.join(" "),
                category,
                quantity,
                unit_price_cents,
            };
            items.insert(sku.to_string(), item);
        }
        ["sell", sku, quantity] => {
            let item = lookup(items, sku)?;
            let count = parse_quantity(quantity)?;
            if count > item.quantity {
                return Err(format!("only {} of {sku} in stock", item.quantity));
            }
            item.quantity -= count;
            return Ok(count * item.unit_price_cents);
        }
        ["restock", sku, quantity] => {
            let item = lookup(items, sku)?;
            item.quantity += parse_quantity(quantity)?;
        }
        _ => return Err(format!("unknown command '{}'", words.join(" "))),
    }
    Ok(0)
}

fn main() {
    let low_stock: i64 = match std::env::args().nth(1) {
        Some(text) => python_int_text(&text).parse().unwrap_or_else(|_| {
            eprintln!("invalid literal for int(): {text}");
            std::process::exit(1);
        }),
        None => 5,
    };
    let mut items: HashMap<String, Item> = HashMap::new();
    let mut revenue_cents = 0;
    for (index, line) in std::io::stdin().lock().lines().enumerate() {
        let line = line.expect("stdin is not valid UTF-8");
        let words: Vec<&str> = line.split_whitespace().collect();
        if words.is_empty() {
            continue;
        }
        match execute(&mut items, &words) {
            Ok(earned_cents) => revenue_cents += earned_cents,
            Err(message) => println!("line {}: {message}", index + 1),
        }
    }
    let mut report: Vec<&Item> = items.values().collect();
    report.sort_by(|a, b| a.report_order(b));
    for item in &report {
        println!("{item}");
    }
    let stock_value: i64 = items.values().map(Item::value_cents).sum();
    println!("stock value: {}", money(stock_value));
    println!("revenue: {}", money(revenue_cents));
    let mut low: Vec<(i64, &str)> = items
        .values()
        .filter(|item| item.quantity < low_stock)
        .map(|item| (item.quantity, item.sku.as_str()))
        .collect();
    low.sort_unstable();
    let listed: Vec<String> = low
        .iter()
        .map(|(quantity, sku)| format!("{sku} ({quantity})"))
        .collect();
    println!(
        "low stock: {}",
        if listed.is_empty() {
            "none".to_string()
        } else {
            listed.join(", ")
        }
    );
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
