"""Validate a key=value service config from stdin; exit 2 typo, 3 missing, 4 bad value, 5 unknown."""
import sys


class ConfigError(Exception):
    exit_code = 1


class ParseError(ConfigError):
    exit_code = 2


class MissingKeyError(ConfigError):
    exit_code = 3


class ValueRangeError(ConfigError):
    exit_code = 4


class UnknownKeyError(ConfigError):
    exit_code = 5


KNOWN_KEYS = ("host", "port", "workers", "mode", "timeout_s")


def parse_lines(text):
    entries = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if "=" not in line:
            raise ParseError(f"line {number}: expected key=value, got '{line}'")
        key, value = (part.strip() for part in line.split("=", 1))
        if key in entries:
            raise ParseError(f"line {number}: duplicate key '{key}'")
        entries[key] = value
    return entries


def parse_number(key, value, convert, low, high):
    try:
        number = convert(value)
    except ValueError:
        raise ValueRangeError(f"{key}: '{value}' is not a valid {convert.__name__}") from None
    if not low <= number <= high:
        raise ValueRangeError(f"{key}: {value} is outside {low}..{high}")
    return number


def validate(entries, strict):
    unknown = sorted(set(entries) - set(KNOWN_KEYS))
    if unknown and strict:
        raise UnknownKeyError("unknown keys: " + ", ".join(unknown))
    for required in ("host", "port", "mode"):
        if required not in entries:
            raise MissingKeyError(f"missing required key '{required}'")
    host = entries["host"]
    if not host or " " in host:
        raise ValueRangeError(f"host: '{host}' is not a valid host name")
    port = parse_number("port", entries["port"], int, 1, 65535)
    mode = entries["mode"].lower()
    if mode not in ("dev", "staging", "prod"):
        raise ValueRangeError(f"mode: '{mode}' is not one of dev, staging, prod")
    workers = parse_number("workers", entries.get("workers", "4"), int, 1, 64)
    timeout_s = parse_number("timeout_s", entries.get("timeout_s", "30"), float, 0.5, 3600.0)
    return dict(zip(KNOWN_KEYS, (host, port, workers, mode, f"{timeout_s:.1f}"))), unknown


def main():
    try:
        config, unknown = validate(parse_lines(sys.stdin.read()), "--strict" in sys.argv[1:])
    except ConfigError as error:
        print(f"error: {error}")
        sys.exit(error.exit_code)
    for key in unknown:
        print(f"warning: ignoring unknown key '{key}'")
    for key in KNOWN_KEYS:
        print(f"{key} = {config[key]}")
    print("config OK")


if __name__ == "__main__":
    main()
