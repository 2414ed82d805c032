"""Hash words with FNV-1a using ctypes fixed-width integers and report their hash buckets.

Usage: fnv1a_hash_tool.py [--bits 32|64] [--buckets N] [WORD ...]  (one word per stdin line
when no WORD is given). ctypes.c_uint32 / c_uint64 wrap around on overflow exactly like C
unsigned integers, which is what FNV-1a relies on. Words are hashed as UTF-8 bytes.
"""
import argparse
import ctypes
import sys

PARAMETERS = {
    32: (ctypes.c_uint32, 0x811C9DC5, 0x01000193),
    64: (ctypes.c_uint64, 0xCBF29CE484222325, 0x100000001B3),
}


def fnv1a(data, bits):
    word_type, offset_basis, prime = PARAMETERS[bits]
    state = word_type(offset_basis)
    for byte in data:
        state.value ^= byte
        state.value *= prime
    return state.value


def main():
    parser = argparse.ArgumentParser(description="FNV-1a hashes and bucket placement")
    parser.add_argument("--bits", type=int, choices=(32, 64), default=32)
    parser.add_argument("--buckets", type=int, default=8)
    parser.add_argument("words", nargs="*")
    args = parser.parse_args()
    if not 1 <= args.buckets <= 1024:
        parser.error("--buckets must be between 1 and 1024")
    words = args.words or [line.strip() for line in sys.stdin if line.strip()]
    buckets = {}
    for word in words:
        digest = fnv1a(word.encode("utf-8"), args.bits)
        bucket = digest % args.buckets
        buckets.setdefault(bucket, []).append(word)
        print(f"{digest:0{args.bits // 4}x}  bucket {bucket:>4}  {word}")
    used = len(buckets)
    print(f"{len(words)} word(s) in {used} of {args.buckets} bucket(s)")
    for bucket, members in sorted(buckets.items()):
        if len(members) > 1:
            print(f"collision in bucket {bucket}: {', '.join(members)}")


if __name__ == "__main__":
    main()
