"""Summarise an application log read from stdin.

Expected line format:  2024-03-01 12:04:55 LEVEL [component] message
usage: log_level_summary.py [TOP_MESSAGES]   (default 3)

Prints counts per level, a level breakdown per component, the busiest hour
and the most frequent ERROR messages. Lines that do not match are counted
as skipped.
"""
import sys
from collections import Counter, defaultdict

LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


def parse(line):
    """(date, hour, level, component, message) or None for a malformed line."""
    parts = line.split(maxsplit=4)
    if len(parts) < 5 or parts[2] not in LEVELS:
        return None
    if not (parts[3].startswith("[") and parts[3].endswith("]")):
        return None
    return parts[0], parts[1][:2], parts[2], parts[3][1:-1], parts[4].strip()


def breakdown(counts):
    """Non-zero counts in severity order, e.g. "I:3 E:1"."""
    return " ".join(f"{level[0]}:{counts[level]}" for level in LEVELS if counts[level])


def main():
    top_messages = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    raw_lines = [line for line in sys.stdin.read().splitlines() if line.strip()]
    entries = [entry for entry in map(parse, raw_lines) if entry is not None]
    skipped = len(raw_lines) - len(entries)

    level_counts = Counter(level for _, _, level, _, _ in entries)
    by_component = defaultdict(Counter)
    for _, _, level, component, _ in entries:
        by_component[component][level] += 1
    hours = Counter(f"{date} {hour}:00" for date, hour, _, _, _ in entries)
    errors = Counter(message for _, _, level, _, message in entries if level == "ERROR")

    print(f"{len(entries)} entries, {skipped} skipped")
    print("levels: " + ", ".join(f"{lv}={level_counts[lv]}" for lv in LEVELS if level_counts[lv]))
    print("components:")
    for component in sorted(by_component):
        counts = by_component[component]
        print(f"  {component:<10} {sum(counts.values()):>4}  {breakdown(counts)}")
    if hours:
        busiest, count = min(hours.items(), key=lambda item: (-item[1], item[0]))
        print(f"busiest hour: {busiest} ({count} entries)")
    top = sorted(errors.items(), key=lambda item: (-item[1], item[0]))[:top_messages]
    if top:
        print("top errors:")
        for message, count in top:
            print(f"  {count:>3} x {message}")


if __name__ == "__main__":
    main()
