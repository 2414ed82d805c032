"""Measure a polygon read from stdin ("x y" per line): perimeter, area, orientation, centroid,
bounds, convexity, longest edge. Exits 2 when fewer than three distinct vertices remain."""
import math
import sys


class Vector:
    def __init__(self, x, y):
        self.x, self.y = x, y

    def __add__(self, other):
        return Vector(self.x + other.x, self.y + other.y)

    def __sub__(self, other):
        return Vector(self.x - other.x, self.y - other.y)

    def __mul__(self, scalar):
        return Vector(self.x * scalar, self.y * scalar)

    def __truediv__(self, scalar):
        return Vector(self.x / scalar, self.y / scalar)

    def __eq__(self, other):
        return isinstance(other, Vector) and (self.x, self.y) == (other.x, other.y)

    def __abs__(self):
        return math.sqrt(self.x * self.x + self.y * self.y)

    def __repr__(self):
        return f"Vector({self.x:.2f}, {self.y:.2f})"

    def cross(self, other):
        return self.x * other.y - self.y * other.x


class Polygon:
    def __init__(self, vertices):
        self.vertices = [v for i, v in enumerate(vertices) if v != vertices[i - 1]]

    def edges(self):
        return list(zip(self.vertices, self.vertices[1:] + self.vertices[:1]))

    @property
    def signed_area(self):
        return sum(a.cross(b) for a, b in self.edges()) / 2

    @property
    def centroid(self):
        if self.signed_area == 0:
            return sum(self.vertices, Vector(0, 0)) / len(self.vertices)
        weighted = sum(((a + b) * a.cross(b) for a, b in self.edges()), Vector(0, 0))
        return weighted / (6 * self.signed_area)

    def is_convex(self):
        edges = self.edges()
        turns = [(b - a).cross(d - c) for (a, b), (c, d) in zip(edges, edges[1:] + edges[:1])]
        return all(t >= 0 for t in turns) or all(t <= 0 for t in turns)


def main():
    vertices = []
    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            x, y = (float(part) for part in line.replace(",", " ").split())
        except ValueError:
            sys.exit(f"line {number}: expected two numbers, got '{line.strip()}'")
        vertices.append(Vector(x, y))
    polygon = Polygon(vertices)
    if len(polygon.vertices) < 3:
        print(f"need at least 3 distinct vertices, got {len(polygon.vertices)}")
        sys.exit(2)
    area = polygon.signed_area
    orientation = "counter-clockwise" if area > 0 else "clockwise" if area < 0 else "degenerate"
    xs, ys = [v.x for v in polygon.vertices], [v.y for v in polygon.vertices]
    longest = max(polygon.edges(), key=lambda edge: abs(edge[1] - edge[0]))
    print(f"vertices: {len(polygon.vertices)}")
    print(f"perimeter: {sum(abs(b - a) for a, b in polygon.edges()):.2f}")
    print(f"area: {abs(area):.2f} ({orientation})")
    print(f"centroid: {polygon.centroid!r}")
    print(f"bounds: {Vector(min(xs), min(ys))!r} .. {Vector(max(xs), max(ys))!r}")
    print(f"convex: {'yes' if polygon.is_convex() else 'no'}")
    print(f"longest edge: {longest[0]!r} -> {longest[1]!r} ({abs(longest[1] - longest[0]):.2f})")


if __name__ == "__main__":
    main()
