"""Question understanding: hard constraints (places/units, years, the metric asked for) and
soft words (咋/啥/门道/路子, asking words, verbs) that never block an answer.

"周口港2025年吞吐量多少" → entities [周口港 → corpus 周口中心港], time [2025年],
metric [吞吐量 ≈ 吞吐能力], type number. "招商引姿有什么好的做法" → typo 引姿 → 引资 (same
pinyin, and "招商引资" is corpus text), topic [招商引资], type how.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..ingest.clean import normalize
from ..index.keyword import jieba_ready as _jieba
from .lexicon import CorpusView, Lexicon
from .names import SHORT_UNIT, abbreviation, find_names, short_unit
from .typos import correct_typos, is_han

MAX_CHARS = 300
# A named subject's words are checked as a name (names.py) and count in the topic coverage at this
# share of their weight: fully, "吕理政现在担任什么职务" is on topic in any passage naming 吕理政;
# not at all, "澉浦在什么朝代曾设立市舶司" misses the passage that lacks only 朝代 (BENCHMARKS.md)
NAME_IN_TOPIC = 0.5
YEAR = re.compile(r"((?:19|20)\d{2})\s*年?(?!\d)")
RELATIVE_TIME = re.compile(r"去年|今年|前年|明年|近年来|近几年|近三年|近五年|上半年|下半年|十[三四五]五")
ORG_SUFFIX = r"(?:[一二三四五六七八九十]中|中学|小学|学校|医院|中心港|港区|港口|港|木雕城|商贸城|国际商贸城|城|园区|产业园|工业园|科技园|开发区|新区|学院|大学|职业学院|集团|公司|中心|小镇|古镇|街道|街|村|社区|基地|码头|博物馆|景区|机场|高铁站|步行街|市场)"
# the classes a “哪…X” question asks a name of, each a group of words for one class
WHICH_CLASSES = ("国家|国人|国", "公司|企业|集团", "党派|党", "盆地", "部队|军队", "大学|学校|学院", "河流", "朝代", "皇帝",
                 "语言", "宗教", "机构|单位|部门|组织", "法案|条约", "银行", "医院")
_CLASS = "|".join(WHICH_CLASSES)
_WHICH_MEASURE = r"哪(?:一|1)?(?:个|家|所|种|支|条|座|部|项|类)?"
# “哪一家公司” and “…制造公司是哪一家”: the class before or after the asking word
WHICH_Q = re.compile(rf"{_WHICH_MEASURE}(?P<c>{_CLASS})|(?P<c2>{_CLASS})(?:是|为){_WHICH_MEASURE}(?![\u4e00-\u9fff]{{0,2}}(?:{_CLASS}))")


def which_class(m: re.Match) -> str:
    """The class a WHICH_Q match asks for (公司 in “哪一家公司” and in “公司是哪一家”)."""
    return m.group("c") or m.group("c2")
QTYPES = [
    ("number", r"多少|(?<![那这哪])几[个家条项亿万年次倍所座]|多大|多长|多高|多宽|多远|多重|规模|数量|比例|占比|增长了?多少|排名|第几"),
    ("who", r"谁|哪位|哪些人|什么人|带队|领队|牵头人|负责人"),
    ("when", r"什么时候|啥时候?|何时|哪一年|哪年|几月|几号|什么时间|多久|哪天"),
    ("where", r"哪里|哪儿|在哪|什么地方|哪个地方|何处|哪些地方|哪个市|哪个县|哪个区|去了哪"),
    ("list", r"流程|步骤|材料|条件|哪些|哪几|哪[两二三四五六七八九十]|包括|有几|清单"),
    ("how", r"怎么|怎样|如何|咋|做法|经验|办法|举措|措施|路子|门道|招数|高招|思路|模式|打法|套路"),
    # “哪国人”, “哪一个盆地”, “放在哪个部门”: the answer names a thing of that class (extract.WHICH)
    ("which", WHICH_Q.pattern),
]


@dataclass
class Term:
    text: str  # as asked (Simplified)
    found: str = ""  # what the corpus calls it ("周口中心港" for 周口港); "" when absent
    how: str = ""  # literal | alias | synonym | near | typo | part | within | ""
    variants: tuple[str, ...] = ()  # every corpus form that satisfies it
    related: tuple[str, ...] = ()  # corpus words inside its forms (文化旅游 → 旅游): a lead, not an answer
    weight: float = 1.0  # an absent verb ("看病") counts half as much as an absent noun ("人民币")
    # a place's unit said apart: 洛阳邻里中心 is also “洛阳采用…打造…三级邻里中心” (both in one sentence)
    parts: tuple[str, ...] = ()

    @property
    def known(self) -> bool:
        return bool(self.variants)


@dataclass
class Understood:
    question: str  # normalised, typos corrected
    entities: list[Term] = field(default_factory=list)
    time: list[Term] = field(default_factory=list)  # explicit years (checked) and relative times (not)
    metric: list[Term] = field(default_factory=list)
    topic: list[Term] = field(default_factory=list)
    qtype: str = "what"
    corrections: list[tuple[str, str]] = field(default_factory=list)
    traditional: bool = False
    # named subjects other than places (names.py); last, so positional construction keeps working
    names: list[Term] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"entities": [t.text for t in self.entities + self.names], "time": [t.text for t in self.time],
                "metric": [t.text for t in self.metric]}

    def years(self) -> list[Term]:
        return [t for t in self.time if YEAR.fullmatch(t.text)]

    def label(self) -> str:
        """"厦门 + 文旅融合" — what the search looked for, shown to the user."""
        parts = [t.found or t.text for t in self.entities + self.names] + [t.text for t in self.years()]
        parts += [t.text.upper() if t.text.isascii() else t.text for t in self.metric]
        parts += [t.found or t.text for t in self.topic]
        return " + ".join(dict.fromkeys(parts))

    def search_text(self) -> str:
        """The question with corrections, plus the corpus' own words for what it asks."""
        extra = []
        for t in self.entities + self.names + self.metric + self.topic:
            extra += [v for v in t.variants if v not in self.question and v not in extra][:3]
        return self.question + (" " + " ".join(extra) if extra else "")


# -- typos ------------------------------------------------------------------------------------------
def _place_prefix(name: str, lex: Lexicon) -> int:
    """Length of the place name a unit name starts with ("周口" in 周口港): never "corrected"."""
    return max([n for n in range(2, len(name) + 1) if name[:n] in lex.places], default=0)


def resolve_entity(name: str, corpus: CorpusView, lex: Lexicon) -> Term:
    if corpus.has(name):
        return Term(name, name, "literal", (name,))
    short = re.sub(r"(?:省|市|县|区|镇|乡)$", "", name)
    if len(short) >= 2 and short != name and corpus.has(short):
        return Term(name, short, "alias", (short,))
    # 周口港 ↔ 周口中心港: same head (2 chars) and same last character, at most 3 between
    if len(name) >= 3:
        m = re.search(re.escape(name[:2]) + r"[\u4e00-\u9fff]{0,3}" + re.escape(name[2:]), corpus.text)
        if m:
            return Term(name, m.group(0), "alias", (m.group(0),))
    inside = [p for p in _corpus_places(corpus, lex) if lex.within(p, name)]
    if inside:
        return Term(name, "、".join(inside[:4]), "within", tuple(inside))
    long = abbreviation(name, corpus) if SHORT_UNIT.search(name) else ""
    if long:  # 承德旅院 → 承德旅游职业学院
        return Term(name, long, "alias", (long,))
    return Term(name)


def with_parts(t: Term, corpus: CorpusView, lex: Lexicon) -> Term:
    """A place + unit name (洛阳邻里中心) gets its two parts as a second form: the reports name the
    unit once in full and describe it as “洛阳…三级邻里中心” elsewhere."""
    for n in range(min(6, len(t.text) - 2), 1, -1):
        place, unit = t.text[:n], t.text[n:]
        if place in lex.places and len(unit) >= 3 and corpus.has(unit):
            short = resolve_entity(place, corpus, lex)
            if short.known and short.how in ("literal", "alias"):
                t.parts = (short.found, unit)
            break
    return t


def _corpus_places(corpus: CorpusView, lex: Lexicon) -> list[str]:
    cached = getattr(corpus, "_places", None)
    if cached is None:
        cached = [p for p in lex.places if lex.places[p] and len(p) >= 2 and p in corpus.text]
        corpus._places = cached  # type: ignore[attr-defined]
    return cached


def find_entities(q: str, corpus: CorpusView, lex: Lexicon) -> list[tuple[int, int, str]]:
    """Places (gazetteer, longest match on jieba word boundaries: "招商都咋整" holds no 商都),
    extended by a unit suffix ("周口" + "港" → 周口港), plus jieba place names ending in a
    place suffix that the gazetteer lacks."""
    bounds = _boundaries(q)
    spans = []
    i = 0
    while i < len(q):
        for n in range(min(8, len(q) - i), 1, -1):
            w = q[i:i + n]
            if w in lex.places and (n >= 3 or (i in bounds and i + n in bounds and not _inside_org(q, i, n)
                                               and not _word_not_place(q, i, n, corpus))):
                end = i + n + (_unit_suffix(q[i + n:], lex) or short_unit(q[i:], n, corpus))
                if end > i + n and not resolve_entity(q[i:end], corpus, lex).known and (
                        re.search(r"[靠把被将在对向给让用以从到去来搞抓]", q[i + n:end]) or _has_verb(q[i + n:end]) or
                        re.fullmatch(r"[高经]?" + ORG_SUFFIX, q[i + n:end])):
                    # "周口靠港口", "嘉善把宅基地", "滨海新区高新区": the place alone is the entity;
                    # a unit with a name of its own ("东阳木雕城") stays one, known or not
                    end = i + n
                spans.append((i, end, q[i:end]))
                i = end - 1
                break
        i += 1
    for w in _jieba_entities(q):
        pos = q.find(w)
        if pos >= 0 and not any(s < pos + len(w) and pos < e for s, e, _ in spans) and w not in lex.soft:
            spans.append((pos, pos + len(w), w))
    return sorted(spans)


def _inside_org(q: str, i: int, n: int) -> bool:
    """The two characters at ``i`` are part of an organisation's name jieba reads as one word: 共和
    (共和县, a place) in “民主共和党”, where 共和党 is a party."""
    import jieba.posseg as pseg

    _jieba()
    pos = 0
    for w in pseg.cut(q):
        end = pos + len(w.word)
        if pos <= i and i + n <= end:
            return w.flag == "nt" and len(w.word) > n
        pos = end
    return False


def _word_not_place(q: str, i: int, n: int, corpus: CorpusView) -> bool:
    """A two-character county name that the question uses as an adjective (jieba: b/a) and the reports
    never write: 新兴 (新兴县, Guangdong) in “盯新兴赛道”."""
    import jieba.posseg as pseg

    pos = 0
    for w in pseg.cut(q):
        if pos == i and len(w.word) == n:
            return w.flag in ("a", "b") and not corpus.has(w.word + "县") and not corpus.has(w.word + "市")
        pos += len(w.word)
    return False


def _has_verb(s: str) -> bool:
    """"发展港口": a verb phrase, not the name of a unit ("木雕城", "旅游职业学院")."""
    import jieba.posseg as pseg

    return any(p.flag.startswith("v") for p in pseg.cut(s))


def _boundaries(q: str) -> set[int]:
    """Word boundaries, with the parts of long words ("上海浦东" → 上海 | 浦东)."""
    out = {0, len(q)}
    for _, a, b in _jieba().tokenize(q, mode="search"):
        out.update((a, b))
    return out


def _unit_suffix(tail: str, lex: Lexicon) -> int:
    """Length of a unit name that follows a place: "港", "木雕城", "旅游职业学院"; none
    when soft words stand between ("那几个园区")."""
    m = re.match(r"[\u4e00-\u9fff]{0,6}?" + ORG_SUFFIX, tail)
    if not m:
        return 0
    middle = tail[:m.end()]
    if middle == "城":  # 沭阳县城 is the county town, not a unit called 城
        return 0
    if any(w in middle for w in lex.soft if len(w) >= 2) or re.search(r"[的了在是有和与那这都也]", middle):
        return 0
    return m.end()


def _jieba_entities(q: str) -> list[str]:
    import jieba.posseg as pseg

    _jieba()
    return [w.word for w in pseg.cut(q) if w.flag in ("ns", "nt") and len(w.word) >= 3 and is_han(w.word)
            and re.search(r"[省市县区镇乡村港园]$", w.word)]


def find_metrics(q: str, lex: Lexicon, taken: list[tuple[int, int]]) -> list[tuple[int, int, str]]:
    out = []
    for m in lex.metrics:
        for hit in re.finditer(re.escape(m), q):
            s, e = hit.span()
            if not any(a < e and s < b for a, b in taken + [(x, y) for x, y, _ in out]):
                out.append((s, e, m))
    return sorted(out)


# "哪一年" / "何处" / "有何": asking words too, else 一年 and 何处 stand as topic words the passage must hold
ASKING = re.compile(r"几[个家条项所号次倍座人名位种类天点成年]?(?:月份?|号)?|多[少大长高宽远重久]|"
                    r"哪一?[个些位里儿年天所家种条次场届部]?|什么|啥|咋|谁|怎么?样?|如何|有何|为何|何[时处人地种]")
NOUNISH = ("n", "nz", "vn", "nt", "ns", "nr", "eng", "an", "j", "l")


def _topic_terms(rest: str, lex: Lexicon) -> list[tuple[str, bool]]:
    """(word, noun?) for the content words; asking words are cut out before segmenting."""
    import jieba.posseg as pseg

    words: dict[str, bool] = {}
    run: list[str] = []  # consecutive single-character nouns: a name jieba doesn't know ("坡鹿")
    toks = list(pseg.cut(ASKING.sub(" ", rest))) + [_End()]
    for i, p in enumerate(toks):
        w = p.word.strip()
        if len(w) == 1 and is_han(w) and w not in lex.soft and p.flag.startswith("n"):
            run.append(w)
            continue
        if len(run) >= 2:
            words.setdefault("".join(run), True)
        run = []
        if re.fullmatch(r"[a-z0-9]{3,}", w) and not YEAR.fullmatch(w):  # "13579", "7s": a code the reports use
            words.setdefault(w, True)
            continue
        if len(w) < 2 or not is_han(w) or w in lex.soft or _all_soft(w, lex):
            continue
        # a verb inside a noun compound is part of a name ("碳排放权交易": 碳 | 排放 | 权交易)
        inside = p.flag.startswith("v") and 0 < i and toks[i - 1].flag.startswith("n") and toks[i + 1].flag.startswith("n")
        words.setdefault(w, p.flag in NOUNISH or w in lex.equal or inside)
    return list(words.items())


class _End:
    word, flag = "", "x"


def _all_soft(w: str, lex: Lexicon) -> bool:
    """"咋整的" / "有多牛": made only of soft words and single function characters."""
    rest = w
    for s in sorted(lex.soft, key=len, reverse=True):
        if len(s) >= 1:
            rest = rest.replace(s, "")
    return not rest


def _resolve_word(w: str, corpus: CorpusView, lex: Lexicon) -> Term:
    found = [v for v in lex.variants(w) if corpus.has(v)]
    related = tuple(dict.fromkeys(p for v in lex.variants(w) for p in _jieba().lcut_for_search(v)
                                  if len(p) >= 2 and p != v and p not in found and p not in lex.soft and corpus.has(p)))
    if found:
        near = found[0] in lex.near.get(w, ()) and not lex.is_narrower(found[0], w)
        how = "literal" if found[0] == w else ("near" if near else "synonym")
        return Term(w, found[0], how, tuple(found), related)
    parts = [p for p in _jieba().lcut_for_search(w) if len(p) >= 2 and p != w and corpus.has(p)]
    covered = {i for p in parts for k in _find_all(w, p) for i in range(k, k + len(p))}
    if parts and len(covered) == len(w):  # 人民币 is not covered by 人民 alone
        return Term(w, "、".join(parts), "part", tuple(parts), related)
    return Term(w, related=related)


_taught: set[int] = set()


def _teach_jieba(lex: Lexicon) -> None:
    """Lexicon words are words: "搞文旅是" must split as 搞/文旅/是, not 搞文/旅是."""
    if id(lex) in _taught:
        return
    jb = _jieba()
    for w in list(lex.equal) + list(lex.metrics) + [w for w in lex.soft if len(w) >= 2]:
        jb.add_word(w, freq=200000)
    _taught.add(id(lex))


def _find_all(text: str, part: str) -> list[int]:
    return [i for i in range(len(text)) if text.startswith(part, i)]


def qtype_of(q: str) -> str:
    for name, pattern in QTYPES:
        if re.search(pattern, q):
            return name
    return "what"


def understand(question: str, corpus: CorpusView, lex: Lexicon) -> Understood:
    # a question is a line or two; a pasted 150,000-character "question" is understood by its head
    raw = (question or "").strip()[:MAX_CHARS]
    q = normalize(raw)
    from ..ingest.clean import _t2s

    traditional = _t2s().convert(raw) != raw  # 廈門 → 厦门; "？" or "GDP" are no sign of script
    _teach_jieba(lex)
    places = [(s, s + _place_prefix(name, lex)) for s, e, name in find_entities(q, corpus, lex)]
    q, fixes = correct_typos(q, corpus, lex, places)
    u = Understood(q, corrections=fixes, traditional=traditional, qtype=qtype_of(q))
    ents = find_entities(q, corpus, lex)
    taken = [(s, e) for s, e, _ in ents]
    for s, e, name in ents:
        u.entities.append(with_parts(resolve_entity(name, corpus, lex), corpus, lex))
    for m in YEAR.finditer(q):
        u.time.append(Term(m.group(1) + "年"))
        taken.append(m.span())
    for m in RELATIVE_TIME.finditer(q):
        u.time.append(Term(m.group(0)))
        taken.append(m.span())
    for s, e, name in find_metrics(q, lex, taken):
        u.metric.append(_resolve_word(name, corpus, lex))
        taken.append((s, e))
    for s, e, name in find_names(q, corpus, lex, taken, ASKING):  # 单线天竺鲷, 长张高速 (support.py)
        full = name if corpus.has(name) else abbreviation(name, corpus)
        # its words stay topic words too: they are most of what the passage must be about (吕理政
        # in "吕理政现在担任什么职务"), so the topic coverage keeps weighing them
        u.names.append(Term(name, full, "literal" if full == name else "alias", (full,)) if full else Term(name))
    rest = "".join(" " if any(a <= i < b for a, b in taken) else ch for i, ch in enumerate(q))
    for w, noun in _topic_terms(rest, lex):
        t = _resolve_word(w, corpus, lex)
        # a verb the reports don't use ("看病", "交给") may be how the user talks rather than what
        # the reports must hold: it counts half (an absent noun such as 人民币 counts fully)
        if not t.known:
            # and a noun the reports never use ("人民币", "自贸区") is the surest sign that they
            # are not about the question: it outweighs the rarest word they do use
            t.weight = 1.5 if noun else 0.5
        if any(w in n.text for n in u.names):
            t.weight *= NAME_IN_TOPIC
        u.topic.append(t)
    for t in u.time:
        if YEAR.fullmatch(t.text) and corpus.has(t.text):
            t.found, t.how, t.variants = t.text, "literal", (t.text,)
    return u
