"""Report areas of shapes listed on stdin, largest first, then per-kind totals.
Lines: circle R | rectangle W H | square S | triangle A B C. argv[1]: decimals (2)."""
import math
import sys
from abc import ABC, abstractmethod


class Shape(ABC):
    kind, arity = "shape", 0

    def __init__(self, *sizes):
        self.sizes = sizes

    @abstractmethod
    def area(self): ...

    def __lt__(self, other):
        return (-self.area(), self.kind) < (-other.area(), other.kind)

    def describe(self, decimals):
        sizes = "x".join(f"{size:g}" for size in self.sizes)
        return f"{self.kind:<10}{sizes:<14}area {self.area():>12.{decimals}f}"


class Circle(Shape):
    kind, arity = "circle", 1

    def area(self):
        return math.pi * self.sizes[0] * self.sizes[0]


class Rectangle(Shape):
    kind, arity = "rectangle", 2

    def area(self):
        return self.sizes[0] * self.sizes[-1]


class Square(Rectangle):
    kind, arity = "square", 1


class Triangle(Shape):
    kind, arity = "triangle", 3

    def __init__(self, a, b, c):
        if max(a, b, c) * 2 >= a + b + c:
            raise ValueError(f"sides {a:g}, {b:g}, {c:g} violate the triangle inequality")
        super().__init__(a, b, c)

    def area(self):
        s = sum(self.sizes) / 2
        return math.sqrt(s * (s - self.sizes[0]) * (s - self.sizes[1]) * (s - self.sizes[2]))


SHAPES = {shape.kind: shape for shape in (Circle, Rectangle, Square, Triangle)}


def parse_shape(words):
    if words[0] not in SHAPES:
        raise ValueError(f"unknown shape '{words[0]}'")
    shape_type = SHAPES[words[0]]
    if len(words) - 1 != shape_type.arity:
        raise ValueError(f"{words[0]} needs {shape_type.arity} size(s), got {len(words) - 1}")
    sizes = [float(word) for word in words[1:]]
    if not all(0 < size < math.inf for size in sizes):
        raise ValueError("sizes must be positive and finite")
    return shape_type(*sizes)


def main():
    decimals = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    shapes = []
    for number, line in enumerate(sys.stdin, start=1):
        try:
            if line.split():
                shapes.append(parse_shape(line.split()))
        except ValueError as error:
            print(f"line {number}: {error}")
    for shape in sorted(shapes):
        print(shape.describe(decimals))
    for kind in sorted({shape.kind for shape in shapes}):
        same = [shape for shape in shapes if shape.kind == kind]
        print(f"{kind}: {len(same)} shape(s), total area {sum(s.area() for s in same):.{decimals}f}")


if __name__ == "__main__":
    main()
