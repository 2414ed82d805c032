"""Split arithmetic expressions into tokens and check their parentheses.

Reads one expression per line on stdin and prints its tokens as KIND:text,
then a verdict. Numbers may have a fraction and an exponent (1.5e-3);
names start with a letter or underscore; operators are + - * / % ^ and **.
Tokenizing stops at the first character that cannot start a token.
"""
import sys


def tokenize(expression):
    """Yield (kind, text, column) triples, ending with an ERROR token if one is found."""
    i = 0
    while i < len(expression):
        ch = expression[i]
        start = i
        if ch.isspace():
            i += 1
            continue
        if ch.isdigit() or (ch == "." and expression[i + 1:i + 2].isdigit()):
            while i < len(expression) and expression[i].isdigit():
                i += 1
            if expression[i:i + 1] == ".":
                i += 1
                while i < len(expression) and expression[i].isdigit():
                    i += 1
            if expression[i:i + 1] in ("e", "E"):
                sign = 1 if expression[i + 1:i + 2] in ("+", "-") else 0
                if expression[i + 1 + sign:i + 2 + sign].isdigit():
                    i += 1 + sign
                    while i < len(expression) and expression[i].isdigit():
                        i += 1
            yield "NUMBER", expression[start:i], start + 1
            continue
        if ch.isalpha() or ch == "_":
            while i < len(expression) and (expression[i].isalnum() or expression[i] == "_"):
                i += 1
            yield "NAME", expression[start:i], start + 1
            continue
        if expression.startswith("**", i):
            yield "OP", "**", start + 1
            i += 2
            continue
        match ch:
            case "(":
                kind = "LPAREN"
            case ")":
                kind = "RPAREN"
            case ",":
                kind = "COMMA"
            case "+" | "-" | "*" | "/" | "%" | "^":
                kind = "OP"
            case _:
                yield "ERROR", ch, start + 1
                return
        yield kind, ch, start + 1
        i += 1


def main():
    for line_number, line in enumerate(sys.stdin.read().splitlines(), start=1):
        if not line.strip():
            continue
        tokens = list(tokenize(line))
        print(f"{line_number}: " + " ".join(f"{kind}:{text}" for kind, text, _ in tokens))
        depth = 0
        verdict = "ok"
        for kind, text, column in tokens:
            if kind == "ERROR":
                verdict = f"unexpected {text!r} at column {column}"
                break
            if kind == "LPAREN":
                depth += 1
            elif kind == "RPAREN":
                depth -= 1
                if depth < 0:
                    verdict = f"unmatched ')' at column {column}"
                    break
        else:
            if depth > 0:
                verdict = f"{depth} unclosed '('"
        names = sorted({text for kind, text, _ in tokens if kind == "NAME"})
        print(f"   {len(tokens)} tokens, names: {', '.join(names) or '-'}; {verdict}")


if __name__ == "__main__":
    main()
