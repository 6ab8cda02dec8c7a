"""Named subjects: the species, road, drug, person or unit a question is about, when it is not
a place of the gazetteer. Each becomes a hard constraint like a place: the cited passage, its
headings or its report must name it.

Why: without it "单线天竺鲷体长可达多少公分" was answered with another 天竺鲷's 体长 (the passage
holds 天竺鲷, 体长 and a number, so every soft check passed), "长张高速公路的简称" with 集双高速
(near-miss sets, BENCHMARKS.md: 16 of 80 cmrc2018 questions answered about a sibling subject).

A name is read from jieba's part-of-speech tags: a run of nouns holding a proper noun (nr/ns/nt/
nz/eng), a rare character (䲟), a word jieba's dictionary lacks (结头, 龙属: found by its HMM),
letters with digits (40M) or a single character glued to the next noun (白䲟, 长张). The run is cut
after its last such mark: "单线天竺鲷体长" → 单线天竺鲷 (体长 is what is asked about it); two proper
words side by side are two names (德国 + 联合政府). Words of the user-editable lexicon (规上,
双招双引) are the lexicon's, never names.
"""
from __future__ import annotations

import re

from ..index.keyword import jieba_ready
from .lexicon import CorpusView, Lexicon

PROPER = ("nr", "nrt", "nrfg", "ns", "nt", "nz", "eng")
# jieba's count above which a "proper" word is everyday language: 城市 25,084, 世界 34,387,
# 美国 36,089 (the places that matter are in the gazetteer anyway); 德国 9,604, 高新区 270 are names
COMMON_FREQ = 20000
# characters that never stand inside an abbreviated name's expansion: "长张" is no 长沙至张家界
_GLUE = set("的之和与及或至到在是有为了着把被对向从以于等、，。；：")


def _tokens(q: str) -> list[tuple[int, int, str, str]]:
    import jieba.posseg as pseg

    out, pos = [], 0
    for p in pseg.cut(q):
        if out and re.fullmatch(r"[0-9a-z.]+", p.word) and re.fullmatch(r"[0-9a-z.]+", out[-1][2]):
            s, _, w, _ = out.pop()  # "40" + "m": one code (城巴40M线)
            out.append((s, pos + len(p.word), w + p.word, "eng"))
        else:
            out.append((pos, pos + len(p.word), p.word, p.flag))
        pos += len(p.word)
    return out


def find_names(q: str, corpus: CorpusView, lex: Lexicon, taken: list[tuple[int, int]],
               asking: re.Pattern) -> list[tuple[int, int, str]]:
    """(start, end, name) of the named subjects in q outside the spans already taken
    (places, years, metrics)."""
    toks = _tokens(q)
    out: list[tuple[int, int, str]] = []
    run: list[tuple[int, int, str, str]] = []
    for i, (s, e, w, f) in enumerate(toks):
        free = not any(a < e and s < b for a, b in taken) and w not in lex.soft and not asking.fullmatch(w) \
            and not _lexicon_word(w, lex)
        one = len(w) == 1 and "\u3400" <= w <= "\u9fff"  # 䲟 is in CJK extension A
        # "多少家世界500强": a measure word after an asking word is part of the question, not a name
        after_asking = i > 0 and bool(re.search(r"(?:多少|几)$", toks[i - 1][2]))
        nouny = (f.startswith("n") or f in PROPER or (one and f in ("a", "q", "b", "g", "x") and not after_asking)
                 or (f == "m" and re.search(r"\d", w)))
        if free and nouny and re.search(r"\w", w):
            run.append((s, e, w, f))
            continue
        out += _cores(run, corpus, _freq)
        run = []
    out += _cores(run, corpus, _freq)
    return out


def _freq(word: str) -> int:
    return jieba_ready().dt.FREQ.get(word, 0) or 0


def _lexicon_word(w: str, lex: Lexicon) -> bool:
    return w in lex.equal or w in lex.near or w in lex.metrics or w in lex.places


def _cores(run: list, corpus: CorpusView, freq) -> list[tuple[int, int, str]]:
    if not run:
        return []

    def mark(i: int, w: str, f: str) -> bool:
        if len(w) == 1:  # 䲟; 白 of 白䲟, 长 and 张 of 长张, 熊 of 熊崇拜 (glued to the next noun)
            return f in ("x", "g") or (i + 1 < len(run) and f in ("a", "q", "b", "nr", "ns"))
        if f in PROPER:  # jieba tags common words too (城市 ns, 世界 ns): the frequent ones are no name
            return freq(w) < COMMON_FREQ
        if re.search(r"\d", w) and re.search(r"[a-z]", w):  # 40m (a route), cp3
            return True
        # a word jieba's dictionary lacks and the reports never use, before a noun: 结头 (of 结头龙属);
        # last in its run it is as often a typo ("全省手家" for 首家)
        return len(w) >= 2 and freq(w) == 0 and not corpus.has(w) and i + 1 < len(run)

    marks = [i for i, (_, _, w, f) in enumerate(run) if mark(i, w, f)]
    if not marks:
        return []
    first, last = marks[0], marks[-1]
    # one noun before the first mark is the name's own modifier (单线 of 单线天竺鲷); an unknown
    # word is a modifier of the noun after it (结头 + 龙属)
    if first > 0 and len(run[first - 1][2]) >= 2 and run[first - 1][3] == "n":
        first -= 1
    if last + 1 < len(run) and freq(run[last][2]) == 0 and run[last][3] not in PROPER and len(run[last][2]) >= 2:
        last += 1
    parts: list[list] = []
    for t in run[first:last + 1]:
        if parts and len(t[2]) >= 2 and t[3] in PROPER and len(parts[-1][-1][2]) >= 2 and parts[-1][-1][3] in PROPER:
            parts.append([t])  # 德国 | 联合政府: two names
        elif parts:
            parts[-1].append(t)
        else:
            parts.append([t])
    out = []
    for p in parts:
        s, e = p[0][0], p[-1][1]
        name = "".join(t[2] for t in p)
        if len(name) >= 2 and not re.fullmatch(r"[\d.]+", name):
            out.append((s, e, name))
    return out


def abbreviation(name: str, corpus: CorpusView) -> str:
    return _expansion(name, corpus.text)


def _expansion(name: str, text: str) -> str:
    """The corpus word a short form abbreviates: 中青班 → 中青年干部培训班, 旅院 → 旅游职业学院
    (same first and last character, the others in order, no function character between, at
    most 3 characters per character of the short form: 河长 is no 河绿色生态景观长)."""
    if len(name) < 2 or not all("\u4e00" <= c <= "\u9fff" for c in name):
        return ""
    gap = r"[^\s\W%s]{0,%d}" % ("".join(sorted(_GLUE)), 6)
    pattern = re.escape(name[0]) + "".join(gap + re.escape(c) for c in name[1:])
    best = ""
    for m in re.finditer(pattern, text):
        s = m.group(0)
        if len(s) <= 3 * len(name) and len(s) > len(name) and (not best or len(s) < len(best)):
            best = s
    return best


def name_in(text: str, term) -> bool:
    """Does text name the subject? Any of its forms, its long form (高新区 → 高新技术产业开发区),
    or a short form of a long one that keeps its first and last character (国家开发银行 → 国开行;
    单线天竺鲷 is not named by 天竺鲷)."""
    for v in term.variants:
        if v in text or (len(v) <= 4 and _expansion(v, text)):
            return True
        if len(v) >= 4 and all("\u4e00" <= c <= "\u9fff" for c in v):
            short = re.escape(v[0]) + "".join(re.escape(c) + "?" for c in v[1:-1]) + re.escape(v[-1])
            if any(len(m.group(0)) >= 3 for m in re.finditer(short, text)):
                return True
    return False


# A unit's short form ends in one of these: 旅院 (旅游职业学院), 职校 (职业学校), 师院, 农科所.
SHORT_UNIT = re.compile(r"[\u4e00-\u9fff]{1,2}[院校所馆]$")


def short_unit(q: str, n: int, corpus: CorpusView) -> int:
    """Length of a unit's short form after the place q[:n] when the corpus holds its long form
    with the same place: 承德 + 旅院 → 承德旅游职业学院 (2); 0 when none does."""
    for k in (2, 3):
        if n + k <= len(q) and SHORT_UNIT.fullmatch(q[n:n + k]) and abbreviation(q[:n + k], corpus):
            return k
    return 0
