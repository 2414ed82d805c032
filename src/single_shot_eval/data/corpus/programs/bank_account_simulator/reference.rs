//! Replay bank commands from stdin (open, deposit, withdraw, interest, statement) in cents.
use std::collections::HashMap;
use std::fmt;
use std::io::BufRead;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Checking,
    Savings,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Checking => "checking",
            Kind::Savings => "savings",
        }
    }

    fn overdraft_cents(self) -> i128 {
        match self {
            Kind::Checking => 10_000,
            Kind::Savings => 0,
        }
    }
}

struct Account {
    owner: String,
    kind: Kind,
    balance_cents: i128,
    transactions: u32,
}

impl Account {
    fn available_cents(&self) -> i128 {
        self.balance_cents + self.kind.overdraft_cents()
    }

    /// Deposit a positive amount or withdraw a negative one, within the available funds.
    fn apply(&mut self, cents: i128) -> Result<(), String> {
        if -cents > self.available_cents() {
            return Err(format!(
                "{}: insufficient funds ({} available)",
                self.owner,
                format_cents(self.available_cents())
            ));
        }
        self.balance_cents += cents;
        self.transactions += 1;
        Ok(())
    }

    fn add_interest(&mut self, basis_points: i128) -> i128 {
        let interest_cents = (self.balance_cents * basis_points).div_euclid(10_000);
        self.balance_cents += interest_cents;
        interest_cents
    }
}

impl fmt::Display for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:<10} {:<8} {:>10}  ({} tx)",
            self.owner,
            self.kind.name(),
            format_cents(self.balance_cents),
            self.transactions
        )
    }
}

fn parse_cents(text: &str) -> Result<i128, String> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let all_digits = |part: &str| part.bytes().all(|byte| byte.is_ascii_digit());
    let valid =
        !whole.is_empty() && all_digits(whole) && fraction.len() <= 2 && all_digits(fraction);
    let invalid = || format!("invalid amount '{text}'");
    if !valid {
        return Err(invalid());
    }
    let whole: i128 = whole.parse().map_err(|_| invalid())?;
    let fraction: i128 = format!("{fraction:0<2}").parse().map_err(|_| invalid())?;
    Ok(whole * 100 + fraction)
}

fn format_cents(cents: i128) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", cents.abs() / 100, cents.abs() % 100)
}

/// Python's `repr()` of a str, as shown by `str(KeyError(owner))`.
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

fn find<'a>(
    accounts: &'a mut HashMap<String, Account>,
    owner: &str,
) -> Result<&'a mut Account, String> {
    accounts
        .get_mut(owner)
        .ok_or_else(|| format!("no account named {}", python_repr(owner)))
}

fn execute(accounts: &mut HashMap<String, Account>, words: &[&str]) -> Result<(), String> {
    match words {
        ["open", owner, kind @ ("checking" | "savings"), amount] => {
            if accounts.contains_key(*owner) {
                return Err(format!("account '{owner}' already exists"));
            }
            let kind = if *kind == "checking" {
                Kind::Checking
            } else {
                Kind::Savings
            };
            let balance_cents = parse_cents(amount)?;
            let account = Account {
                owner: owner.to_string(),
                kind,
                balance_cents,
                transactions: 0,
            };
            accounts.insert(owner.to_string(), account);
        }
        [action @ ("deposit" | "withdraw"), owner, amount] => {
            // Python looks the account up before it parses the amount.
            let account = find(accounts, owner)?;
            let cents = parse_cents(amount)?;
            account.apply(if *action == "deposit" { cents } else { -cents })?;
        }
        ["interest", percent] => {
            let basis_points = parse_cents(percent)?;
            let mut savings: Vec<&mut Account> = accounts
                .values_mut()
                .filter(|account| account.kind == Kind::Savings)
                .collect();
            savings.sort_by(|a, b| a.owner.cmp(&b.owner));
            for account in savings {
                let earned = account.add_interest(basis_points);
                println!("interest {}: +{}", account.owner, format_cents(earned));
            }
        }
        ["statement"] => {
            let mut sorted: Vec<&Account> = accounts.values().collect();
            sorted.sort_by(|a, b| (a.kind, &a.owner).cmp(&(b.kind, &b.owner)));
            for account in sorted {
                println!("  {account}");
            }
            let total: i128 = accounts.values().map(|account| account.balance_cents).sum();
            println!("  total: {}", format_cents(total));
        }
        _ => return Err(format!("cannot parse '{}'", words.join(" "))),
    }
    Ok(())
}

fn main() {
    let mut accounts: HashMap<String, Account> = HashMap::new();
    let mut rejected = 0;
    for (index, line) in std::io::stdin().lock().lines().enumerate() {
        let line = line.expect("stdin is not valid UTF-8");
        let words: Vec<&str> = line.split_whitespace().collect();
        if words.is_empty() {
            continue;
        }
        if let Err(reason) = execute(&mut accounts, &words) {
            rejected += 1;
            println!("line {}: rejected: {reason}", index + 1);
        }
    }
    println!("{rejected} command(s) rejected");
}
