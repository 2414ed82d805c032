"""Values of the domains an argument's name, help or a program's summary line names (a date, a
time, a Roman numeral, a cron line, an e-mail address...): typical ones and near misses."""

from __future__ import annotations

import re

from single_shot_eval.casegen.program_vocabulary import add_unique

_HINTED_VALUES = (
    (re.compile(r"(?i)\broman|numeral"),
     ["XIV", "MCMXCIV", "iv", "MMXXIV", "IIII", "IC", "ABC", "0"]),
    (re.compile(r"(?i)\bcron"),
     ["*/15 * * * *", "0 9 * * 1-5", "30 2 1 1 *", "0 0 * * 0", "5,10 */2 * * *",
      "61 * * * *", "* * *"]),
    (re.compile(r"(?i)timestamp|datetime|\biso\b"),
     ["2024-03-15T10:30:00", "2024-03-15T10:30:00+02:00", "2024-03-15", "1700000000",
      "2024-13-45T99:00:00"]),
    (re.compile(r"(?i)yyyy|date|birth|\bday\b"),
     ["2024-03-15", "1990-05-15", "2000-02-29", "2023-12-31", "15/05/1990", "2023-02-29",
      "1970-01-01"]),
    (re.compile(r"(?i)duration|timeout|interval|delay|period|\bttl\b|elapsed"),
     ["30s", "5m", "1h30m", "1d2h30m", "90", "0", "2w", "abc"]),
    (re.compile(r"(?i)hh:mm|\btime\b|clock"), ["12:30", "00:00", "23:59", "7:05", "24:00"]),
    (re.compile(r"(?i)semver|\bversion\b"),
     ["1.2.3", "0.1.0-alpha.1", "2.0.0+build.5", "1.2", "v1.10.0", "x.y.z"]),
    (re.compile(r"(?i)\buuid|\bguid"),
     ["123e4567-e89b-12d3-a456-426614174000", "00000000-0000-0000-0000-000000000000",
      "not-a-uuid"]),
    (re.compile(r"(?i)cidr|subnet|netmask|network"),
     ["192.168.1.0/24", "10.0.0.0/8", "192.168.1.7/32", "172.16.0.0/33", "2001:db8::/32"]),
    (re.compile(r"(?i)\bip\b|ipv[46]|address"),
     ["192.168.1.10", "10.0.0.256", "::1", "127.0.0.1", "2001:db8::1"]),
    (re.compile(r"(?i)\bmac\b"), ["00:1A:2B:3C:4D:5E", "00-1a-2b-3c-4d-5e", "zz:zz"]),
    (re.compile(r"(?i)e-?mail"), ["user@example.com", "first.last+tag@sub.example.org",
                                  "not-an-email", "a@b"]),
    (re.compile(r"(?i)\burl\b|\buri\b|https?|link"),
     ["https://example.com/a/b?x=1&y=two#frag", "http://user:pw@host:8080/p", "ftp://x",
      "example.com/path", "nope"]),
    (re.compile(r"(?i)\bhex|colou?r"),
     ["ff8800", "#00FF7f", "48656c6c6f", "0xff", "DEADBEEF", "zz", "0"]),
    (re.compile(r"(?i)base64|\bb64"), ["aGVsbG8gd29ybGQ=", "SGk=", "YWJj", "!!!"]),
    (re.compile(r"(?i)\bbinary\b|\bbits?\b"), ["1011", "0b1010", "0", "102"]),
    (re.compile(r"(?i)octal|permission|chmod"), ["755", "0o644", "rwxr-xr-x", "999"]),
    (re.compile(r"(?i)\bphone"), ["+1-555-123-4567", "(555) 123-4567", "12"]),
    (re.compile(r"(?i)\bisbn"), ["978-0-306-40615-7", "0-306-40615-2", "123"]),
    (re.compile(r"(?i)credit|\bcard\b|luhn"),
     ["4532015112830366", "79927398713", "1234567812345678", "12ab"]),
    (re.compile(r"(?i)regex|pattern|\bglob"), ["[0-9]+", "^a.*z$", "foo|bar", "*.txt", "("]),
    (re.compile(r"(?i)matrix"), ["1,2;3,4", "1,0;0,1", "2,3,4", "1,2;3"]),
    (re.compile(r"(?i)comma|vector|\blist\b|coefficients|csv"),
     ["1,2,3", "3,-1,2.5", "a,b,c", "5", ""]),
    (re.compile(r"(?i)\bexpr|formula|equation|arithmetic"),
     ["2 + 3 * 4", "(1 + 2) * 3", "10 / 4", "7 % 3", "2 ^ 10", "-5 + 2", "1 / 0", "3 +",
      "(2"]),
    (re.compile(r"(?i)\blat|\blon|coordinate"), ["40.7128", "-74.006", "91", "0"]),
    (re.compile(r"(?i)\btext\b|sentence|message|string|phrase"),
     ["Hello World", "racecar", "A man, a plan, a canal: Panama", "The quick brown fox",
      "", "ünïcödé ✓"]),
    (re.compile(r"(?i)\bword"), ["hello", "Level", "racecar", "a"]),
    (re.compile(r"(?i)number|count|amount|value|size|width|n\b|num"),
     ["3", "0", "-4", "12.5", "100"]),
)


def hinted_values(hint: str) -> list[str] | None:
    """Values for a string argument whose name or help says what it holds (a date, a time, a
    Roman numeral, a cron line...): those of every domain the hint names, the first first."""
    found: list[str] = []
    for pattern, values in _HINTED_VALUES:
        if pattern.search(hint):
            for value in values:
                add_unique(found, value)
    return found or None
