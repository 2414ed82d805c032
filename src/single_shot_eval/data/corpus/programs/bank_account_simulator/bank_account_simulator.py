"""Replay bank commands from stdin (open, deposit, withdraw, interest, statement) in cents."""
import sys


class BankError(Exception):
    """A rejected command: it is reported and the simulation continues."""


def parse_cents(text):
    whole, _, fraction = text.partition(".")
    if not whole.isdigit() or len(fraction) > 2 or (fraction and not fraction.isdigit()):
        raise BankError(f"invalid amount '{text}'")
    return int(whole) * 100 + int(fraction.ljust(2, "0"))


def format_cents(cents):
    return f"{'-' if cents < 0 else ''}{abs(cents) // 100}.{abs(cents) % 100:02d}"


class Account:
    kind, overdraft_cents = "account", 0

    def __init__(self, owner, opening_cents):
        self.owner, self.balance_cents, self.transactions = owner, opening_cents, 0

    @property
    def available_cents(self):
        return self.balance_cents + self.overdraft_cents

    def apply(self, cents):
        if -cents > self.available_cents:
            available = format_cents(self.available_cents)
            raise BankError(f"{self.owner}: insufficient funds ({available} available)")
        self.balance_cents += cents
        self.transactions += 1

    def __lt__(self, other):
        return (self.kind, self.owner) < (other.kind, other.owner)

    def __str__(self):
        balance = format_cents(self.balance_cents)
        return f"{self.owner:<10} {self.kind:<8} {balance:>10}  ({self.transactions} tx)"


class CheckingAccount(Account):
    kind, overdraft_cents = "checking", 10_000


class SavingsAccount(Account):
    kind = "savings"

    def add_interest(self, basis_points):
        interest_cents = self.balance_cents * basis_points // 10_000
        self.balance_cents += interest_cents
        return interest_cents


def execute(accounts, words):
    match words:
        case ["open", owner, "checking" | "savings" as kind, amount]:
            if owner in accounts:
                raise BankError(f"account '{owner}' already exists")
            account_type = CheckingAccount if kind == "checking" else SavingsAccount
            accounts[owner] = account_type(owner, parse_cents(amount))
        case ["deposit" | "withdraw" as action, owner, amount]:
            accounts[owner].apply(parse_cents(amount) * (1 if action == "deposit" else -1))
        case ["interest", percent]:
            basis_points = parse_cents(percent)
            for account in sorted(accounts.values(), key=lambda account: account.owner):
                if isinstance(account, SavingsAccount):
                    print(f"interest {account.owner}: +{format_cents(account.add_interest(basis_points))}")
        case ["statement"]:
            for account in sorted(accounts.values()):
                print(f"  {account}")
            print(f"  total: {format_cents(sum(a.balance_cents for a in accounts.values()))}")
        case _:
            raise BankError(f"cannot parse '{' '.join(words)}'")


if __name__ == "__main__":
    accounts, rejected = {}, 0
    for number, line in enumerate(sys.stdin, start=1):
        try:
            if line.split():
                execute(accounts, line.split())
        except (BankError, KeyError) as error:
            rejected += 1
            reason = f"no account named {error}" if isinstance(error, KeyError) else error
            print(f"line {number}: rejected: {reason}")
    print(f"{rejected} command(s) rejected")
