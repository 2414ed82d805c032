//! Run Conway's Game of Life on a grid read from stdin.
//!
//! usage: game_of_life [GENERATIONS] [--wrap]   (default 4 generations)
//!
//! The grid is given as lines of '.' (dead) and '#' (alive); short lines are padded
//! with dead cells. Edges are dead unless --wrap makes the grid a torus. The run
//! stops early when the population dies out or a generation repeats an earlier one.

use std::collections::HashMap;
use std::env;
use std::io::{self, Read};
use std::process;

type Grid = Vec<Vec<bool>>;

fn count_neighbours(grid: &Grid, row: usize, col: usize, wrap: bool) -> usize {
    let height = grid.len() as i64;
    let width = grid[0].len() as i64;
    let mut count = 0;
    for dr in -1..=1 {
        for dc in -1..=1 {
            if dr == 0 && dc == 0 {
                continue;
            }
            let (mut r, mut c) = (row as i64 + dr, col as i64 + dc);
            if wrap {
                r = r.rem_euclid(height);
                c = c.rem_euclid(width);
            } else if !(0..height).contains(&r) || !(0..width).contains(&c) {
                continue;
            }
            if grid[r as usize][c as usize] {
                count += 1;
            }
        }
    }
    count
}

/// The next generation.
fn step(grid: &Grid, wrap: bool) -> Grid {
    let mut next = grid.clone();
    for r in 0..next.len() {
        for c in 0..next[r].len() {
            let neighbours = count_neighbours(&next, r, c, wrap);
            next[r][c] = neighbours == 3 || (next[r][c] && neighbours == 2);
        }
    }
    next
}

fn render(grid: &Grid) -> String {
    grid.iter()
        .map(|row| row.iter().map(|&alive| if alive { '#' } else { '.' }).collect::<String>())
        .collect::<Vec<String>>()
        .join("\n")
}

fn population(grid: &Grid) -> usize {
    grid.iter().map(|row| row.iter().filter(|&&alive| alive).count()).sum()
}

fn main() {
    let args: Vec<String> = env::args().skip(1).collect();
    let wrap = args.iter().any(|arg| arg == "--wrap");
    let generations: i64 = match args.iter().find(|arg| *arg != "--wrap") {
        None => 4,
        Some(text) => text.trim().parse().unwrap_or_else(|_| {
            eprintln!("error: '{}' is not a number of generations", text);
            process::exit(1);
        }),
    };
    let mut input = String::new();
    io::stdin().read_to_string(&mut input).expect("stdin is valid UTF-8");
    let rows: Vec<&str> = input
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| line.trim_end())
        .collect();
    let width = rows.iter().map(|row| row.chars().count()).max().unwrap_or(0);
    if width == 0 {
        println!("empty grid");
        return;
    }
    let mut grid: Grid = rows
        .iter()
        .map(|row| {
            let mut cells: Vec<bool> = row.chars().map(|ch| ch == '#').collect();
            cells.resize(width, false);
            cells
        })
        .collect();

    let mut seen: HashMap<String, i64> = HashMap::new();
    seen.insert(render(&grid), 0);
    let mut generation = 0;
    println!("generation 0, population {}", population(&grid));
    println!("{}", render(&grid));
    let mut stopped_early = false;
    while generation < generations {
        grid = step(&grid, wrap);
        generation += 1;
        let alive = population(&grid);
        let picture = render(&grid);
        println!("generation {}, population {}", generation, alive);
        println!("{}", picture);
        if alive == 0 {
            println!("the population died out");
            stopped_early = true;
            break;
        }
        if let Some(&earlier) = seen.get(&picture) {
            println!("repeats generation {} (period {})", earlier, generation - earlier);
            stopped_early = true;
            break;
        }
        seen.insert(picture, generation);
    }
    if !stopped_early {
        println!("still changing after {} generations", generations);
    }
}
