"""Evaluate RPN expressions, one per stdin line: rpn_calculator.py [DIGITS]; exit 3 on errors."""
import math
import operator
import sys


class RpnError(Exception):
    """A problem with one expression: the line is reported and evaluation continues."""


class StackUnderflowError(RpnError):
    def __init__(self, token, needed, available):
        super().__init__(f"'{token}' needs {needed} operand(s), stack has {available}")


def checked_pow(a, b):
    try:
        return math.pow(a, b)
    except ValueError:
        raise RpnError("math domain error") from None
    except OverflowError:
        raise RpnError("overflow") from None


BINARY = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
          "%": operator.mod, "^": checked_pow}
UNARY = ("neg", "abs", "sqrt")


def evaluate(expression):
    stack = []
    for token in expression.split():
        needed = 1 if token in UNARY else 2 if token in BINARY or token == "swap" else 0
        if len(stack) < needed:
            raise StackUnderflowError(token, needed, len(stack))
        if token in BINARY:
            b, a = stack.pop(), stack.pop()
            try:
                result = BINARY[token](a, b)
            except ZeroDivisionError:
                raise RpnError(f"division by zero in '{token}'") from None
            if not math.isfinite(result):
                raise RpnError("overflow")
            stack.append(result)
        elif token in ("neg", "abs"):
            stack.append(-stack.pop() if token == "neg" else abs(stack.pop()))
        elif token == "sqrt":
            if stack[-1] < 0:
                raise RpnError("square root of a negative number")
            stack.append(math.sqrt(stack.pop()))
        elif token == "swap":
            stack[-1], stack[-2] = stack[-2], stack[-1]
        else:
            try:
                value = float(token)
            except ValueError:
                raise RpnError(f"unknown token '{token}'") from None
            if not math.isfinite(value):
                raise RpnError(f"unknown token '{token}'")
            stack.append(value)
    if len(stack) != 1:
        raise RpnError(f"expected exactly one result, stack has {len(stack)}")
    return stack[0]


def main():
    if len(sys.argv) > 2 or (len(sys.argv) == 2 and not sys.argv[1].isdigit()):
        sys.exit("usage: rpn_calculator.py [DIGITS]")
    digits = min(int(sys.argv[1]), 10) if len(sys.argv) == 2 else 3
    evaluated = failed = 0
    for number, line in enumerate(sys.stdin, start=1):
        expression = line.strip()
        if not expression or expression.startswith("#"):
            continue
        try:
            print(f"{number}: {evaluate(expression):.{digits}f}")
        except RpnError as error:
            failed += 1
            print(f"{number}: error: {error}")
        finally:
            evaluated += 1
    print(f"{evaluated} evaluated, {failed} failed")
    if failed:
        sys.exit(3)


if __name__ == "__main__":
    main()
