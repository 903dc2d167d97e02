"""Correcting keyboard slips against the KB's own vocabulary.

People type in a hurry: "recieved", "cradit", "acount". A word the KB never uses that a
keyboard slip (two letters swapped, one dropped or doubled, a neighbouring key hit) turns
a KB word into is almost always that word mistyped, so it is replaced before scoring; long
words may carry two slips. Only the KB's vocabulary is a candidate, which keeps this safe
for any language and any jargon: product names and acronyms the KB uses are never
"corrected" away. Requiring a plausible slip, not just any one-letter edit, keeps real
words the KB does not use as they are ("leaking" is not a slip of "leaving": k and v are
far apart), so an off-topic question does not turn into an on-topic one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein, Levenshtein

__all__ = ["SpellFixer"]

MIN_LENGTH = 4
"""Shorter words are left alone: "fee" is one edit from "feel", "fed", "few" and "free"."""
LONG_WORD = 8
"""From this length on two edits are allowed."""
_CACHE_SIZE = 4096
_KEYBOARD_ROWS = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm")
_NEIGHBOURS: dict[str, set[str]] = {}
for _r, _row in enumerate(_KEYBOARD_ROWS):
    for _c, _key in enumerate(_row):
        _NEIGHBOURS[_key] = {
            other
            for dr in (-1, 0, 1)
            for dc in (-1, 0, 1)
            if 0 <= _r + dr < len(_KEYBOARD_ROWS)
            and 0 <= _c + dc < len(_KEYBOARD_ROWS[_r + dr])
            and (other := _KEYBOARD_ROWS[_r + dr][_c + dc]) != _key
        }


class SpellFixer:
    """Replaces unknown words of normalised text by their nearest KB word, if close."""

    def __init__(self, norm_texts: Iterable[str]) -> None:
        self._index(Counter(w for text in norm_texts for w in text.split()))

    @classmethod
    def from_counts(cls, counts: Mapping[str, int]) -> SpellFixer:
        """The fixer of texts with these word counts (as kept in a cached index)."""
        fixer = cls.__new__(cls)
        fixer._index(Counter(counts))
        return fixer

    @property
    def counts(self) -> Mapping[str, int]:
        """How often each KB word occurs."""
        return self._counts

    def _index(self, counts: Counter[str]) -> None:
        self._known = set(counts)
        self._counts = counts
        self._by_length: dict[int, list[str]] = {}
        for word in sorted(counts, key=lambda w: -counts[w]):
            self._by_length.setdefault(len(word), []).append(word)
        self._cache: dict[str, str] = {}

    def fix(self, norm_text: str) -> str:
        """``norm_text`` with each unknown word replaced by its correction, if any."""
        words = norm_text.split()
        fixed = [self.word(w) for w in words]
        return norm_text if fixed == words else " ".join(fixed)

    def word(self, word: str) -> str:
        if word in self._known or len(word) < MIN_LENGTH or not word.isalpha():
            return word
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        fixed = self._nearest(word)
        if len(self._cache) >= _CACHE_SIZE:
            self._cache.clear()
        self._cache[word] = fixed
        return fixed

    def _nearest(self, word: str) -> str:
        limit = 2 if len(word) >= LONG_WORD else 1
        best: tuple[int, int, str] | None = None  # (distance, -count, word)
        for length in range(len(word) - limit, len(word) + limit + 1):
            pool = self._by_length.get(length)
            if not pool:
                continue
            found = process.extract(
                word, pool, scorer=DamerauLevenshtein.distance, score_cutoff=limit, limit=8
            )
            for candidate, distance, _ in found:
                if not is_slip(str(candidate), word):
                    continue
                key = (int(distance), -self._counts[str(candidate)], str(candidate))
                if best is None or key < best:
                    best = key
        return word if best is None else best[2]


def is_slip(intended: str, typed: str) -> bool:
    """Whether keyboard slips explain ``typed``: adjacent letters swapped, a letter
    dropped, a letter doubled or a neighbouring key pressed (or pressed as well)."""
    if len(intended) == len(typed):
        diff = [i for i, (a, b) in enumerate(zip(intended, typed, strict=True)) if a != b]
        if (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and intended[diff[0]] == typed[diff[1]]
            and intended[diff[1]] == typed[diff[0]]
        ):
            return True
    for edit in Levenshtein.editops(intended, typed):
        op, i, j = str(edit.tag), int(edit.src_pos), int(edit.dest_pos)
        if op == "delete":
            continue
        extra = typed[j]
        if op == "replace":
            if extra not in _NEIGHBOURS.get(intended[i], ()):
                return False
            continue
        around = {intended[k] for k in (i - 1, i) if 0 <= k < len(intended)}
        if not any(extra == c or extra in _NEIGHBOURS.get(c, ()) for c in around):
            return False
    return True
