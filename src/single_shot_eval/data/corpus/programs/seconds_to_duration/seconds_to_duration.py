"""Turn a number of seconds into a readable duration.

usage: seconds_to_duration.py SECONDS
       (or the number on standard input when no argument is given)

Prints a compact clock form (e.g. "1d 02:03:04") and a spelled-out form
(e.g. "1 day, 2 hours, 3 minutes and 4 seconds").
"""
import sys

raw = sys.argv[1] if len(sys.argv) > 1 else sys.stdin.read()
total = int(raw.strip().replace(",", ""))
sign = "-" if total < 0 else ""
remaining = abs(total)

days = remaining // 86400
hours = remaining % 86400 // 3600
minutes = remaining % 3600 // 60
seconds = remaining % 60

clock = f"{hours:02d}:{minutes:02d}:{seconds:02d}"
if days > 0:
    clock = f"{days}d {clock}"
print(f"Clock:  {sign}{clock}")

# Built from the smallest unit up, so the last separator can be " and ".
words = ""
parts = 0
if seconds or remaining == 0:
    words = f"{seconds} second{'s' if seconds != 1 else ''}"
    parts += 1
if minutes:
    part = f"{minutes} minute{'s' if minutes != 1 else ''}"
    words = part if parts == 0 else part + (" and " if parts == 1 else ", ") + words
    parts += 1
if hours:
    part = f"{hours} hour{'s' if hours != 1 else ''}"
    words = part if parts == 0 else part + (" and " if parts == 1 else ", ") + words
    parts += 1
if days:
    part = f"{days} day{'s' if days != 1 else ''}"
    words = part if parts == 0 else part + (" and " if parts == 1 else ", ") + words
    parts += 1
print(f"Words:  {'minus ' if sign else ''}{words}")
print(f"Total:  {total:,} seconds = {total / 3600:.2f} hours")
