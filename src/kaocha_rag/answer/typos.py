"""Typo repair for questions: one homophone typo per word, only where the repaired run is corpus text.

"招商引姿" → "招商引资" (引姿 is no corpus bigram, 资 sounds like 姿, 招商引资 is in the reports);
"三和一中" → "三河一中". Never a repair that breaks the word on the character's other side
(…职业学院实训室 stays: 实→是 would make 学院是 but break 实训).
"""
from __future__ import annotations

from ..index.keyword import jieba_ready as _jieba
from .lexicon import CorpusView, Lexicon


def correct_typos(q: str, corpus: CorpusView, lex: Lexicon,
                  protect: list[tuple[int, int]] = (), allow_common: bool = False) -> tuple[str, list[tuple[str, str]]]:
    """One homophone typo per word: "招商引姿" → "招商引资" when 引姿 is no corpus bigram, 资 sounds
    like 姿, and the repaired run (≥ 4 characters, e.g. 招商引资) is corpus text."""
    fixes = []
    chars = list(q)
    for i in range(len(chars) - 1):
        pair = chars[i] + chars[i + 1]
        if not is_han(pair) or pair in corpus.bigrams or _in_soft(q, i, lex) or \
                any(a <= i + 1 and i < b for a, b in protect):
            continue
        best = None
        for j in (i + 1, i):
            soft = chars[j] in lex.soft  # 和/有/是…: a typo only inside a corpus word ("三和一中" → 三河一中)
            for alt in "".join(dict.fromkeys("".join(corpus.by_pinyin.get(r, "") for r in _readings(chars[j])[:1]))):
                if alt == chars[j]:
                    continue
                trial = chars[:j] + [alt] + chars[j + 1:]
                if trial[i] + trial[i + 1] not in corpus.bigrams or _breaks(chars, j, alt, i, corpus):
                    continue
                run = _run_around("".join(trial), j, corpus)
                pair_new, pair_old = trial[i] + trial[i + 1], chars[i] + chars[i + 1]
                # 空掉 → 空调: a common word that the reports use, and the characters around it
                # still read as corpus text ("推行了街长制" must not become 了解). Off by default:
                # on names the corpus lacks it "repairs" the name away (紫堇 → 紫金, 结头 → 街头 on the
                # near-miss set), hiding exactly the sign that the reports don't hold the answer
                common = _freq(pair_new) >= 100 and not _freq(pair_old) and all(
                    trial[k] + trial[k + 1] in corpus.bigrams for k in (j - 1, j) if 0 <= k < len(trial) - 1)
                if soft and not (0 < j < len(chars) - 1 and corpus.has(trial[j - 1] + alt + trial[j + 1])):
                    continue
                if common and not soft and not allow_common:
                    common = _said_together(pair_new, q, i, corpus)
                if (len(run) >= 4 or (len(run) >= 2 and run in lex.places) or (common and not soft)) and \
                        (best is None or len(run) > len(best[2])):
                    best = (j, alt, run)
        if best:
            j, alt, run = best
            before = "".join(chars)
            chars[j] = alt
            fixes.append((_word_at(before, j, len(run)), _word_at("".join(chars), j, len(run))))
    return "".join(chars), fixes


def _said_together(word: str, q: str, i: int, corpus: CorpusView) -> bool:
    """Is the repaired common word written in a passage beside a rare word of the question: 空调 in a
    passage that names 格力 (“格力空掉一年能产多少台”). A name the reports lack has no such neighbour
    (紫堇属植物: 紫金 is never written beside a rare word of that question)."""
    rare = max(3, len(corpus.all_text) // 50)  # in at most 2 % of the passages: a name, not 植物 or 工作
    others = [w for w in _jieba().lcut(q[:i] + "，" + q[i + 2:]) if len(w) >= 2 and is_han(w) and corpus.has(w)
              and corpus.count_chunks(w) <= rare]
    return any(word in t and w in t for w in others for t in corpus.all_text.values())


def _breaks(chars: list[str], j: int, alt: str, i: int, corpus: CorpusView) -> bool:
    """Would the repair break the word on the character's other side? “…职业学院实训室”: 院实 is no
    corpus bigram, but 实→是 (学院是) would break 实训, which is."""
    k = j + 1 if j == i + 1 else j - 1
    if not 0 <= k < len(chars):
        return False
    old, new = (chars[j] + chars[k], alt + chars[k]) if k > j else (chars[k] + chars[j], chars[k] + alt)
    return old in corpus.bigrams and new not in corpus.bigrams


def _freq(word: str) -> int:
    return _jieba().dt.FREQ.get(word, 0) or 0


def _readings(ch: str) -> list[str]:
    from pypinyin import Style, pinyin

    return pinyin(ch, style=Style.NORMAL, heteronym=True)[0]  # the usual reading first


def is_han(s: str) -> bool:
    return all("\u4e00" <= c <= "\u9fff" for c in s)


def _in_soft(q: str, i: int, lex: Lexicon) -> bool:
    return any(q.find(w, max(0, i - len(w) + 1), i + len(w) + 1) >= 0 and len(w) >= 2 and
               any(q[k:k + len(w)] == w and k <= i + 1 and i < k + len(w) for k in range(max(0, i - len(w) + 1), i + 2))
               for w in lex.soft)


def _run_around(text: str, j: int, corpus: CorpusView) -> str:
    """The longest corpus substring of ``text`` that covers position j (2 ≤ length ≤ 8)."""
    best = ""
    for a in range(max(0, j - 6), j + 1):
        for b in range(j + 1, min(len(text), a + 8) + 1):
            s = text[a:b]
            if len(s) > len(best) and is_han(s) and corpus.has(s):
                best = s
    return best


def _word_at(text: str, j: int, n: int) -> str:
    return text[max(0, j - n + 1):j + 1] if n <= 2 else text[max(0, j - 3):j + 1]


# -- constraints ------------------------------------------------------------------------------------
