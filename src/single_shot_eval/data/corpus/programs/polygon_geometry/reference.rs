//! Measure a polygon read from stdin ("x y" per line): perimeter, area, orientation, centroid,
//! bounds, convexity, longest edge. Exits 2 when fewer than three distinct vertices remain.
use std::fmt;
use std::io::BufRead;
use std::ops::{Add, Div, Mul, Sub};
use std::process;

#[derive(Clone, Copy, Debug, PartialEq)]
struct Vector {
    x: f64,
    y: f64,
}

impl Vector {
    const ZERO: Vector = Vector { x: 0.0, y: 0.0 };

    fn new(x: f64, y: f64) -> Self {
        Vector { x, y }
    }

    fn length(self) -> f64 {
        (self.x * self.x + self.y * self.y).sqrt()
    }

    fn cross(self, other: Vector) -> f64 {
        self.x * other.y - self.y * other.x
    }
}

impl Add for Vector {
    type Output = Vector;
    fn add(self, other: Vector) -> Vector {
        Vector::new(self.x + other.x, self.y + other.y)
    }
}

impl Sub for Vector {
    type Output = Vector;
    fn sub(self, other: Vector) -> Vector {
        Vector::new(self.x - other.x, self.y - other.y)
    }
}

impl Mul<f64> for Vector {
    type Output = Vector;
    fn mul(self, scalar: f64) -> Vector {
        Vector::new(self.x * scalar, self.y * scalar)
    }
}

impl Div<f64> for Vector {
    type Output = Vector;
    fn div(self, scalar: f64) -> Vector {
        Vector::new(self.x / scalar, self.y / scalar)
    }
}

/// Same text as the Python `__repr__`.
impl fmt::Display for Vector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Vector({:.2}, {:.2})", self.x, self.y)
    }
}

struct Polygon {
    vertices: Vec<Vector>,
}

impl Polygon {
    /// Drops every vertex equal to its predecessor (the first is compared with the last).
    fn new(vertices: &[Vector]) -> Self {
        let count = vertices.len();
        let kept = (0..count)
            .filter(|&i| vertices[i] != vertices[(i + count - 1) % count])
            .map(|i| vertices[i])
            .collect();
        Polygon { vertices: kept }
    }

    fn edges(&self) -> Vec<(Vector, Vector)> {
        let count = self.vertices.len();
        (0..count)
            .map(|i| (self.vertices[i], self.vertices[(i + 1) % count]))
            .collect()
    }

    fn signed_area(&self) -> f64 {
        self.edges()
            .iter()
            .fold(0.0, |sum, (a, b)| sum + a.cross(*b))
            / 2.0
    }

    fn centroid(&self) -> Vector {
        let area = self.signed_area();
        if area == 0.0 {
            let sum = self.vertices.iter().fold(Vector::ZERO, |sum, v| sum + *v);
            return sum / self.vertices.len() as f64;
        }
        let weighted = self
            .edges()
            .iter()
            .fold(Vector::ZERO, |sum, (a, b)| sum + (*a + *b) * a.cross(*b));
        weighted / (6.0 * area)
    }

    fn is_convex(&self) -> bool {
        let edges = self.edges();
        let count = edges.len();
        let turns: Vec<f64> = (0..count)
            .map(|i| {
                let ((a, b), (c, d)) = (edges[i], edges[(i + 1) % count]);
                (b - a).cross(d - c)
            })
            .collect();
        turns.iter().all(|&t| t >= 0.0) || turns.iter().all(|&t| t <= 0.0)
    }
}

fn main() {
    let mut vertices = Vec::new();
    for (index, line) in std::io::stdin().lock().lines().enumerate() {
        let line = line.expect("stdin is not valid UTF-8");
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let replaced = line.replace(',', " ");
        let numbers: Result<Vec<f64>, _> = replaced.split_whitespace().map(str::parse).collect();
        match numbers.as_deref() {
            Ok([x, y]) => vertices.push(Vector::new(*x, *y)),
            _ => {
                eprintln!(
                    "line {}: expected two numbers, got '{}'",
                    index + 1,
                    line.trim()
                );
                process::exit(1);
            }
        }
    }
    let polygon = Polygon::new(&vertices);
    if polygon.vertices.len() < 3 {
        println!(
            "need at least 3 distinct vertices, got {}",
            polygon.vertices.len()
        );
        process::exit(2);
    }
    let area = polygon.signed_area();
    let orientation = if area > 0.0 {
        "counter-clockwise"
    } else if area < 0.0 {
        "clockwise"
    } else {
        "degenerate"
    };
    let xs = polygon.vertices.iter().map(|v| v.x);
    let ys = polygon.vertices.iter().map(|v| v.y);
    let low = Vector::new(
        xs.clone().fold(f64::INFINITY, f64::min),
        ys.clone().fold(f64::INFINITY, f64::min),
    );
    let high = Vector::new(
        xs.fold(f64::NEG_INFINITY, f64::max),
        ys.fold(f64::NEG_INFINITY, f64::max),
    );
    let edges = polygon.edges();
    // Python's max() keeps the first of equally long edges.
    let mut longest = edges[0];
    for &edge in &edges[1..] {
        if (edge.1 - edge.0).length() > (longest.1 - longest.0).length() {
            longest = edge;
        }
    }
    let perimeter = edges
        .iter()
        .fold(0.0, |sum, (a, b)| sum + (*b - *a).length());
    println!("vertices: {}", polygon.vertices.len());
    println!("perimeter: {perimeter:.2}");
    println!("area: {:.2} ({orientation})", area.abs());
    println!("centroid: {}", polygon.centroid());
    println!("bounds: {low} .. {high}");
    println!("convex: {}", if polygon.is_convex() { "yes" } else { "no" });
    println!(
        "longest edge: {} -> {} ({:.2})",
        longest.0,
        longest.1,
        (longest.1 - longest.0).length()
    );
}
