"""Find groups of anagrams among the words read from stdin.

usage: anagram_groups.py [MIN_GROUP_SIZE]   (default 2)

Words are compared case-insensitively, ignoring anything that is not a letter;
duplicates count once. Groups are printed largest first, then alphabetically.
"""
import sys
from collections import defaultdict


def letters_only(token):
    return "".join(filter(str.isalpha, token.lower()))


def signature(word):
    return "".join(sorted(word))


def main():
    min_size = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    tokens = sys.stdin.read().split()
    words = {letters_only(token) for token in tokens}
    words.discard("")

    groups = defaultdict(list)
    for word in words:
        groups[signature(word)].append(word)

    found = [sorted(members) for members in groups.values() if len(members) >= min_size]
    found.sort(key=lambda members: (-len(members), members[0]))

    for index, members in enumerate(found, start=1):
        letters = len(members[0])
        print(f"{index:>2}. [{len(members)} x {letters} letters] {' '.join(members)}")

    grouped_words = sum(len(members) for members in found)
    longest = max(found, key=lambda members: (len(members[0]), members[0]), default=None)
    print(f"{len(words)} distinct words, {len(found)} groups, {grouped_words} words in groups")
    if longest:
        print(f"longest anagram: {' / '.join(longest)}")


if __name__ == "__main__":
    main()
