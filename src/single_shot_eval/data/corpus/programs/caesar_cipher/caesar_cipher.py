"""Encode, decode or brute-force text with a Caesar cipher.

usage: caesar_cipher.py encode|decode [SHIFT]   (text on stdin, SHIFT defaults to 3)
       caesar_cipher.py crack                   (prints the first line under all 25 shifts)

Only ASCII letters are shifted; case, digits, punctuation and other
characters are kept as they are. Negative shifts are allowed.
"""
import sys


def shift_char(ch, shift=3):
    """Rotate one ASCII letter by `shift` places, leaving anything else unchanged."""
    if "a" <= ch <= "z":
        return chr((ord(ch) - ord("a") + shift) % 26 + ord("a"))
    if "A" <= ch <= "Z":
        return chr((ord(ch) - ord("A") + shift) % 26 + ord("A"))
    return ch


def transform(text, shift):
    result = ""
    for i in range(len(text)):
        result += shift_char(text[i], shift)
    return result


def count_letters(text):
    letters = 0
    for i in range(len(text)):
        if text[i].isascii() and text[i].isalpha():
            letters += 1
    return letters


def first_line(text):
    line = ""
    for i in range(len(text)):
        if text[i] == "\n":
            return line
        line += text[i]
    return line


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    shift = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    text = sys.stdin.read()
    if mode == "encode":
        print(transform(text, shift), end="")
    elif mode == "decode":
        print(transform(text, -shift), end="")
    elif mode == "crack":
        line = first_line(text)
        print(f"{count_letters(line)} letters to try")
        for candidate in range(1, 26):
            print(f"{candidate:>2}: {transform(line, -candidate)}")
    else:
        print("usage: caesar_cipher.py encode|decode [SHIFT] | crack")


if __name__ == "__main__":
    main()
