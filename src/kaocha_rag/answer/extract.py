"""Offline answers: choose the sentences that answer, by the kind of question.

A number question gets the sentence whose number belongs to the asked metric; who/when/
where get the sentence naming the person/date/place; how/list get the run-in points
(一是…) with the sentence that carries them. A sentence that repeats the question's words
without the fact loses to one with the fact; bare headings ("（五）优化工业园区发展环境。")
are never answers.
"""
from __future__ import annotations

import re

from ..ingest.chunk import match_heading
from .citations import HAS_NUMBER, NUMBER, sentences
from ..ingest.clean import normalize
from .lexicon import CorpusView
from .names import name_in
from .support import Check, term_weight
from .understand import WHICH_Q, Understood, which_class

# who answers: a person or post, or the unit that does it (“与华强方特共同出资”, “市“两办”要…汇编成册”,
# “由街道和社区…监管”)
PERSON = re.compile(r"同志|书记|市长|县长|区长|主任|局长|部长|省长|主席|带队|率领|带领|牵头|院长|校长|董事长|总经理|"
                    r"集团|公司|方特|两办|街道|社区|委员会|部门|政府购买|社会化")
DATE = re.compile(r"(?:19|20)\d{2}年|\d{1,2}月\d{0,2}日?|[一二三四五六七八九十]+月[一二三四五六七八九十]*日?|年底|年初|上旬|中旬|下旬")
RUN_IN = re.compile(r"^(?:[一二三四五六七八九十]+[是要]|首先|其次|再次|最后|第[一二三四五六七八九十]+[，,、]|[（(][一二三四五六七八九十\d]+[）)]|\d+[、.．])")
# a place or unit by its name: 三河市, 周口港, 承德一中, 三河市职教中心 (校园, 学校层面 are none)
PLACE_NAME = re.compile(r"[\u4e00-\u9fff]{2,8}?(?:省|市|县|区|镇|村|港|园区|[一二三四五六七八九十]中|中学|小学|学院|大学|中心|公司)(?![\u4e00-\u9fff]{0,1}[长委])")
# “谁写的”: a report's byline is a short line “秦皇岛市职业技术学校党办主任：赵春山” or “执笔：张三”
AUTHOR_Q = re.compile(r"谁写的|谁执笔|谁起草|作者|执笔人?是|撰写人|写的人")
AUTHOR_LINE = re.compile(r"(?:执笔|撰稿|作者|起草|撰写|主任|书记|校长|院长|局长|科长|部长|秘书)\s*[：:]\s*[\u4e00-\u9fff·]{2,4}$")
# “哪几所学校/哪些城市”: a list of named places or units is asked for, not run-in points
NAMED_LIST = re.compile(r"哪[几些](?:所|个|座|家)?(?:地方|城市|县|区|市|镇|村|学校|院校|企业|单位|园区|港口|景区|公司)")
LIMIT = {"number": 2, "who": 2, "when": 2, "where": 3, "what": 3, "how": 5, "list": 5}


def _is_heading(s: str) -> bool:
    """Headings and title lines ("关于赴天津、深圳、厦门等地学习考察的报告", "（2024年12月）…培训班")
    name a topic; they never answer."""
    s = s.strip()
    if len(s) < 40 and not re.search(r"[。！？!?；;，,]", s):
        return True
    return len(s) < 32 and bool(match_heading(s)) and not RUN_IN.match(s) or \
        (len(s) < 20 and bool(re.match(r"^[（(][一二三四五六七八九十]+[）)]", s)))


def _type_bonus(u: Understood, s: str, n: str) -> float:
    t = u.qtype
    if t == "number":
        if not HAS_NUMBER.search(n):
            return -0.5
        near_metric = any(_counts(n, v) for t in (u.metric or u.topic) for v in t.variants)
        return 0.3 + (0.3 if near_metric else 0.0)
    if t == "who":
        return 0.35 if PERSON.search(n) else -0.2
    if t == "when":
        return 0.35 if DATE.search(n) else -0.2
    if t == "which":
        return 0.35 if names_which(u.question, n) else -0.2
    if t == "where" or (t == "list" and NAMED_LIST.search(u.question)):
        # named places or units, more for a list of them: “相继到三河市第一中学、…、承德一中等院校”
        named = len(PLACE_NAME.findall(n))
        return 0.0 if not named else 0.2 if named == 1 else 0.35
    if t in ("how", "list"):
        return 0.2 if RUN_IN.match(s) or (len(s) >= 20 and re.search(r"[；;]", s)) else 0.0
    return 0.0


def _counts(n: str, word: str) -> bool:
    """A number bound to the asked word: “等33个专业”, “在校生5900人”, “吞吐能力5000万吨” count;
    “惟一一所…专业人才”, “每一个角落…切合学生实际” do not (a digit at most 3 characters before
    the word, or at most 8 after it within the clause)."""
    w = re.escape(word)
    return bool(re.search(r"\d[\d.,]*\s*[多余]?[万亿千百]?\S{0,3}" + w + "|" + w + r"[^。；;！？]{0,8}?\d", n))


TYPE_GAP = {"number": "资料中没有写明这个数字", "when": "资料没有写明时间", "who": "资料没有写明是谁",
            "which": "资料没有写明是哪一个"}
_H = "[\u4e00-\u9fff]"
# “哪…X” questions (understand.WHICH_Q; one entry per understand.WHICH_CLASSES): what a name of class X
# ends in. A sentence that names none (“《魔戒》的作者是哪国人” over sentences on the book's sources) does not answer.
WHICH = {
    "国家|国人|国": rf"{_H}{{1,4}}国(?![家际内外务道土民企有营库])",
    "公司|企业|集团": r"[\u4e00-\u9fffA-Za-z]{2,}(?:公司|集团|厂)",
    "党派|党": rf"{_H}{{1,6}}党",
    "盆地": rf"{_H}{{1,6}}盆地",
    "部队|军队": rf"{_H}{{1,6}}(?:队|军|团)",
    "大学|学校|学院": rf"{_H}{{1,8}}(?:大学|学院|学校|中学|小学|[一二三四五六七八九十]中)",
    "河流": rf"{_H}{{1,4}}(?:河|江)",
    "朝代": rf"{_H}{{1,2}}(?:朝|代)",
    "皇帝": rf"{_H}{{1,3}}(?:帝|宗|祖)",
    "语言": rf"{_H}{{1,4}}语",
    "宗教": rf"{_H}{{1,4}}教",
    "机构|单位|部门|组织": rf"{_H}{{1,8}}(?:部|局|委|办|厅|署|处|司|院|会|中心|组织|联盟|小组)",
    "法案|条约": rf"《[^》]+》|{_H}{{1,8}}(?:法|条约|法案)",
    "银行": rf"{_H}{{1,8}}银行",
    "医院": rf"{_H}{{1,8}}医院",
}
# words that end like a name of the class and name none: “面向全国” is no country, “本单位” no body
NOT_NAMES = frozenset("全国 各国 我国 本国 外国 两国 他国 出国 回国 强国 大国 归国 举国 该国 各部 本部 全部 内部 外部 干部 "
                      "局部 总部 各委 各党 入党 全党 全队 各队".split())


def type_gap(u: Understood) -> str:
    """What the partial answer says is missing: “资料没有写明哪国人” for a which-question."""
    m = WHICH_Q.search(u.question) if u.qtype == "which" else None
    if m and m.group("c2"):  # “…公司是哪一家” → “资料没有写明是哪一家公司”
        return f"资料没有写明是{m.group(0)[len(m.group('c2')) + 1:]}{m.group('c2')}"
    return f"资料没有写明{m.group(0)}" if m else TYPE_GAP[u.qtype]


def names_which(question: str, n: str) -> bool:
    """Does normalised sentence ``n`` name a thing of the class a “哪…X” question asks for — a name
    the question does not hold itself (“这个国家” in the question is no answer to “哪一个国家”)?"""
    m = WHICH_Q.search(question)
    if not m:
        return True
    pattern = next(v for k, v in WHICH.items() if which_class(m) in k.split("|"))
    return any(x.group(0) not in question and x.group(0)[-2:] not in NOT_NAMES for x in re.finditer(pattern, n))


def answers_type(u: Understood, sentence: str) -> bool:
    """Does the sentence hold what a number/when/who question asks for?"""
    n = normalize(sentence)
    if u.qtype == "number":
        return bool(HAS_NUMBER.search(n))
    if u.qtype == "when":
        return bool(DATE.search(n))
    if u.qtype == "who":
        return bool(PERSON.search(n))
    if u.qtype == "which":
        return names_which(u.question, n)
    return True


def _says(n: str, t) -> bool:
    """The sentence names the term: one of its forms, or a place and its unit said apart (洛阳 … 邻里中心)."""
    return any(v in n for v in t.variants) or bool(t.parts and all(p in n for p in t.parts))


def choose(u: Understood, checks: list[Check], view: CorpusView, limit: int | None = None,
           must: list[tuple[str, ...]] = ()) -> list[tuple[int, str]]:
    """(passage index, sentence) pairs in reading order of the passages; ``must``: each tuple
    names words of which a sentence must hold one (a partial answer about 厦门 quotes 厦门)."""
    # the place is checked per passage already: in a sentence it counts half as much as the
    # words of what is asked ("三河一中占地多大": 占地 decides, not 三河一中)
    weights = [(t, term_weight(t, view)) for t in u.topic + u.metric] + \
              [(t, 0.5 * term_weight(t, view)) for t in u.entities + u.names]
    total = sum(w for _, w in weights) or 1.0
    places = u.entities + u.names
    authored = bool(AUTHOR_Q.search(u.question))  # “那篇报告是谁写的”: the byline, not the delegation's leaders
    heads = [normalize(" ".join([ch.hit.chunk["title"], *ch.hit.chunk["section"]])) for ch in checks]
    scored = []
    for hi, ch in enumerate(checks):
        sents = sentences(ch.hit.chunk["text"])
        for si, s in enumerate(sents):
            n = normalize(s)
            byline = authored and AUTHOR_LINE.search(n)
            if len(re.sub(r"\W", "", n)) < 6 or (_is_heading(s) and not byline) or \
                    not all(any(w in n for w in ws) for ws in must):
                continue
            # a place or unit the passage's heading names counts for each of its sentences:
            # under “（三）承德旅游职业学院”, “学院设有…33个专业” is about that college
            # and a word of what is asked that only the title or heading holds, half: “6月7日至6月10日,
            # …代表团赴…学习考察” under “市党政代表团外出考察工作总结” is the date of that 外出考察
            cover = sum(w * (1.0 if _says(n, t) or t in places else 0.5) for t, w in weights
                        if _says(n, t) or any(v in heads[hi] for v in t.variants)) / total
            bonus = _type_bonus(u, s, n)
            score = cover + (1.0 if byline else bonus) + 0.3 * ch.hit.score - 0.03 * hi
            scored.append((score, hi, si, s, sents, bonus))
    if not scored:
        return []
    scored.sort(key=lambda x: (-x[0], x[1], x[2]))
    best = scored[0][0]
    if u.qtype == "list" and limit is None:
        # the best sentence may be the heading above the list ("二是坚定不移地推进创新驱动。");
        # the list then opens in one of the next best ("重点要把握三点:一要更加注重科技创新。")
        for top in scored[:3]:
            points = _points(top)
            if points:
                return points
    limit = limit or LIMIT.get(u.qtype, 3)
    # a figure asked for: once the best sentence gives it bound to what is
    # asked, a sentence that gives less (no number, or one not bound: “惟一一所”) only dilutes
    floor = scored[0][5] if u.qtype == "number" else -1.0
    per_hit_max = 3 if u.qtype in ("how", "list") else 2
    chosen: list[tuple[int, int, str]] = []
    for score, hi, si, s, sents, bonus in scored:
        if len(chosen) >= limit or score < best - 0.45:
            break
        if sum(1 for c in chosen if c[0] == hi) >= per_hit_max or any(normalize(s) == normalize(c[2]) for c in chosen):
            continue
        if bonus < floor:
            continue
        chosen.append((hi, si, s))
        # a short run-in point ("一是紧盯前沿抓风口。") says what; its next sentence says how
        if len(s) < 24 and RUN_IN.match(s) and si + 1 < len(sents) and len(chosen) < limit + 1:
            chosen.append((hi, si + 1, sents[si + 1]))
    if authored and any(AUTHOR_LINE.search(normalize(c[2])) for c in chosen):
        chosen = [c for c in chosen if AUTHOR_LINE.search(normalize(c[2]))]
    if u.qtype == "number" and places:
        # “深圳2024年地区生产总值多少”: once a sentence names 深圳, a sentence giving 滨海新区's figures
        # (another place, not the one asked) is the wrong city's number, however close its words
        own = [c for c in chosen if any(name_in(normalize(c[2]), t) for t in places)]  # 高新区 in 高新技术产业开发区
        if own:
            chosen = [c for c in chosen if c in own or not PLACE_NAME.search(normalize(c[2]))]
    return [(hi, s) for hi, si, s in sorted(chosen)]


# How many run-in points a list answer quotes at most (a report's lists run to 3-6 points).
MAX_POINTS = 6
PREAMBLE = re.compile(r"[：:]$|以下|如下|几个方面|几点|包括")
INLINE_FIRST = re.compile(r"(?:[：:，,]|为|有|是)((?:一[是要]|首先|[（(]一[）)]|1[、.．]))")


def _family(s: str) -> tuple[str, bool]:
    """("N是", first?) for "一是…"/"三是…" (or a sentence whose list starts inside it, "主要体现为
    一是规划起点高"), ("（N）", …) for "（二）", ("D、", …) for "2、": points of one list share it."""
    s = s.strip()
    m = RUN_IN.match(s) or INLINE_FIRST.search(s)
    if not m:
        return "", False
    mark = m.group(m.lastindex or 0)
    return re.sub(r"\d+", "D", re.sub(r"[一二三四五六七八九十]+", "N", mark)), bool(re.search(r"[一1]", mark))


def _points(top: tuple) -> list[tuple[int, str]]:
    """A "哪些/哪几/流程/材料" question answered by one point of a list, or by the preamble that
    opens it ("要增强三种意识：", "主要有以下几点。"), gets the list: the points of the same
    family in that passage ("一要增强机遇意识。二要增强发展意识。三要增强赶超意识。"), with the
    preamble first. Nothing when the passage holds no such list (fewer than 2 points)."""
    _, hi, si, s, sents, _ = top
    fam = _family(s)[0]
    lead = []
    if not fam and PREAMBLE.search(s.strip()):
        later = [k for k in range(si + 1, len(sents)) if _family(sents[k])[0]]
        if not later:
            return []
        fam, lead = _family(sents[later[0]])[0], [(hi, s)]
    if not fam:
        return []
    lists: list[list[int]] = []
    for k in range(si + 1 if lead else 0, len(sents)):
        f, first = _family(sents[k])
        if f != fam:
            continue
        if first or not lists:  # "一是" starts a list: "四是城乡一体水平高" belongs to the one above
            lists.append([])
        lists[-1].append(k)
    mine = next((ls for ls in lists if si in ls), lists[0] if lists else [])
    if len(mine) < 2:
        return []
    return lead + [(hi, sents[k]) for k in mine[:MAX_POINTS]]


def conflicting_numbers(u: Understood, picked: list[tuple[int, str]], checks: list[Check]) -> bool:
    """Two reports giving the asked metric different numbers."""
    if u.qtype != "number" or not u.metric:
        return False
    by_doc: dict[str, set[str]] = {}
    for hi, s in picked:
        n = normalize(s)
        if any(v in n for m in u.metric for v in m.variants):
            nums = {m.group(0).strip() for m in NUMBER.finditer(n) if re.search(r"\d", m.group(0))}
            if nums:
                by_doc.setdefault(checks[hi].hit.chunk["doc_id"], set()).update(nums)
    return len(by_doc) >= 2 and len({frozenset(v) for v in by_doc.values()}) >= 2


# A unit with no number before it: the source blanked the figure (“实现营业收入亿元”, “占工业总产值的%”);
# 超亿元, 近亿元 are figures (over, near one 亿).
BLANK = re.compile(r"[\u4e00-\u9fff]{2}(?<![数几余多百千万亿两一二三四五六七八九十超近逾过破上])(?:亿元|万元|亿美元|万美元|万吨|%)")


def blank_figures(picked: list[tuple[int, str]]) -> list[str]:
    """The places in the quoted sentences where the report left a figure out, as quoted text."""
    return [m.group(0) for _, s in picked for m in BLANK.finditer(normalize(s))]


def _another_persons_date(named: list[str], n: str) -> bool:
    """“慈禧太后在哪一年入宫”: a sentence that does not name the person asked about (慈禧太后, 慈禧,
    太后) but names another (“溥俊受诏入宫”) gives that other person's date."""
    import jieba.posseg as pseg

    # three characters at least: jieba tags short forms such as 鲁苏 (山东+江苏) nr as well
    persons = [w for w in named if len(w) >= 3 and [p.flag for p in pseg.lcut(w)] == ["nr"]]
    if not persons:
        return False
    forms = {f for w in persons for f in (w, w[:2], w[-2:]) if len(f) >= 2}
    if any(f in n for f in forms):
        return False
    return any(p.flag == "nr" and len(p.word) >= 2 and p.word not in forms for p in pseg.lcut(n))


def _of_the_place(u: Understood, chunk: dict, sentence: str) -> bool:
    """A name, date or person given for a place asked about is given where that place is said: in the
    sentence, its heading path or its report's title. “台湾地区第一家机车制造公司是哪一家” over a passage
    on motorcycles that names 台湾 once: its sentence on England's Merryweather company is another
    place's first maker."""
    known = [e for e in u.entities if e.known]
    if not known:
        return True
    where = normalize(" ".join([chunk["title"], *chunk["section"], sentence]))
    return all(_says(where, e) for e in known)


def gives(u: Understood, check: Check, sentence: str) -> bool:
    """Does the sentence give the date or person asked for — of the asked event? “承德旅游职业学院
    新校区啥时候启用的”: a date in a sentence without 启用 (or 投入使用) is no answer; the event word must
    be in the sentence, its heading or its report's title (a figure is bound to its metric in ``choose``)."""
    if not answers_type(u, sentence):
        return False
    c = check.hit.chunk
    if u.qtype == "which" and not _of_the_place(u, c, sentence):
        return False
    if u.qtype not in ("when", "who"):
        return True
    named = [e.text for e in u.entities + u.names]
    if u.qtype == "when" and _another_persons_date(named, normalize(sentence)):
        return False
    events = [t for t in u.topic if t.known and not any(t.text in n for n in named)]
    where = normalize(" ".join([c["title"], *c["section"], sentence]))
    return not events or any(v in where for t in events for v in t.variants)
