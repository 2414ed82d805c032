"""Check ISO dates (YYYY-MM-DD), one per stdin line, and describe the valid ones.

Usage: iso_date_checker.py [--min-year N]. Exit 0 when every date is valid, 2 otherwise.
"""
import re
import sys

DATE_PATTERN = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


class DateFormatError(ValueError):
    """The text does not look like YYYY-MM-DD at all."""


class DateRangeError(ValueError):
    """The text is well formed but names a day that does not exist (or is too early)."""


def is_leap(year):
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def parse_date(text, min_year):
    match = DATE_PATTERN.fullmatch(text)
    if match is None:
        raise DateFormatError(f"'{text}' is not in YYYY-MM-DD form")
    year, month, day = (int(part) for part in match.groups())
    if year < min_year:
        raise DateRangeError(f"year {year} is before {min_year}")
    if not 1 <= month <= 12:
        raise DateRangeError(f"month {month} does not exist")
    last_day = 29 if month == 2 and is_leap(year) else DAYS_IN_MONTH[month - 1]
    if not 1 <= day <= last_day:
        raise DateRangeError(f"{MONTHS[month - 1]} {year} has {last_day} days, not {day}")
    return year, month, day


def days_since_epoch(year, month, day):
    """Days from 1970-01-01 (negative before it), by Howard Hinnant's civil-date algorithm."""
    shifted_year = year - 1 if month <= 2 else year
    era = shifted_year // 400
    year_of_era = shifted_year - era * 400
    day_of_year = (153 * (month - 3 if month > 2 else month + 9) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146097 + day_of_era - 719468


def main():
    args = sys.argv[1:]
    if args and (len(args) != 2 or args[0] != "--min-year" or not args[1].isdigit()):
        sys.exit("usage: iso_date_checker.py [--min-year N]")
    min_year = int(args[1]) if args else 1
    valid, invalid = [], 0
    for number, line in enumerate(sys.stdin, start=1):
        text = line.strip()
        if not text:
            continue
        try:
            year, month, day = parse_date(text, min_year)
        except (DateFormatError, DateRangeError) as error:
            invalid += 1
            kind = "format" if isinstance(error, DateFormatError) else "range"
            print(f"line {number}: {kind} error: {error}")
        else:
            days = days_since_epoch(year, month, day)
            weekday = (days + 3) % 7
            assert 0 <= weekday < 7
            day_number = days - days_since_epoch(year, 1, 1) + 1
            print(f"{text}: {WEEKDAYS[weekday]}, day {day_number} of {year}, epoch day {days}")
            valid.append(days)
    print(f"valid: {len(valid)}, invalid: {invalid}")
    if len(valid) >= 2:
        print(f"span: {max(valid) - min(valid)} days")
    if invalid:
        sys.exit(2)


if __name__ == "__main__":
    main()
