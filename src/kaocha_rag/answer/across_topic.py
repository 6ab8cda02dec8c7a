"""Which passages of one report are on a list question's topic, and which sentence to quote
(across.py asks this for every report; ``on_topic`` and ``quote``).

A passage is on topic when it meets every place, year and metric the question names and holds
half the topic's idf weight (support.TOPIC_MIN) — a compound it lacks counting half when it holds
the compound's head (``heads``: 公园 for 城市公园). A quoted sentence must hold the place and one of
the rarer topic words, or stand under a heading that does, and is quoted once even when two
overlapping passages both hold it.
"""
from __future__ import annotations

import math
import re

from ..ingest.clean import normalize
from .extract import choose
from .lexicon import load_lexicon
from .retrieve import Hit
from .support import TOPIC_MIN, Check, check_hit, term_weight
from .understand import Term, Understood


def heads(t: Term, view) -> tuple[str, ...]:
    """The corpus word a compound ends in when what comes before it narrows little: 公园 of 城市公园
    (城市 stands in 104 passages, 公园 in 6), 观念 of 思想观念 (思想 49, 观念 24) — a passage on 公园
    is half about 城市公园. Not 教育 of 职业教育 (职业 9, rarer than 教育 18: it is what is asked), and
    only a noun: 更新 of 城市更新 is an act, and “更新观念” is no 城市更新."""
    forms = (t.text, *t.variants)
    return tuple(r for r in t.related if view.has(r) and _noun(r) and any(
        f.endswith(r) and f != r and view.count_chunks(f[:-len(r)]) > view.count_chunks(r) for f in forms))


def _noun(word: str) -> bool:
    import jieba.posseg as pseg

    tags = [p.flag for p in pseg.lcut(word)]
    return len(tags) == 1 and tags[0].startswith("n")


def on_topic(u: Understood, hits: list[Hit], view, min_score: float) -> list[Check]:
    """A report's passages that meet the question, best first: every place, year and metric
    (support.check_hit) and half the topic's idf weight — a word not held counts half, up to its
    head's own weight, when its head is (heads). “哪些地方在搞城市公园、绿化”: 周口's “高标准建设
    了伏羲文化公园、南坛湖公园” holds 公园 (min(0.5 × 4.94, idf 公园) of 4.94 = 50 %), not 城市公园."""
    if any(not e.known for e in u.entities + u.names):
        return []
    weights = {t.text: term_weight(t, view) for t in u.topic}
    total = sum(weights.values())
    out = []
    for h in hits:
        if h.score < min_score:
            continue
        c = check_hit(h, u, view, weights)
        if not (c.entity_ok and c.year_ok and c.metric_ok):
            continue
        text = view.all_text.get(h.chunk["chunk_id"], h.chunk["norm"])
        held = c.cover * total
        for t in u.topic:
            held_t = all(v in text for v in t.variants) if t.how == "part" else any(v in text for v in t.variants)
            got = [r for r in heads(t, view) if r in text] if t.known and not held_t else []
            if got:
                held += min(0.5 * weights[t.text], max(_idf(r, view) for r in got))
        if total <= 0 or held / total >= TOPIC_MIN:
            out.append(c)
    return out


def _idf(word: str, view) -> float:
    return math.log(1 + max(1, len(view.all_text)) / (1 + view.count_chunks(word)))


def quote(u: Understood, checks: list[Check], view, limit: int, taken: list[str] = ()) -> list[tuple[int, str]]:
    """The sentence (two when the first is a short run-in heading) to quote from each of a
    report's best passages, up to ``limit`` passages. A quoted sentence must hold the place
    asked about and one of the question's rarer topic words — or stand under a heading that does:
    “哪些报告提到了世界500强企业” must not list a report for “参观了外资、民营企业”, whose
    passage scores on 企业 alone, and the report's opening places a passage on 深圳, not a
    sentence on 滨海新区."""
    musts = []
    if u.entities:
        musts.append(tuple(v for e in u.entities for v in e.variants))
    weights = {t.text: term_weight(t, view) for t in u.topic if t.known}
    if weights:  # the rarer topic words (idf ≥ half the rarest's): 500 and 世界, not 企业
        top = max(weights.values())
        musts.append(tuple(v for t in u.topic if weights.get(t.text, 0) >= top / 2
                           for v in (*t.variants, *(r for r in heads(t, view) if _idf(r, view) >= top / 2))))
    out: list[tuple[int, str]] = []
    for hi, c in enumerate(checks):
        head = normalize(" ".join(c.hit.chunk["section"]))
        need = [m for m in musts if not any(v in head for v in m)]
        # two overlapping passages may hold one sentence, cut at different points: quote it once,
        # and from the second passage its next best sentence
        quoted = [*taken, *(x for _, x in out)]
        new = lambda s: not any(_same(s, x) for x in quoted)  # noqa: E731
        got = [(h, s) for h, s in choose(u, [c], view, 1, need) if all(_holds(s, m) for m in need)]
        if got and not any(new(s) for _, s in got):
            got = [(h, s) for h, s in choose(u, [c], view, 3, need) if all(_holds(s, m) for m in need) and new(s)][:1]
        got = [(h, s) for h, s in got if new(s)]
        if got:
            out += [(hi, s) for _, s in got[:2]]
        if len({h for h, _ in out}) >= limit:
            break
    return out


def _key(sentence: str) -> str:
    return re.sub(r"\W", "", normalize(sentence))


def _same(a: str, b: str) -> bool:
    """One sentence cut at two points by overlapping passages: half the shorter one's 8-character
    runs in the other (外地's “依托县委党校…经营能力;大力倡导…” and “建议继续…;依托县委党校…经营能力;”)."""
    ka, kb = _key(a), _key(b)
    ga, gb = ({k[i:i + 8] for i in range(max(1, len(k) - 7))} for k in (ka, kb))
    return ka in kb or kb in ka or len(ga & gb) >= 0.5 * min(len(ga), len(gb))


def _holds(sentence: str, variants: tuple[str, ...]) -> bool:
    """A word in a sentence; a number only as a whole number (500 is not inside 2500多公里)."""
    n = normalize(sentence)
    return any(re.search(rf"(?<![\d.]){re.escape(v)}(?![\d.])", n) if v.isdigit() else v in n for v in variants)


def near_only(alts: list[Understood], used: list[Check], index) -> list[tuple[str, str]]:
    """(asked, corpus word) where one of a report's quoted passages holds only a word the lexicon
    marks as near (招商引资 ≈ 招才引智): its line says so, as an ordinary answer does — also when
    another passage of the line holds the word asked (代表团's “在*市举办了招商活动”)."""
    lex = load_lexicon(index.settings.lexicon_dir)
    out = []
    for text in (normalize(c.hit.chunk["text"]) for c in used):
        for u in alts:
            for t in u.topic:
                exact = set(lex.variants(t.found or t.text, near=False)) | {t.text} | set(lex.narrower.get(t.text, ()))
                if any(v in text for v in exact):
                    continue
                near = [v for v in t.variants if v not in exact and v in text]
                if near and (t.text, near[0]) not in out:
                    out.append((t.text, near[0]))
    return out


# Words asking for a unit's overall size or standing: “三河一中和承德一中办学规模相比怎么样” is
# answered by each school's own section (“（一）三河第一中学”: 占地410亩，总建筑面积近12万平方米)
OVERVIEW = re.compile(r"规模|实力|体量|大小|概况|基本情况|家底|总量")
# a size: a figure with an area, a head count or an amount (not “始建于1935年”, not “名牌”)
FIGURES = (tuple("0123456789"), ("亩", "平方", "平米", "公顷", "人", "万", "亿"))


def near_topic(side, u: Understood, hits: list[Hit], index) -> list[Check]:
    """A comparison side (across_table.Side) whose passages never use the asked words: compared on
    the words inside them (support's ``loose`` cover, related words at half) — “奉化和天台在服务
    企业方面各出了什么招”: 奉化's “…萬元企業轉貸專項應急資金” holds 企业 (50 %) — or, asked for its
    size (OVERVIEW), on the figures of its own section, whose heading names it. ``side.near`` says
    which, for the answer; nothing when neither holds."""
    from .lexicon import corpus_view

    view = corpus_view(index)
    weights = {t.text: term_weight(t, view) for t in u.topic}
    checks = [c for c in (check_hit(h, u, view, weights) for h in hits if h.score >= index.settings.min_score)
              if c.entity_ok and c.loose >= TOPIC_MIN]
    checks.sort(key=lambda c: (-c.loose, -c.hit.score))
    texts = "\n".join(view.all_text.get(c.hit.chunk["chunk_id"], "") for c in checks[:4])
    words = tuple(dict.fromkeys(r for t in u.topic for r in t.related if r in texts))
    if words:
        side.near, side.near_words = f"所列是讲“{'、'.join(words)}”的内容", words
        return checks[:4]
    own = [Check(h) for h in hits if side.names and OVERVIEW.search(u.question)
           and any(abbrev_of(n, normalize(s)) for n in side.names for s in h.chunk["section"])]
    if own:
        side.near, side.near_words = "所列是其本身章节中的规模数字", FIGURES
    return own[:4]


def abbrev_of(name: str, heading: str) -> bool:
    """A short name is its full name's characters in order, at most two apart: 三河一中 in
    “（一）三河第一中学”."""
    return len(name) >= 2 and bool(re.search(".{0,2}".join(map(re.escape, name)), heading))
