"""The words that many new tickets' subjects share. Pure.

Subjects are folded the way search folds them (case, Latin accents: "Hoàn tiền" and "hoan
tien" are one word), split at anything that is not a letter or digit, and each word counts
once per ticket. Function words of English, Polish and Vietnamese are dropped, as are the
reply and forward prefixes mail clients add.

What this cannot do, said plainly: Thai is written without spaces, so a Thai subject has no
words to split without a dictionary segmenter; runs of Thai (and other unspaced scripts) are
skipped, and tags are the way to see recurring Thai problems. Vietnamese words are often two
syllables ("hoàn tiền"); they are counted syllable by syllable, and folding makes a few
syllables collide (bán/bàn/bạn all become "ban"), so the list is a hint to read, not a
classification.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from tessera.search.text import fold_for_search
from tessera.search.words import is_unspaced

# [^\W_]: letters and digits of any script, without the underscore.
_WORD = re.compile(r"[^\W_]+")

_ENGLISH = (
    "a an and are as at be been but by can cannot could did do does for from get got has have "
    "how i if in into is it its me my no not of on or our please should so that the their "
    "there this to up us was we what when where which who why will with would you your "
    "after again all any about also am just new still hi hello help issue problem question"
)
# Folded: ą→a, ł→l ...
_POLISH = (
    "a aby ale bez bo by byc co czy dla do i ich jak jest jestem juz ma mam mi mnie moje na nie "
    "o od po pod prosze przez sie sa ta tak to w we z za ze zostal zostala dzien dobry witam "
    "problem pytanie prosba"
)
# Folded: without tones. Mostly function words; a few of them are also a content word under
# another tone (đề in "vấn đề"), which is the price of folding.
_VIETNAMESE = (
    "anh cho co cua da dang de duoc em giup hay khi khong la lai lam ma minh mot nay nhe "
    "nhung o roi se tai thi toi tren trong tu va ve voi xin vui long cac nhu"
)
# Re, Fwd, Polish Odp/PD, Vietnamese TL/CT, German AW/WG, French TR.
_MAIL_PREFIXES = "re fw fwd odp pd tl ct aw wg tr"
STOP_WORDS = frozenset(" ".join((_ENGLISH, _POLISH, _VIETNAMESE, _MAIL_PREFIXES)).split())
MIN_LENGTH = 2


@dataclass(frozen=True)
class WordCount:
    word: str
    tickets: int


def subject_words(subject: str) -> set[str]:
    """The distinct countable words of one subject."""
    words = set()
    for word in _WORD.findall(fold_for_search(subject)):
        if len(word) < MIN_LENGTH or word.isdigit() or word in STOP_WORDS:
            continue
        if any(is_unspaced(c) for c in word):
            continue
        words.add(word)
    return words


def common_words(subjects: Iterable[str], *, limit: int = 20, minimum: int = 2) -> list[WordCount]:
    """The words most subjects share, most tickets first (ties alphabetically)."""
    counts: Counter[str] = Counter()
    for subject in subjects:
        counts.update(subject_words(subject))
    ranked = sorted((item for item in counts.items() if item[1] >= minimum), key=lambda kv: (-kv[1], kv[0]))
    return [WordCount(word, n) for word, n in ranked[:limit]]
