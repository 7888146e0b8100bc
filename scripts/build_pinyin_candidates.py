"""Build assets/ime/pinyin_candidates.tsv: the on-screen keyboard's pinyin candidates.

Frequencies come from the word list of jieba 0.42.1 (`jieba/dict.txt` in its sdist on PyPI,
MIT licence); readings from pypinyin. Run once by a developer, the output is committed:

    pip download jieba==0.42.1 --no-deps -d /tmp/jieba
    tar xzf /tmp/jieba/jieba-0.42.1.tar.gz -C /tmp/jieba
    python scripts/build_pinyin_candidates.py /tmp/jieba/jieba-0.42.1/jieba/dict.txt

Each line: hanzi, TAB, syllables separated by spaces (a character's commonest reading;
the format allows more, joined by "|"), TAB, frequency. Characters first, then words of two
to four characters.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from pypinyin import Style, lazy_pinyin, pinyin

CHARACTERS = 5000
WORDS = 6000
OUT = Path(__file__).resolve().parents[1] / "assets" / "ime" / "pinyin_candidates.tsv"
HAN = re.compile(r"^[\u4e00-\u9fff]+$")


def main(dict_txt: str) -> int:
    chars: dict[str, int] = {}
    words: dict[str, int] = {}
    for line in Path(dict_txt).read_text(encoding="utf-8").splitlines():
        word, freq, _tag = line.split(" ")
        if HAN.match(word):
            (chars if len(word) == 1 else words if len(word) <= 4 else {})[word] = int(freq)
    lines = ["# hanzi\tpinyin\tfrequency (jieba 0.42.1 dict.txt, MIT; readings by pypinyin)"]
    for char, freq in sorted(chars.items(), key=lambda x: -x[1])[:CHARACTERS]:
        # The commonest reading only: pypinyin's second readings are often rare ones (说 as
        # yue, 王 as yu) that crowd the candidates; words carry a character's other readings
        # (银行 hang, 重新 chong).
        readings = pinyin(char, style=Style.NORMAL)[0][:1]
        lines.append(f"{char}\t{'|'.join(readings)}\t{freq}")
    for word, freq in sorted(words.items(), key=lambda x: -x[1])[:WORDS]:
        lines.append(f"{word}\t{' '.join(lazy_pinyin(word, style=Style.NORMAL))}\t{freq}")
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{OUT}: {len(lines) - 1} candidates")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
