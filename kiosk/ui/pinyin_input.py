"""Pinyin input for the on-screen keyboard: letters in, candidate characters out. No Qt.

The citizen types pinyin ("shebao", initials "sb", or a mix "sheb"); the candidates are the
words and characters whose syllables those letters start, in order: the ones that use every
letter typed, then the ones for the longest part of it that has any, most frequent first.
Choosing a candidate commits it and leaves the letters it did not use for the next choice.

The table is assets/ime/pinyin_candidates.tsv (common characters and words with frequencies,
see its licence file) plus the phrases of this terminal (service names, keywords), which
come first: a citizen at a government terminal types "不动产" more often than most words.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from pypinyin import Style, lazy_pinyin

TABLE = Path(__file__).resolve().parents[2] / "assets" / "ime" / "pinyin_candidates.tsv"
PHRASE_BOOST = 10**7  # the terminal's own phrases rank above any common word


@dataclass(frozen=True)
class Entry:
    hanzi: str
    readings: tuple[tuple[str, ...], ...]  # one syllable tuple per reading
    frequency: int
    # The terminal's phrases are also offered for their first syllables ("bdc" or
    # "budongchan" offers 不动产登记信息查询): a long service name is not typed out.
    by_start: bool = False


@dataclass(frozen=True)
class Candidate:
    hanzi: str
    consumed: int  # how many letters of the buffer it uses


EXACT, PARTIAL, BY_START = 0, 1, 2  # how well letters match: better first


def match_quality(letters: str, syllables: tuple[str, ...], *,
                  by_start: bool = False) -> int | None:
    """How `letters` split into one non-empty prefix of each syllable, in order: EXACT when
    every piece is a whole syllable, PARTIAL when some are initials or cut short, BY_START
    (phrases only) when the letters end before the syllables do; None when they do not."""
    best: int | None = None

    def walk(at: int, index: int, cut: bool) -> None:
        nonlocal best
        if best == EXACT:
            return
        if at == len(letters):
            if index == len(syllables):
                quality = PARTIAL if cut else EXACT
            elif by_start and index >= 2:
                quality = BY_START
            else:
                return
            best = quality if best is None else min(best, quality)
            return
        if index == len(syllables):
            return
        syllable = syllables[index]
        # Whole syllables first: that is what people usually type.
        for size in range(min(len(syllable), len(letters) - at), 0, -1):
            if syllable.startswith(letters[at:at + size]):
                walk(at + size, index + 1, cut or size < len(syllable))

    if letters:
        walk(0, 0, False)
    return best


def syllables_match(letters: str, syllables: tuple[str, ...], *, by_start: bool = False) -> bool:
    return match_quality(letters, syllables, by_start=by_start) is not None


FOUND_KEPT = 64  # prefixes of matches kept: a few words' worth of typing


@dataclass
class PinyinTable:
    entries: list[Entry] = field(default_factory=list)
    _by_initial: dict[str, list[Entry]] = field(default_factory=dict)
    # Typing repeats prefixes, so matches are kept; but the prefixes are what citizens typed:
    # a few only, and forgotten when the session ends.
    _found: OrderedDict[str, list[Entry]] = field(default_factory=OrderedDict)

    def add(self, entry: Entry) -> None:
        self._found.clear()
        self.entries.append(entry)
        initials = {reading[0][0] for reading in entry.readings if reading and reading[0]}
        for initial in initials:
            self._by_initial.setdefault(initial, []).append(entry)

    def add_phrases(self, phrases: Iterable[str]) -> None:
        """The terminal's own words (service names, keywords), ranked first."""
        known = {e.hanzi for e in self.entries}
        for phrase in phrases:
            if phrase and phrase not in known and all("\u4e00" <= c <= "\u9fff" for c in phrase):
                reading = tuple(lazy_pinyin(phrase, style=Style.NORMAL))
                self.add(Entry(phrase, (reading,), PHRASE_BOOST + len(phrase),
                               by_start=len(phrase) > 2))
                known.add(phrase)

    @property
    def prefixes_kept(self) -> int:
        return len(self._found)

    def forget_typed(self) -> None:
        """Drop the prefixes kept from typing (the session ended)."""
        self._found.clear()

    def _matching(self, letters: str) -> list[Entry]:
        if letters in self._found:
            self._found.move_to_end(letters)
        else:
            ranked: list[tuple[int, int, Entry]] = []
            for entry in self._by_initial.get(letters[0], ()):
                if not entry.by_start and len(entry.hanzi) > len(letters):
                    continue
                qualities = [q for r in entry.readings
                             if (q := match_quality(letters, r, by_start=entry.by_start))
                             is not None]
                if qualities:
                    ranked.append((min(qualities), -entry.frequency, entry))
            ranked.sort(key=lambda item: item[:2])
            self._found[letters] = [entry for _, _, entry in ranked]
            while len(self._found) > FOUND_KEPT:
                self._found.popitem(last=False)
        return self._found[letters]

    def candidates(self, letters: str, limit: int = 40) -> list[Candidate]:
        """What to offer for the letters typed so far (lowercase a-z)."""
        letters = "".join(c for c in letters.lower() if "a" <= c <= "z")
        out: list[Candidate] = []
        seen: set[str] = set()
        for size in range(len(letters), 0, -1):
            for entry in self._matching(letters[:size]):
                if entry.hanzi not in seen:
                    seen.add(entry.hanzi)
                    out.append(Candidate(entry.hanzi, size))
                    if len(out) >= limit:
                        return out
        return out


def parse_table(text: str) -> PinyinTable:
    table = PinyinTable()
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        hanzi, readings, frequency = line.split("\t")
        table.add(Entry(hanzi, tuple(tuple(r.split(" ")) for r in readings.split("|")),
                        int(frequency)))
    return table


@lru_cache(maxsize=1)
def common_table() -> PinyinTable:
    """The shipped table (read once; about 11,000 entries)."""
    return parse_table(TABLE.read_text(encoding="utf-8"))


class Composer:
    """The letters being composed and what choosing a candidate does with them."""

    def __init__(self, table: PinyinTable) -> None:
        self.table = table
        self.letters = ""

    def type(self, letter: str) -> None:
        self.letters += letter.lower()

    def backspace(self) -> None:
        self.letters = self.letters[:-1]

    def clear(self) -> None:
        self.letters = ""

    def candidates(self, limit: int = 40) -> list[Candidate]:
        return self.table.candidates(self.letters, limit) if self.letters else []

    def choose(self, candidate: Candidate) -> str:
        """Commit `candidate`: returns the text to insert; the unused letters stay."""
        self.letters = self.letters[candidate.consumed:]
        return candidate.hanzi
