"""Count word frequencies in text read from stdin and print the most common words.

usage: word_frequency.py [TOP_N] [MIN_LENGTH]   (defaults: 10 and 1)

Words are runs of letters, digits and apostrophes, compared case-insensitively.
Ties in frequency are listed alphabetically.
"""
import sys
from collections import Counter

STOP_WORDS = {"a", "an", "and", "the", "of", "to", "in", "is", "it"}


def tokenize(text):
    cleaned = "".join(ch if ch.isalnum() or ch == "'" else " " for ch in text.lower())
    return [word.strip("'") for word in cleaned.split() if word.strip("'")]


def main():
    top_n = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    min_length = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    words = tokenize(sys.stdin.read())
    kept = [w for w in words if len(w) >= min_length and w not in STOP_WORDS]
    counts = Counter(kept)
    ranking = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:top_n]

    print(f"{len(words)} words, {len(kept)} counted, {len(counts)} distinct")
    if not ranking:
        print("no words to rank")
        return
    width = max(len(word) for word, _ in ranking)
    highest = ranking[0][1]
    for rank, (word, count) in enumerate(ranking, start=1):
        share = 100 * count / len(kept)
        bar = "#" * max(1, round(20 * count / highest))
        print(f"{rank:>3}. {word:<{width}}  {count:>4}  {share:5.1f}%  {bar}")
    hapaxes = sorted(word for word, count in counts.items() if count == 1)
    print(f"used once: {len(hapaxes)}" + (f" (first: {', '.join(hapaxes[:3])})" if hapaxes else ""))


if __name__ == "__main__":
    main()
