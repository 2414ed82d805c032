"""Apply ledger entries ("ACCOUNT AMOUNT" per stdin line) with several threads sharing a lock.

Usage: locked_ledger_threads.py [THREADS]  (1-8, default 3). Line i goes to thread
(i - 1) % THREADS. Balances are sums, so the final state does not depend on thread timing;
everything is printed sorted. Exit 3 when any entry was rejected.
"""
import re
import sys
import threading

AMOUNT = re.compile(r"([+-]?)([0-9]+)(?:\.([0-9]{1,2}))?")


def parse_cents(text):
    match = AMOUNT.fullmatch(text)
    if match is None:
        raise ValueError(f"bad amount '{text}'")
    sign, whole, fraction = match.groups()
    cents = int(whole) * 100 + int((fraction or "0").ljust(2, "0"))
    return -cents if sign == "-" else cents


class Ledger:
    def __init__(self):
        self.lock = threading.Lock()
        self.balances, self.rejected, self.applied = {}, [], {}

    def apply(self, worker, number, line):
        parts = line.split()
        try:
            if len(parts) != 2:
                raise ValueError(f"expected ACCOUNT AMOUNT, got {len(parts)} field(s)")
            cents = parse_cents(parts[1])
        except ValueError as error:
            with self.lock:
                self.rejected.append((number, str(error)))
            return
        with self.lock:
            self.balances[parts[0]] = self.balances.get(parts[0], 0) + cents
            self.applied[worker] = self.applied.get(worker, 0) + 1


def format_cents(cents):
    return f"{'-' if cents < 0 else ''}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def main():
    if len(sys.argv) > 2 or (len(sys.argv) == 2 and sys.argv[1] not in list("12345678")):
        print("usage: locked_ledger_threads.py [THREADS 1-8]", file=sys.stderr)
        sys.exit(2)
    workers = int(sys.argv[1]) if len(sys.argv) == 2 else 3
    entries = [(number, line) for number, line in enumerate(sys.stdin, start=1) if line.strip()]
    ledger = Ledger()

    def run(worker):
        for number, line in entries[worker::workers]:
            ledger.apply(worker, number, line)

    threads = [threading.Thread(target=run, args=(worker,)) for worker in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for worker in range(workers):
        print(f"thread {worker}: {ledger.applied.get(worker, 0)} entries applied")
    for account, cents in sorted(ledger.balances.items()):
        print(f"{account:<12} {format_cents(cents):>12}")
    print(f"{'net':<12} {format_cents(sum(ledger.balances.values())):>12}")
    for number, reason in sorted(ledger.rejected):
        print(f"rejected line {number}: {reason}")
    if ledger.rejected:
        sys.exit(3)


if __name__ == "__main__":
    main()
