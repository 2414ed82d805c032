"""Count primes below N with a segmented sieve, one threading.Thread per segment.

Usage: threaded_prime_segments.py N [SEGMENTS]  (2 <= N <= 2000000, 1-16 segments, default 4).
Each thread sieves its own half-open range [low, high) with the base primes up to sqrt(N) and
writes only its own slot of the results list, so no lock is needed and the order is fixed.
"""
import math
import sys
import threading


def base_primes(limit):
    sieve = bytearray([1]) * (limit + 1)
    sieve[:2] = b"\x00\x00"
    for p in range(2, math.isqrt(limit) + 1):
        if sieve[p]:
            sieve[p * p::p] = bytes(len(range(p * p, limit + 1, p)))
    return [n for n in range(limit + 1) if sieve[n]]


def sieve_segment(low, high, primes, results, slot):
    flags = bytearray([1]) * (high - low)
    for p in primes:
        start = max(p * p, (low + p - 1) // p * p)
        flags[start - low::p] = bytes(len(range(start, high, p)))
    results[slot] = [low + offset for offset, flag in enumerate(flags) if flag]


def main():
    args = sys.argv[1:]
    if not 1 <= len(args) <= 2 or not all(arg.isdigit() for arg in args):
        sys.exit("usage: threaded_prime_segments.py N [SEGMENTS]")
    n, segments = int(args[0]), int(args[1]) if len(args) == 2 else 4
    if not 2 <= n <= 2_000_000 or not 1 <= segments <= 16:
        print("error: need 2 <= N <= 2000000 and 1 <= SEGMENTS <= 16")
        sys.exit(2)
    primes = base_primes(math.isqrt(n))
    step = -(-(n - 2) // segments)
    bounds = [(min(n, 2 + i * step), min(n, 2 + (i + 1) * step)) for i in range(segments)]
    results = [None] * segments
    threads = [threading.Thread(target=sieve_segment, args=(low, high, primes, results, slot))
               for slot, (low, high) in enumerate(bounds)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(f"primes below {n} in {segments} segment(s):")
    for slot, ((low, high), found) in enumerate(zip(bounds, results), start=1):
        span = f"{found[0]}..{found[-1]}" if found else "none"
        print(f"  segment {slot} [{low}, {high}): {len(found)} primes, {span}")
    everything = [p for found in results for p in found]
    twins = sum(1 for a, b in zip(everything, everything[1:]) if b - a == 2)
    print(f"total: {len(everything)} primes, {twins} twin pairs")
    if len(everything) >= 2:
        gap, after = max((b - a, a) for a, b in zip(everything, everything[1:]))
        print(f"largest gap: {gap} after {after}")


if __name__ == "__main__":
    main()
