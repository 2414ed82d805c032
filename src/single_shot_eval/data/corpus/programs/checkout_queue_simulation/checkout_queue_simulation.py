"""Simulate customers queueing at supermarket checkouts, minute by minute.

usage: checkout_queue_simulation.py [LANES] [OPEN_MINUTES] [SEED] [ARRIVAL_PERCENT]
       (defaults: 2 lanes, 120 minutes, seed 42, 60% chance of an arrival per minute)

Random numbers come from a seeded linear congruential generator, so a run is
reproducible. Customers join the shortest queue; after closing time the lanes
keep working until every queue is empty.
"""
import sys
from collections import deque


def lcg(seed):
    """Endless pseudo-random integers in [0, 2**31)."""
    state = seed
    while True:
        state = (state * 1103515245 + 12345) % 2**31
        yield state


def main():
    settings = [int(arg) for arg in sys.argv[1:5]]
    lanes, open_minutes, seed, arrival_percent = settings + [2, 120, 42, 60][len(settings):]
    if lanes < 1 or open_minutes < 0:
        print("need at least one lane and a non-negative opening time")
        return

    rng = lcg(seed)
    queues = [deque() for _ in range(lanes)]
    busy_until = [0] * lanes
    served = [0] * lanes
    waits = []
    longest_queue = 0
    minute = 0
    while minute < open_minutes or any(queues) or max(busy_until) > minute:
        if minute < open_minutes and (next(rng) >> 16) % 100 < arrival_percent:
            items = 1 + (next(rng) >> 16) % 30
            lane = min(range(lanes), key=lambda i: (len(queues[i]) + (busy_until[i] > minute), i))
            queues[lane].append((minute, items))
        for lane in range(lanes):
            if busy_until[lane] <= minute and queues[lane]:
                arrived, items = queues[lane].popleft()
                waits.append(minute - arrived)
                busy_until[lane] = minute + 1 + items // 8
                served[lane] += 1
        longest_queue = max(longest_queue, max(len(queue) for queue in queues))
        if minute % 30 == 0 and minute > 0:
            print(f"t={minute:>4}  queues={[len(queue) for queue in queues]}")
        minute += 1

    print(f"closed at t={open_minutes}, last customer done at t={minute}")
    for lane in range(lanes):
        print(f"  lane {lane + 1}: {served[lane]} customers")
    if waits:
        average = sum(waits) / len(waits)
        print(f"served {len(waits)}, average wait {average:.2f} min, longest wait {max(waits)} min")
    else:
        print("no customers today")
    print(f"longest queue: {longest_queue}")


if __name__ == "__main__":
    main()
