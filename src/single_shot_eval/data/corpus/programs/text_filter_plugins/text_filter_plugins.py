"""Pipe stdin through text filters that register themselves via a metaclass: FILTER[=ARG] ...
or --list. A Filter subclass with a `name` is available at once; exit 2 on a bad filter."""
import codecs
import sys


class PluginMeta(type):
    registry = {}

    def __new__(mcls, class_name, bases, namespace):
        cls = super().__new__(mcls, class_name, bases, namespace)
        if namespace.get("name"):
            mcls.registry[namespace["name"]] = cls
        return cls


class Filter(metaclass=PluginMeta):
    def __init__(self, argument=None):
        if argument is not None:
            raise ValueError(f"filter '{self.name}' takes no argument")

    def apply(self, lines):
        return [self.apply_line(line) for line in lines]


class Upper(Filter):
    name, summary = "upper", "convert to upper case"
    apply_line = staticmethod(str.upper)


class Rot13(Filter):
    name, summary = "rot13", "rotate ASCII letters by 13 places"
    apply_line = staticmethod(lambda line: codecs.encode(line, "rot13"))


class Number(Filter):
    name, summary = "number", "prefix each line with its number"

    def apply(self, lines):
        return [f"{number:>4}  {line}" for number, line in enumerate(lines, start=1)]


class Head(Filter):
    name, summary = "head", "keep the first N lines (head=N, default 5)"

    def __init__(self, argument=None):
        if argument is not None and not argument.isdigit():
            raise ValueError(f"head needs a whole number, got '{argument}'")
        self.limit = int(argument or 5)

    def apply(self, lines):
        return lines[:self.limit]


class Grep(Filter):
    name, summary = "grep", "keep lines containing TEXT (grep=TEXT), ignoring case"

    def __init__(self, argument=None):
        if not argument:
            raise ValueError("grep needs grep=TEXT")
        self.needle = argument.casefold()

    def apply(self, lines):
        return [line for line in lines if self.needle in line.casefold()]


def main():
    if sys.argv[1:] == ["--list"]:
        for name, plugin in sorted(PluginMeta.registry.items()):
            print(f"{name:<8} {plugin.summary}")
        return
    try:
        pipeline = []
        for spec in sys.argv[1:]:
            name, equals, argument = spec.partition("=")
            if name not in PluginMeta.registry:
                raise ValueError(f"unknown filter '{name}' (use --list)")
            pipeline.append(PluginMeta.registry[name](argument if equals else None))
    except ValueError as error:
        print(f"error: {error}")
        sys.exit(2)
    lines = sys.stdin.read().splitlines()
    for plugin in pipeline:
        lines = plugin.apply(lines)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
