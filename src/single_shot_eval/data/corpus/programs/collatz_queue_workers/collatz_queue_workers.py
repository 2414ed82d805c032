"""Collatz stopping times for a range of numbers, computed by worker threads fed from a queue.

Usage: collatz_queue_workers.py START END [WORKERS]  (inclusive, START >= 1, at most 50000
numbers, 1-16 workers, default 4). Results are stored under a lock and reported sorted, so the
output never depends on which thread finished first. Exit 2 on bad arguments.
"""
import queue
import sys
import threading


def stopping_time(n):
    """Steps to reach 1 and the highest value seen on the way."""
    steps, peak = 0, n
    while n != 1:
        n = n // 2 if n % 2 == 0 else 3 * n + 1
        peak = max(peak, n)
        steps += 1
    return steps, peak


def worker(tasks, results, lock):
    while True:
        n = tasks.get()
        try:
            if n is None:
                return
            outcome = stopping_time(n)
            with lock:
                results[n] = outcome
        finally:
            tasks.task_done()


def parse_arguments(args):
    if len(args) not in (2, 3) or not all(arg.isdigit() for arg in args):
        raise ValueError("usage: collatz_queue_workers.py START END [WORKERS]")
    start, end, workers = int(args[0]), int(args[1]), int(args[2]) if len(args) == 3 else 4
    if not 1 <= start <= end or end - start >= 50_000 or not 1 <= workers <= 16:
        raise ValueError("need 1 <= START <= END, END - START < 50000, 1 <= WORKERS <= 16")
    return start, end, workers


def main():
    try:
        start, end, workers = parse_arguments(sys.argv[1:])
    except ValueError as error:
        print(f"error: {error}")
        sys.exit(2)
    tasks, results, lock = queue.Queue(), {}, threading.Lock()
    threads = [threading.Thread(target=worker, args=(tasks, results, lock)) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for n in range(start, end + 1):
        tasks.put(n)
    for _ in threads:
        tasks.put(None)
    tasks.join()
    for thread in threads:
        thread.join()
    ranked = sorted(results.items(), key=lambda item: (-item[1][0], item[0]))
    total_steps = sum(steps for steps, _ in results.values())
    print(f"numbers: {len(results)} ({start}..{end}) on {workers} worker(s)")
    print(f"average steps: {total_steps / len(results):.3f}")
    print(f"highest peak: {max(peak for _, peak in results.values())}")
    print("longest chains:")
    for n, (steps, peak) in ranked[:5]:
        print(f"  {n:>7} {steps:>4} steps, peak {peak}")
    if end - start < 12:
        print("all: " + " ".join(f"{n}:{results[n][0]}" for n in sorted(results)))


if __name__ == "__main__":
    main()
