"""Print the usage text of `snapvault`, a small backup tool.

This stand-alone script only documents the command line; it never parses it,
so any arguments or standard input are ignored.
"""
import sys

if __name__ == "__main__":
    print("usage: snapvault <command> [options] <path>...")
    print()
    print("Take, list and restore snapshots of a directory tree.")
    print()
    print("commands:")
    print("  take      create a new snapshot of each <path>")
    print("  list      show the snapshots stored for each <path>")
    print("  restore   copy a snapshot back into place")
    print("  prune     delete snapshots older than the retention window")
    print()
    print("options:")
    print("  -r, --repo DIR       repository directory (default: ./.snapvault)")
    print("  -k, --keep N         snapshots to keep when pruning (default: 7)")
    print("  -n, --dry-run        show what would happen, change nothing")
    print("  -q, --quiet          only print errors")
    print()
    print("examples:")
    print("  snapvault take ~/projects")
    print("  snapvault restore --repo /mnt/backup ~/projects")
    print("  snapvault prune -k 3 ~/projects ~/photos")
    print()
    print("exit status:", "0 on success,", "1 on error,", "2 on bad usage.")
    print("Report bugs to the issue tracker.", end="\n\n")
