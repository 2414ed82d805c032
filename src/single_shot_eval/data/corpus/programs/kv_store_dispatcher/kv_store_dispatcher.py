"""Key-value shell: each stdin line goes to a do_<command> method found with getattr ("help"
lists them); begin/commit/rollback transactions nest. Exit status 1 if any command failed."""
import sys


class CommandError(Exception):
    """A command that cannot be carried out; the shell reports it and continues."""


class KeyValueShell:
    def __init__(self):
        self.data, self.snapshots = {}, []

    def dispatch(self, line):
        name, *args = line.split()
        handler = getattr(self, f"do_{name}", None)
        if handler is None:
            raise CommandError(f"unknown command '{name}' (try help)")
        try:
            return handler(*args)
        except TypeError:
            raise CommandError(f"wrong number of arguments for '{name}'") from None

    def do_set(self, key, first_word, *more_words):
        """set KEY VALUE...: store the words joined by single spaces"""
        self.data[key] = " ".join((first_word, *more_words))
        return "OK"

    def do_get(self, key):
        """get KEY: show the value, or (nil)"""
        return self.data.get(key, "(nil)")

    def do_del(self, key):
        """del KEY: remove the key; prints 1 if it existed, else 0"""
        return str(int(self.data.pop(key, None) is not None))

    def do_incr(self, key, by="1"):
        """incr KEY [BY]: add an integer (default 1) to an integer value"""
        try:
            value = int(self.data.get(key, "0")) + int(by)
        except ValueError:
            raise CommandError(f"value of '{key}' or increment is not an integer") from None
        self.data[key] = str(value)
        return str(value)

    def do_keys(self, prefix=""):
        """keys [PREFIX]: list the keys starting with PREFIX, sorted"""
        return " ".join(sorted(key for key in self.data if key.startswith(prefix))) or "(empty)"

    def do_begin(self):
        """begin: start a (nested) transaction"""
        self.snapshots.append(dict(self.data))
        return f"BEGIN (depth {len(self.snapshots)})"

    def do_commit(self):
        """commit: keep the changes of the innermost transaction"""
        if not self.snapshots:
            raise CommandError("no transaction to commit")
        self.snapshots.pop()
        return f"COMMIT (depth {len(self.snapshots)})"

    def do_rollback(self):
        """rollback: undo the changes of the innermost transaction"""
        if not self.snapshots:
            raise CommandError("no transaction to roll back")
        self.data = self.snapshots.pop()
        return f"ROLLBACK (depth {len(self.snapshots)})"

    def do_help(self):
        """help: list the commands"""
        names = sorted(name for name in dir(self) if name.startswith("do_"))
        return "\n".join(getattr(self, name).__doc__ for name in names)


def main():
    shell, failures = KeyValueShell(), 0
    for number, line in enumerate(sys.stdin, start=1):
        if not line.split() or line.lstrip().startswith("#"):
            continue
        try:
            print(shell.dispatch(line))
        except CommandError as error:
            failures += 1
            print(f"error (line {number}): {error}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
