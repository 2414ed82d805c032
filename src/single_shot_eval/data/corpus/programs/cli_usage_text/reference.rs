//! Print the usage text of `snapvault`, a small backup tool.
//! Arguments and standard input are ignored.

const USAGE: &str = "\
usage: snapvault <command> [options] <path>...

Take, list and restore snapshots of a directory tree.

commands:
  take      create a new snapshot of each <path>
  list      show the snapshots stored for each <path>
  restore   copy a snapshot back into place
  prune     delete snapshots older than the retention window

options:
  -r, --repo DIR       repository directory (default: ./.snapvault)
  -k, --keep N         snapshots to keep when pruning (default: 7)
  -n, --dry-run        show what would happen, change nothing
  -q, --quiet          only print errors

examples:
  snapvault take ~/projects
  snapvault restore --repo /mnt/backup ~/projects
  snapvault prune -k 3 ~/projects ~/photos

exit status: 0 on success, 1 on error, 2 on bad usage.
Report bugs to the issue tracker.
";

fn main() {
    println!("{}", USAGE);
}
