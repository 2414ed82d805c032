//! Report areas of shapes listed on stdin, largest first, then per-kind totals.
//! Lines: circle R | rectangle W H | square S | triangle A B C. argv[1]: decimals (2).
use std::collections::BTreeSet;
use std::f64::consts::PI;
use std::io::BufRead;

trait Shape {
    fn kind(&self) -> &'static str;
    fn sizes(&self) -> &[f64];
    fn area(&self) -> f64;

    fn describe(&self, decimals: usize) -> String {
        let sizes: Vec<String> = self
            .sizes()
            .iter()
            .map(|&size| format_general(size))
            .collect();
        format!(
            "{:<10}{:<14}area {:>12.decimals$}",
            self.kind(),
            sizes.join("x"),
            self.area()
        )
    }
}

struct Circle {
    sizes: [f64; 1],
}

struct Rectangle {
    sizes: [f64; 2],
}

/// A square is a rectangle whose only size is used for both sides.
struct Square {
    sizes: [f64; 1],
}

struct Triangle {
    sizes: [f64; 3],
}

impl Shape for Circle {
    fn kind(&self) -> &'static str {
        "circle"
    }
    fn sizes(&self) -> &[f64] {
        &self.sizes
    }
    fn area(&self) -> f64 {
        PI * self.sizes[0] * self.sizes[0]
    }
}

impl Shape for Rectangle {
    fn kind(&self) -> &'static str {
        "rectangle"
    }
    fn sizes(&self) -> &[f64] {
        &self.sizes
    }
    fn area(&self) -> f64 {
        self.sizes[0] * self.sizes[1]
    }
}

impl Shape for Square {
    fn kind(&self) -> &'static str {
        "square"
    }
    fn sizes(&self) -> &[f64] {
        &self.sizes
    }
    fn area(&self) -> f64 {
        self.sizes[0] * self.sizes[0]
    }
}

impl Triangle {
    fn new(a: f64, b: f64, c: f64) -> Result<Self, String> {
        if a.max(b).max(c) * 2.0 >= a + b + c {
            return Err(format!(
                "sides {}, {}, {} violate the triangle inequality",
                format_general(a),
                format_general(b),
                format_general(c)
            ));
        }
        Ok(Triangle { sizes: [a, b, c] })
    }
}

impl Shape for Triangle {
    fn kind(&self) -> &'static str {
        "triangle"
    }
    fn sizes(&self) -> &[f64] {
        &self.sizes
    }
    fn area(&self) -> f64 {
        let [a, b, c] = self.sizes;
        let s = (0.0 + a + b + c) / 2.0;
        (s * (s - a) * (s - b) * (s - c)).sqrt()
    }
}

/// Python's `format(value, "g")` for positive finite values: six significant digits,
/// trailing zeros removed, scientific notation when the exponent is below -4 or above 5.
fn format_general(value: f64) -> String {
    let scientific = format!("{value:.5e}");
    let (mantissa, exponent) = scientific
        .split_once('e')
        .expect("{:e} always has an exponent");
    let exponent: i32 = exponent.parse().expect("integer exponent");
    let strip = |text: String| -> String {
        if text.contains('.') {
            text.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            text
        }
    };
    if (-4..6).contains(&exponent) {
        let decimals = (5 - exponent) as usize;
        strip(format!("{value:.decimals$}"))
    } else {
        let sign = if exponent < 0 { '-' } else { '+' };
        format!(
            "{}e{sign}{:02}",
            strip(mantissa.to_string()),
            exponent.abs()
        )
    }
}

fn parse_shape(words: &[&str]) -> Result<Box<dyn Shape>, String> {
    let arity = match words[0] {
        "circle" | "square" => 1,
        "rectangle" => 2,
        "triangle" => 3,
        other => return Err(format!("unknown shape '{other}'")),
    };
    if words.len() - 1 != arity {
        return Err(format!(
            "{} needs {arity} size(s), got {}",
            words[0],
            words.len() - 1
        ));
    }
    let mut sizes = Vec::with_capacity(arity);
    for word in &words[1..] {
        let size: f64 = word
            .parse()
            .map_err(|_| format!("could not convert string to float: '{word}'"))?;
        sizes.push(size);
    }
    if !sizes.iter().all(|&size| size > 0.0 && size < f64::INFINITY) {
        return Err("sizes must be positive and finite".to_string());
    }
    Ok(match (words[0], sizes.as_slice()) {
        ("circle", &[r]) => Box::new(Circle { sizes: [r] }),
        ("square", &[side]) => Box::new(Square { sizes: [side] }),
        ("rectangle", &[w, h]) => Box::new(Rectangle { sizes: [w, h] }),
        (_, &[a, b, c]) => Box::new(Triangle::new(a, b, c)?),
        _ => unreachable!("arity checked above"),
    })
}

fn main() {
    // Python reads any integer here and fails only when it formats with a negative precision.
    let requested: i64 = match std::env::args().nth(1) {
        Some(text) => python_int_text(&text).parse().unwrap_or_else(|_| {
            eprintln!("invalid decimals: {text}");
            std::process::exit(1);
        }),
        None => 2,
    };
    let precision = || -> usize {
        usize::try_from(requested).unwrap_or_else(|_| {
            eprintln!("ValueError: Format specifier missing precision");
            std::process::exit(1);
        })
    };
    let mut shapes: Vec<Box<dyn Shape>> = Vec::new();
    for (index, line) in std::io::stdin().lock().lines().enumerate() {
        let line = line.expect("stdin is not valid UTF-8");
        let words: Vec<&str> = line.split_whitespace().collect();
        if words.is_empty() {
            continue;
        }
        match parse_shape(&words) {
            Ok(shape) => shapes.push(shape),
            Err(message) => println!("line {}: {message}", index + 1),
        }
    }
    let mut ordered: Vec<&dyn Shape> = shapes.iter().map(|shape| shape.as_ref()).collect();
    // Largest area first, then kind; the sort is stable like Python's sorted().
    ordered.sort_by(|a, b| {
        b.area()
            .partial_cmp(&a.area())
            .expect("areas are finite")
            .then(a.kind().cmp(b.kind()))
    });
    for shape in &ordered {
        println!("{}", shape.describe(precision()));
    }
    let kinds: BTreeSet<&str> = shapes.iter().map(|shape| shape.kind()).collect();
    for kind in kinds {
        let same: Vec<&Box<dyn Shape>> =
            shapes.iter().filter(|shape| shape.kind() == kind).collect();
        let total = same.iter().fold(0.0, |sum, shape| sum + shape.area());
        let decimals = precision();
        println!(
            "{kind}: {} shape(s), total area {total:.decimals$}",
            same.len()
        );
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
