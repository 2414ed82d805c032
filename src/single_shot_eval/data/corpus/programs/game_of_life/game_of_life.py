"""Run Conway's Game of Life on a grid read from stdin.

usage: game_of_life.py [GENERATIONS] [--wrap]   (default 4 generations)

The grid is given as lines of '.' (dead) and '#' (alive); short lines are padded
with dead cells. Edges are dead unless --wrap makes the grid a torus. The run
stops early when the population dies out or a generation repeats an earlier one.
"""
import sys


def count_neighbours(grid, row, col, wrap):
    height, width = len(grid), len(grid[0])
    count = 0
    for dr in (-1, 0, 1):
        for dc in (-1, 0, 1):
            if dr == 0 and dc == 0:
                continue
            r, c = row + dr, col + dc
            if wrap:
                r, c = r % height, c % width
            elif not (0 <= r < height and 0 <= c < width):
                continue
            if grid[r][c]:
                count += 1
    return count


def step(grid, wrap):
    return [
        [count_neighbours(grid, r, c, wrap) == 3
         or (alive and count_neighbours(grid, r, c, wrap) == 2)
         for c, alive in enumerate(row)]
        for r, row in enumerate(grid)
    ]


def render(grid):
    return "\n".join("".join("#" if alive else "." for alive in row) for row in grid)


def main():
    args = [arg for arg in sys.argv[1:] if arg != "--wrap"]
    generations = int(args[0]) if args else 4
    wrap = "--wrap" in sys.argv
    rows = [line.rstrip() for line in sys.stdin if line.strip()]
    width = max((len(row) for row in rows), default=0)
    if width == 0:
        print("empty grid")
        return
    grid = [[ch == "#" for ch in row.ljust(width, ".")] for row in rows]

    seen = {render(grid): 0}
    generation = 0
    print(f"generation 0, population {sum(map(sum, grid))}")
    print(render(grid))
    while generation < generations:
        grid = step(grid, wrap)
        generation += 1
        population = sum(map(sum, grid))
        print(f"generation {generation}, population {population}")
        print(render(grid))
        picture = render(grid)
        if population == 0:
            print("the population died out")
            break
        if picture in seen:
            period = generation - seen[picture]
            print(f"repeats generation {seen[picture]} (period {period})")
            break
        seen[picture] = generation
    else:
        print(f"still changing after {generations} generations")


if __name__ == "__main__":
    main()
