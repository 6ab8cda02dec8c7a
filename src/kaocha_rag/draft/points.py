"""Outline points from retrieved passages: one complete, Simplified, on-topic sentence each, run-in
labels stripped, the place it is about named, near-duplicates dropped, regions balanced.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..answer.citations import sentences
from ..ingest.clean import HEAD_ORDINAL, NUM_ZH, TABLE_LEFTOVER, ngrams, normalize
from ..answer.extract import _is_heading
from ..index.index import Index
from ..ingest import roles
from ..answer.retrieve import Hit
from .topic import COVERED, GENERIC_PLACES, NEAR_DUP, ON_PART, ON_TOPIC, QUOTES, RUN_IN_LABEL, VISITED_SECTIONS, Topic


def theme_of(hit: Hit) -> str:
    """"（一）突出产业强市 转型升级大气魄" → "突出产业强市 转型升级大气魄"."""
    label = hit.chunk["section"][-1] if hit.chunk["section"] else hit.chunk["title"]
    label = re.sub(rf"^(?:第[{NUM_ZH}]+[篇章]|[{NUM_ZH}]+[、是要]|[（(][{NUM_ZH}\d]+[）)]|\d+[、.．]|——)", "", label)
    return label.strip("：:。 ")


# a converted report closes its quotes with 〞 (“集中、集中、再集中〞): the sentence is whole, its quote
# marks are not a pair to the eye of balanced()
QUOTE_FORMS = str.maketrans({"〝": "“", "〞": "”"})


def to_simplified(s: str) -> str:
    from ..ingest.clean import _t2s

    return _t2s().convert(s).translate(QUOTE_FORMS)


def balanced(s: str) -> bool:
    return all(s.count(a) == s.count(b) for a, b in QUOTES)


def complete(s: str) -> bool:
    """A whole sentence: ends as one, opens with no dangling punctuation or conjunction, brackets closed."""
    core = re.sub(r"\W", "", s)
    return (len(core) >= 10 and bool(re.search(r"[。！？!?]$", s)) and balanced(s)
            and not re.match(r"^[，,、；;：:。）)”’和及与并而但且或等]", s))


# a heading's ordinal run into the sentence (“三、从某种意义上看,…”), and a converted PDF's leftovers before
# it (“60%以3-5个三、…”, clean.TABLE_LEFTOVER); never “X、” followed by another numeral (“3个三、四线城市”)
JUNK_LEAD = re.compile(rf"^(?:{TABLE_LEFTOVER})?{HEAD_ORDINAL}")


def strip_label(s: str) -> str:
    s = JUNK_LEAD.sub("", s, count=1)
    prev = None
    while prev != s:
        prev, s = s, RUN_IN_LABEL.sub("", s, count=1)
    return s.strip()


def finish(s: str) -> str:
    s = s.strip().rstrip("，,、；;：: ")
    return s if re.search(r"[。！？!?]$", s) else s + "。"


def one_claim(s: str, t: Topic, limit: int = 110) -> str:
    """A long sentence is cut to its clauses on the topic (at ； or the half-width ; of a converted
    report: 安吉's 区镇合一 sentence ran on into 三线工作制 after a ";"), kept whole otherwise."""
    if len(s) <= limit or not re.search(r"[；;]", s):
        return s
    clauses = [c for c in re.split(r"(?<=[；;])", s) if c.strip()]
    keep = [c for c in clauses if t.cover(normalize(c)) > 0] or clauses[:1]
    return finish("".join(keep)[:400])


def known_places(index: Index) -> dict[str, str]:
    """Places a point may be attributed to: the catalogue's places of every report (and their
    short forms), provinces and prefecture-level cities; a county whose name is also a common
    word (惠民, 资源, 和政) counts only where the text writes it with its 市/县/区."""
    from ..index.catalog import catalogue
    from ..answer.lexicon import load_lexicon

    key = index.manifest.generation()
    cached = getattr(index, "_draft_places", None)
    if cached and cached[0] == key:
        return cached[1]
    lex = load_lexicon(index.settings.lexicon_dir)
    named = {}
    for r in catalogue(index):
        for p in list(r.places) + list(r.units):
            p = normalize(p)
            named[p] = p
            short = re.sub(r"^(?:[\u4e00-\u9fff]{2,3}省)|(?:市|县|区)$", "", p)
            if len(short) >= 2:
                named[short] = p
    big = {n for n, code in lex.places.items() if code and (code[4:] == "0" * (len(code) - 4)) and len(n) >= 2}
    index._draft_places = (key, (named, big, lex.places))
    return index._draft_places[1]


def places_in(text: str, index: Index) -> list[str]:
    named, big, every = known_places(index)
    out = []
    for m in re.finditer(r"[\u4e00-\u9fff]{2,8}", text):
        run = m.group(0)
        i = 0
        while i < len(run):
            for n in range(min(8, len(run) - i), 1, -1):
                w = run[i:i + n]
                nxt = run[i + n:i + n + 1]
                if w in GENERIC_PLACES:
                    continue
                if w in named or w in big or (w in every and nxt in ("县", "区", "镇")):
                    out.append(w)
                    i += n - 1
                    break
            i += 1
    return out


MANY_PLACES = re.compile(r"各地|三地|两地|多地|各市|三市|各县|这些地区|这些地方|几个城市|三个城市|七地|六县")


def place_of(sent: str, hit: Hit, index: Index, own: bool) -> str:
    """The place a point is about: named in the sentence, its headings or (not for the writer's own
    plans) its passage; "" when none is named."""
    c = hit.chunk
    if MANY_PLACES.search(normalize(sent)):  # “各地都紧盯…”: about all of them, no one city's
        return ""
    sources = [normalize(sent), normalize(" ".join(c["section"][1:] or c["section"]))]
    if not own:
        # the passage's subject is named in its opening sentence; a city named further on (“…杭州模式”)
        # may be another place than the one this sentence is about (“本次考察的X区X市场…”)
        # — and the passage names no other place (武侯区's 街长制 follows a sentence on the “杭州模式”)
        if len(set(places_in(normalize(c["text"]), index))) == 1:
            sources += [normalize(x) for x in sentences(c["text"]) if not _is_heading(x)][:1]
    for k, text in enumerate(sources):
        found = list(dict.fromkeys(places_in(text, index)))
        # a passage naming several places (“三个城市…滨海新区…深圳市…厦门市”) says nothing of which one
        # a sentence of it is about: no label rather than the first city's
        if found and (k < 2 or len(found) == 1):
            return found[0]
    return ""


def report_places(index: Index) -> dict[str, set[str]]:
    """doc_id → the places its trip visited (catalogue), full and short forms ("三河市", "三河")."""
    from ..index.catalog import catalogue

    key = index.manifest.generation()
    cached = getattr(index, "_draft_report_places", None)
    if cached and cached[0] == key:
        return cached[1]
    out: dict[str, set[str]] = {}
    for r in catalogue(index):
        names = {normalize(p) for p in r.places}
        out[r.doc_id] = names | {re.sub(r"(?:市|县|区)$", "", n) for n in names}
    index._draft_report_places = (key, out)
    return out


def other_place(n: str, chunk: dict, regions: list[str], index: Index) -> bool:
    """Does the sentence name another place its report visited (not one of the regions asked for)?
    A place counts by its full name, without 市/县/区, or by its last four characters (天津滨海新区 → 滨海新区)."""
    for p in report_places(index).get(chunk.get("doc_id", ""), set()):
        if any(r in p or p in r for r in regions):
            continue
        if len(p) >= 2 and (p in n or (len(p) >= 5 and p[-4:] in n)):
            return True
    return False


def from_region(chunk: dict, regions: list[str], section: str, index: Index) -> bool:
    """A lesson or plan drawn from a trip to the region, though it does not name it: 篇三's "结合我校
    实际的一些思考" comes from its visit to 三河 and never writes 三河 again. What a region did
    (基本情况, 主要做法与经验) must still be about it."""
    if section in VISITED_SECTIONS:
        return False
    visited = report_places(index).get(chunk.get("doc_id", ""), set())
    return any(r in visited for r in regions)


@dataclass
class Point:
    text: str  # Simplified, one sentence, with the place it is about
    hit: Hit
    key: str  # normalised claim, for duplicate checks
    score: float
    theme: str
    place: str
    cover: float = 0.0  # Topic.cover of the sentence
    role: str = ""  # the sentence's role (roles.py): its passage's, unless its wording says otherwise (visited_practice)
    at: int = 0  # the sentence's place in its passage: two points of one passage read in the report's order


# a sentence that proposes or speaks of the writer's own place, inside a passage typed 做法·经验 ("建议重点
# 围绕…", "相比之下,近几年我们…", "也可以考虑…"): what the home county should do, not what the visited places did
# a sentence about the trip itself ("通过本次考察学习，对…有了更加具体的认识", "期间，既学习考察了…"): it names
# the topic in a list of what was seen and says nothing a writer can use about it
TRIP_TALK = re.compile(r"^(?:通过|经过)?(?:本次|这次|此次)(?:学习)?考察(?:学习)?[，,、是中]|^(?:考察)?期间[，,]")
# a county asking "市里/省里" (its own city, its own province) for support is the writer's county
# planning: "结合新一轮政府机构改革,…,积极争取市里支持,加快理顺高新区管理体制" stood in 做法·经验 and
# filled 主要做法与经验 of "培育特色产业集群" (0.51 of it) and "开发区政企分离的管理运营体制"
OWN_VOICE = re.compile(r"^(?:建议|应当|应该|必须|进一步|可以考虑|也可以|今后|下一步|相比之下|对照|我们|我[县市区镇省])"
                       r"|考虑实施|可以考虑|建议(?:将|把|在|对|以|继续|重点|由)"  # "围绕…,考虑实施“四百干部行动”"
                       r"|争取(?:市里|省里)(?:的)?支持")


# what a lesson or a plan sounds like: a comparison, a feeling, home ("我们", "我县"), "should"; "要" not
# in 重要/主要/需要/要求
LESSON_OR_PLAN = re.compile(r"启示|借鉴|值得|感到|感受|认识到|体会|差距|相比|相较|对照|反思|我们|我[县市区镇校]|应当|应该|必须|"
                            r"建议|亟需|亟待|(?<![重主需只])要(?![求素点的])")


# a plan said as an order, subject left out: “依托县委党校等现有资源组建企业家教育培训中心…”, “大力倡导…理念”
ORDER = re.compile(r"^(?:依托|大力|加快|不断|积极|继续|进一步|着力|切实|努力|力争|全力|尽快|抓紧|建议|结合(?:明年|今年|我|本)|"
                   r"要(?![求素点的]))")


def visited_practice(p: Point, index: Index) -> bool:
    """A sentence of a lesson passage that tells what a visited place did, the place named in the
    sentence itself: “天台县始终把企业家队伍建设作为一项重点工作来抓…” under “三、比较与启示” is a
    practice of 天台县 and belongs under 主要做法与经验 (an independent read put 6 of 102 such points
    in the wrong section). A sentence with any word of comparison, feeling, home or “should” stays."""
    body = p.text.split("：", 1)[1] if p.place and p.text.startswith(p.place + "：") else p.text
    n = normalize(body)
    return bool(places_in(n, index)) and not (OWN_VOICE.search(n) or LESSON_OR_PLAN.search(n) or TRIP_TALK.match(n)
                                              or ORDER.match(n))


def home_plan(p: Point, index: Index) -> bool:
    """A sentence of a lesson or practice passage that is the writer's plan for home: an order with no
    subject and no visited place named (“依托县委党校等现有资源组建企业家教育培训中心…” under “三、比较与
    启示”, “不断完善企业家激励机制…” under a practice heading belong under 下一步打算和建议)."""
    n = normalize(p.text)
    return bool(ORDER.match(n)) and not places_in(n, index)


# an opening clause that gives the basis of what follows: “按照中央、省、市城市管理执法体制改革要求和…的规定，
# XX年底…统一规范配备制式服装” is about uniforms, not the reform
FRAME = re.compile(r"(?:^|(?<=[，,]))(?:按照|根据|依照|依据|遵照)[^，,。；;！？]{2,80}(?:要求|规定|部署|精神|安排|意见|原则|指示)[，,]")


def on_topic(t: Topic, sent: str, head_cover: float = 0.0) -> bool:
    """The sentence (normalised) shares the topic's terms, or one of the things the request names
    (Topic.part_cover), or stands under a heading that does (``head_cover``: Topic.cover of its headings)."""
    cover = t.cover(sent)
    return (cover >= ON_TOPIC or t.part_cover(sent) >= ON_PART or (head_cover >= 0.4 and cover > 0)
            or head_cover >= 0.6)


ORDINAL_LABEL = re.compile(rf"^\s*(?:[{NUM_ZH}]+[是要]|[（(][{NUM_ZH}\d]+[）)]|第[{NUM_ZH}]+[，,、：:]?|\d{{1,2}}[、.．](?!\d))")


def make_points(t: Topic, hits: list[Hit], index: Index, section: str) -> list[Point]:
    """The on-topic, complete sentences of the passages, as points a writer can use."""
    own = section == "下一步打算和建议"
    out = []
    for rank, h in enumerate(hits):
        c = h.chunk
        path = list(c["section"][1:] or c["section"])
        head = normalize(" ".join(path))
        head_cover = t.cover(head)
        sents = sentences(c["text"])
        for i, raw in enumerate(sents):
            if path and ORDINAL_LABEL.match(path[-1]) and ORDINAL_LABEL.match(raw) and \
                    ORDINAL_LABEL.match(raw).group(0) != ORDINAL_LABEL.match(path[-1]).group(0):
                # a passage headed “一是建议实行‘街长制’…” runs on into “二是增加城管编制…”: the sentences
                # after it stand under 二是, not under the 街长制 the passage's path names (and a passage
                # that opens with the last point of the section before, “4、研究并制定全员管理实施办法。”,
                # has that line under its own 4、, not under the “1、逐步推行校园文化建设” that follows)
                head = normalize(" ".join(path[:-1] + [raw]))
                head_cover = t.cover(head)
            if _is_heading(raw) or len(re.sub(r"\W", "", raw)) < 8:
                continue
            body = strip_label(raw)
            if not body:
                continue
            last = raw
            # "一是推行‘红色物业’全覆盖。" says what; the next sentence says how: one point, writer's words
            if len(body) < 26 and RUN_IN_LABEL.match(raw) and i + 1 < len(sents) and not RUN_IN_LABEL.match(sents[i + 1]):
                nxt = strip_label(sents[i + 1])
                if nxt and not _is_heading(sents[i + 1]):
                    body = body.rstrip("。；;，, ") + "，" + nxt
                    last = sents[i + 1]
            if not re.search(r"[。！？!?；;][”’」』]?$", last.strip()):
                continue  # the passage ends mid-sentence ("…我们要缩小与先进地区的差距,必须"): not a claim
            body = finish(one_claim(to_simplified(body), t))
            if not complete(body):
                continue
            n = normalize(body)
            said = FRAME.sub("", n)  # the topic named only in “按照…要求，” is the sentence's basis, not its subject
            cover = t.cover(said)
            if not on_topic(t, said, head_cover) or TRIP_TALK.match(n) or (section in VISITED_SECTIONS and OWN_VOICE.search(n)):
                continue
            if t.regions and not any(r in n for r in t.regions) and other_place(n, c, t.regions, index):
                continue  # a 深圳 outline quoting “2024年，滨海新区外贸进出口总额…” from the three-city passage
            place = place_of(body, h, index, own)
            if t.regions and not any(r in n or r in head or r in normalize(c["title"]) or r == place for r in t.regions):
                if not any(r in normalize(c["text"]) for r in t.regions) and not from_region(c, t.regions, section, index):
                    continue
            if body.startswith("他们") and not own:  # “他们对招商引资实行全过程严格考核…” out of its paragraph: who?
                body, n = (place or "考察地") + body[2:], (place or "考察地") + n[2:]
            text = body if not place or place in n else f"{place}：{body}"
            score = cover + 0.5 * head_cover + 0.3 * h.score - 0.02 * rank
            out.append(Point(text, h, re.sub(r"\W", "", n), score, theme_of(h), place, cover, roles.roles_of(c), i))
    return sorted(out, key=lambda p: -p.score)


def is_dup(key: str, kept: list[str]) -> bool:
    g = ngrams(key, 3)
    for k in kept:
        h = ngrams(k, 3)
        if len(g & h) / max(1, min(len(g), len(h))) >= NEAR_DUP:
            return True
    return False


def drop_covered(sections: list[list[Point]]) -> list[list[Point]]:
    """Take out, one at a time, a point whose character 3-grams the outline's other points hold together
    (COVERED): a passage's “依托县委党校…组建企业家教育培训中心…；大力倡导‘小政府大服务’理念…” says nothing
    that its two neighbours, each one of those halves, do not (a reader found it 0.99 covered)."""
    sections = [list(s) for s in sections]
    grams = [(si, p, ngrams(p.key, 3)) for si, s in enumerate(sections) for p in s]
    while True:
        worst, best = None, (COVERED, 0)
        for si, p, g in grams:
            rest = set().union(*(h for _, q, h in grams if q is not p))
            covered = (len(g & rest) / max(1, len(g)), len(g))  # a tie drops the longer: the halves are one claim each
            if covered >= best:
                worst, best = (si, p), covered
        if worst is None:
            return sections
        sections[worst[0]].remove(worst[1])
        grams = [x for x in grams if x[1] is not worst[1]]


def order_as_found(points: list[Point]) -> list[Point]:
    """Picked order, a passage's second point right after its first (one place's practice reads as one run),
    and the two in the report's order: “这些文化都是集体创作…” after the 班级文化 sentence it refers to."""
    first: dict[str, int] = {}
    for i, p in enumerate(points):
        first.setdefault(p.hit.chunk["chunk_id"], i)
    return sorted(points, key=lambda p: (first[p.hit.chunk["chunk_id"]], p.at))


def pick(points: list[Point], n: int, kept: list[str], regions: list[str], per_passage: int = 2,
          strict: bool = True, used: set[str] | None = None) -> list[Point]:
    """Best points first, no two from the same fact, at most ``per_passage`` from one passage (``used``:
    passages already cited once); with regions, taken in turn from each region (``strict``: only
    points about them)."""
    # a point is about a region when it or its headings name it, or its passage does and the point
    # names no other place ("周口把…" in a passage that also mentions 开封 is about 周口)
    groups = [[p for p in points if r in normalize(p.text) or r == p.place or r in normalize(" ".join(p.hit.chunk["section"]))
               or (r in p.hit.chunk.get("norm", "") and (not p.place or p.place in regions))] for r in regions] \
        if regions else [points]
    if regions and not strict:
        rest = [p for p in points if not any(p in g for g in groups)]
        groups.append(rest)
    out: list[Point] = []
    per: dict[str, int] = dict.fromkeys(used or (), 1)
    # one point per passage first, a second one only when the section still has room: a passage's
    # runner-up sentence is worth less to a writer than another passage's best (农贸市场: the 4th
    # 建议 was a second sentence of a passage already cited while a passage of its own went unused)
    for limit in sorted({1, per_passage}):
        cursors = [0] * len(groups)
        while len(out) < n and any(cursors[g] < len(groups[g]) for g in range(len(groups))):
            for g, grp in enumerate(groups):
                while cursors[g] < len(grp):
                    p = grp[cursors[g]]
                    cursors[g] += 1
                    cid = p.hit.chunk["chunk_id"]
                    if per.get(cid, 0) >= limit or p in out or is_dup(p.key, kept):
                        continue
                    out.append(p)
                    kept.append(p.key)
                    per[cid] = per.get(cid, 0) + 1
                    break
                if len(out) >= n:
                    break
    return order_as_found(out)


