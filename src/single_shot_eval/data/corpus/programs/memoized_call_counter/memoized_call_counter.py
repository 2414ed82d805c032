"""Measure what memoization saves on recursive functions, using a user-defined decorator.

Usage: memoized_call_counter.py fib N | stairs N (1-3 steps at a time) | binomial N K |
partitions N. @instrumented counts calls, cache hits and recursion depth; each function runs
memoized, and also plain when N <= 20 (the plain call count grows exponentially).
"""
import sys


def instrumented(function):
    def wrapper(*args):
        wrapper.calls += 1
        wrapper.depth += 1
        wrapper.max_depth = max(wrapper.max_depth, wrapper.depth)
        try:
            if wrapper.memoize and args in wrapper.cache:
                wrapper.hits += 1
                return wrapper.cache[args]
            result = function(*args)
            if wrapper.memoize:
                wrapper.cache[args] = result
            return result
        finally:
            wrapper.depth -= 1

    def reset(memoize):
        wrapper.memoize, wrapper.cache = memoize, {}
        wrapper.calls = wrapper.hits = wrapper.depth = wrapper.max_depth = 0

    wrapper.reset = reset
    reset(True)
    return wrapper


@instrumented
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


@instrumented
def stairs(n):
    return 1 if n == 0 else 0 if n < 0 else stairs(n - 1) + stairs(n - 2) + stairs(n - 3)


@instrumented
def binomial(n, k):
    if k < 0 or k > n:
        return 0
    return 1 if k in (0, n) else binomial(n - 1, k - 1) + binomial(n - 1, k)


@instrumented
def partitions(n, largest):
    if n == 0:
        return 1
    if n < 0 or largest == 0:
        return 0
    return partitions(n, largest - 1) + partitions(n - largest, largest)


FUNCTIONS = {"fib": (fib, 1), "stairs": (stairs, 1), "binomial": (binomial, 2),
             "partitions": (partitions, 1)}


def main():
    name, numbers = (sys.argv[1], sys.argv[2:]) if len(sys.argv) > 1 else ("", [])
    if name not in FUNCTIONS or len(numbers) != FUNCTIONS[name][1] or not all(
            text.isdigit() and int(text) <= 120 for text in numbers):
        print("usage: memoized_call_counter.py fib|stairs|partitions N | binomial N K  (N <= 120)")
        sys.exit(2)
    function, args = FUNCTIONS[name][0], [int(text) for text in numbers]
    if name == "partitions":
        args.append(args[0])
    result = function(*args)
    memo_calls = function.calls
    print(f"{name}({', '.join(numbers)}) = {result}")
    print(f"memoized: {memo_calls} calls, {function.hits} cache hits, "
          f"{len(function.cache)} distinct, max depth {function.max_depth}")
    if args[0] > 20:
        print("plain: skipped for N > 20")
        return
    function.reset(False)
    function(*args)
    saved = function.calls - memo_calls
    print(f"plain: {function.calls} calls, max depth {function.max_depth}")
    print(f"saved: {saved} calls ({100 * saved / function.calls:.1f}%)")


if __name__ == "__main__":
    main()
