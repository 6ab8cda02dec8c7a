"""Comparisons “A和B…有什么不同/异同/各有什么做法” as a Markdown table, every cell cited.

Sides (``sides_of``): the question is cut at 和/与/跟/、; each part names a place (洛阳, 中山小榄镇)
or a report (“珠三角那次”, “鲁苏六县考察”, “省内考察”), resolved through the catalogue: a
report side is the report whose title or places hold its words; a place side is every report,
and a passage counts only if the place stands in its text or headings — in the 三市 report the
opening names 洛阳、开封、周口 together, so the opening cannot place a passage on one of them.

Each side's evidence is searched separately (only its reports), checked like an ordinary
answer (support.decide), and its sentences sorted into aspects: 思路 (理念/定位/坚持/围绕…),
成效数字 (a figure), 主要做法 (the rest). Rows are the sides, columns the aspects at least one
side has; an empty cell says “资料未提及”, never a guess.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..index.catalog import Report, filter_docs
from ..index.index import Index
from ..index.places import ADMIN_SUFFIX
from ..ingest.clean import normalize
from .citations import CITE, HAS_NUMBER, check, cited_numbers, sentences
from .extract import choose
from .lexicon import corpus_view, load_lexicon
from .retrieve import Hit, search
from .support import decide
from .understand import Term, Understood, find_entities, understand
from .across_topic import FIGURES, abbrev_of, near_topic

NONE = "资料未提及"
ASPECTS = ("思路", "主要做法", "成效数字")
_IDEA = re.compile(r"思路|理念|定位|战略|坚持|围绕|立足|着眼|目标|方向|路子|模式|主线|以[^，。]{1,10}为(?:引领|核心|主导|抓手|重点|龙头)")
_FIGURE = re.compile(r"\d")  # a digit figure (HAS_NUMBER also takes 一是…, which is no figure)
# words that make a side a report, not a place: “珠三角那次”, “鲁苏六县考察”, “浙江七地”
_COUNTED = r"[一二三四五六七八九十两几\d]+(?:个)?(?:县市区|县市|市县|地|县|市|区)"
_REPORT_WORDS = re.compile(r"那一?次|那一?趟|那篇|考察团?|报告|两份|两次|的$|" + _COUNTED)
SEP = re.compile(r"(以及|[和与跟、])")  # not 同 (不同) nor 及 (及时)
PER_CELL = 2
# The question's framing, taken out before its topic is understood: "哪些报告谈到了" asks
# nothing the passages must hold (the old path refused “各份报告…” for want of “各份”).
_FRAME = re.compile(
    r"这些(?:考察)?报告里?|哪(?:些|几)(?:个|份|篇|次)?(?:考察)?(?:地方|地区|城市|县市|市县|报告|考察|篇|次|份)?"
    r"|各(?:份|篇|次)?(?:考察)?(?:报告|地|市|县)?都?|每(?:份|篇|次)(?:报告|考察)?|所有(?:的)?报告|几份报告|两份报告|两次|几次"
    r"|(?:都)?(?:提到|谈到|写到|讲到|说到|涉及|写|讲)(?:了|过)?|各自|分别|怎么说的?|举几个例子|举例|搞得好的|有什么|有何|哪些"
    r"|不同|区别|差别|异同|不一样|一样吗?|相同吗?|相比|对比|比较|怎么样|各有|各出了?|说法|可学的?|那次|那趟|考察中?看到的?"
    r"|的?认识|什么招|什么|的?报告|考察"
    # what shape the answer takes, not what the passages must hold: “有哪些做法/亮点/例子/数字”
    r"|(?:具体)?(?:的)?(?:做法|办法|措施|举措|例子|亮点|数字|建议|经验)|方面|关于")


# A verb of the topic (转变, 提高, 做成, 保障) says what was done; across reports the subject noun
# decides and the verb counts half. “考察中看到的民生保障做法”: 民生 2.91 + 保障 3.04 by idf, so a
# passage on “项目全生命周期服务保障” held 51 % and was listed; with 保障 at half (1.52), 34 %, while
# a passage on 民生 alone holds 66 %. A topic of verbs only (“哪些地方在搞创新”) keeps its weights.
VERB_SHARE = 0.5


def _understand(text: str, index: Index) -> Understood:
    u = understand(text, corpus_view(index), load_lexicon(index.settings.lexicon_dir))
    if any(not _verb(t.text) for t in u.topic if t.known):
        for t in u.topic:
            if t.known and _verb(t.text):
                t.weight *= VERB_SHARE
    # “把特色产业做成了产业集群”: what it became is asked, what it was counts half (a passage on
    # 产业集群 without 特色产业 then holds 4.29 of 8.49, 51 %)
    made = re.search(r"把(.+?)(?:做|建|打造|培育|发展|变)成", u.question)
    for t in u.topic:
        if made and t.text in made.group(1) and t.text not in u.question[made.end():]:
            t.weight *= VERB_SHARE
    return u


def _verb(word: str) -> bool:
    """A verb by jieba's tag (v, vd, vi…), not a verbal noun (vn: 建设, 融资, 教育)."""
    import jieba.posseg as pseg

    tags = [p.flag for p in pseg.lcut(word)]
    return len(tags) == 1 and tags[0].startswith("v") and tags[0] != "vn"


def topic_text(question: str) -> str:
    """“各份报告都提到了哪些招商引资的办法” → “招商引资的办法”."""
    q = _FRAME.sub(" ", normalize(question))
    return re.sub(r"\s+", " ", re.sub(r"[？?。！!，,；;：:（）()]", " ", q)).strip()




@dataclass
class Side:
    label: str  # the row's name: 洛阳 / 《赴珠三角地区学习考察报告》
    doc_ids: list[str]  # the reports that may hold its evidence
    names: tuple[str, ...] = ()  # corpus forms of its place; empty: the whole report is the side
    own: str = ""  # what the question asks of this side only (“开封的红色物业”)
    near: str = ""  # what is shown instead of the asked words, said in the answer (across_topic.near_topic)
    near_words: tuple = ()  # the words a quoted sentence must then hold (企业 for 服务企业; FIGURES)


def _short(place: str) -> str:
    return ADMIN_SUFFIX.sub("", place) or place


def _report_side(part: str, ents: list[str], reports: list[Report]) -> Side | None:
    """“珠三角那次” / “天津深圳厦门那次” / “鲁苏六县考察” → the one report they name."""
    words = _REPORT_WORDS.sub("", part).strip()
    cands = ents + ([words] if words and words not in ents else [])
    chosen = None
    for c in cands:
        got = {r.doc_id for r in reports if len(c) >= 2 and (
            c in normalize(r.title) or any(c in p or _short(p) == c for p in r.places))}
        if not got and len(c) >= 2:  # “浙江七地”: the province's reports (catalog.filter_docs)
            got = set(filter_docs(reports, c))
        if got:
            chosen = got if chosen is None else (chosen & got or chosen)
    if not chosen:
        return None
    docs = [r for r in reports if r.doc_id in chosen]
    return Side(f"《{docs[0].title}》" if len(docs) == 1 else part, [r.doc_id for r in docs])


def _place_side(part: str, ents: list[tuple[str, Term]], reports: list[Report], index: Index) -> Side | None:
    names: list[str] = []
    for _, t in ents:
        names += [v for v in t.variants if v not in names]
    view = corpus_view(index)
    if not names:  # “中山小榄镇”: the catalogue's places inside it, and the part itself if the reports use it
        names = [p for r in reports for p in (r.places + [_short(x) for x in r.places]) if len(p) >= 2 and p in part]
        # “中山小榄镇”: 小榄镇 in 中山 — the narrower name alone places a passage
        rests = [r for r in [part, *(part.replace(n, "", 1) for n in names)] if len(r) >= 2 and view.has(r)]
        names = list(dict.fromkeys(rests or names))
    if not names:
        return None
    label = ents[0][0] if len(ents) == 1 else part
    return Side(label, [r.doc_id for r in reports], tuple(names))


def sides_of(question: str, whole: Understood, index: Index, reports: list[Report],
             scopes=None) -> tuple[list[Side], str]:
    """The sides the question compares, and what is left of it (the shared topic). ``scopes``:
    across.Scope per report — a report side searches every copy the index holds of it.

    “开封的红色物业和洛阳的邻里中心有什么不同”: each side's own words (红色物业, 邻里中心) are its
    topic; “洛阳和周口在抓产业上各有什么做法”: the words after the last side are shared."""
    copies = {sc.report.doc_id: sc.doc_ids for sc in scopes or []}
    q = normalize(question)
    lead = ""
    m = re.match(r"^([^,，]{2,20})[,，](?=.*(?:以及|[和与跟、]))", q)
    if m and not SEP.search(m.group(1)):  # “城市管理报告里，武侯区和杭州…”: the lead is topic
        lead, q = m.group(1), q[m.end():]
    pieces = SEP.split(q)  # parts and, between them, the separators
    sides: list[Side] = []
    for i in range(0, len(pieces), 2):
        side, tail = _side_at(pieces[i].strip(), whole, index, reports)
        if side is None:
            return ([], question) if len(sides) < 2 else (sides, lead + " " + "".join(pieces[i:]))
        if side.doc_ids and copies:
            side.doc_ids = list(dict.fromkeys(d for doc in side.doc_ids for d in copies.get(doc, [doc])))
        sides.append(side)
        ends = i == len(pieces) - 1 or bool(re.search(r"[,，在上对]", tail)) or len(tail) > 8
        if not ends:
            side.own = tail.strip("的 ")
            continue
        rest = tail + "".join(pieces[i + 1:])
        if any(s.own for s in sides[:-1]):  # each side its own words: no shared topic
            side.own, rest = topic_text(rest).strip("的 "), ""
        return sides, (lead + " " + rest).strip()
    return sides, lead


def _side_at(part: str, whole: Understood, index: Index, reports: list[Report]) -> tuple[Side | None, str]:
    """The side a part of the question starts with (a place or a report), and the rest of it."""
    view, lex = corpus_view(index), load_lexicon(index.settings.lexicon_dir)
    by_text = {t.text: t for t in whole.entities}
    ents = find_entities(part, view, lex)
    run, end = [], (ents[0][0] if ents and ents[0][0] <= 2 else 0)
    for s, e, name in ents:
        if s - end > 1:
            break
        run.append((name, by_text.get(name) or _term(name, index)))
        end = e
    if not run:  # “中山小榄镇”, “省内考察”: up to the first word that starts the topic
        end = len(re.split(r"[在的对上,，]|两份|两次|有何|有什么|各", part, maxsplit=1)[0])
    m = re.match(r"^(?:那一?次|那一?趟|那篇|考察团?|两份报告|报告|" + _COUNTED + ")+", part[end:])
    if m:
        end += m.end()
    head, tail = part[:end], part[end:]
    if not head:
        return None, part
    names = [n for n, _ in run]
    if _REPORT_WORDS.search(head):
        side = _report_side(head, names, reports) or _place_side(head, [(n, t) for n, t in run if t.known], reports, index)
    else:
        side = _place_side(head, [(n, t) for n, t in run if t.known], reports, index) or _report_side(head, names, reports)
    return side, tail


def _term(name: str, index: Index) -> Term:
    from .understand import resolve_entity

    return resolve_entity(name, corpus_view(index), load_lexicon(index.settings.lexicon_dir))


# -- each side's evidence -----------------------------------------------------------------------
def side_sentences(side: Side, u: Understood, index: Index, limit: int = 6) -> list[tuple[Hit, str]]:
    """(passage, sentence) pairs about this side and the topic, best first."""
    view = corpus_view(index)
    su = u
    if side.own:  # “开封的红色物业”: this side's own words join the shared topic
        own = _understand(topic_text(side.own) or side.own, index)
        su = Understood(u.question + side.own, [], u.time, u.metric, u.topic + own.topic, u.qtype,
                        traditional=u.traditional)
    query = " ".join([su.search_text(), *side.names[:2]])
    hits = search(query, 40, index=index, doc_ids=side.doc_ids)
    if side.names:
        hits = [h for h in hits if any(n in view.all_text.get(h.chunk["chunk_id"], "") for n in side.names)]
    if not su.topic and not su.metric:
        checks_src = hits[:4]
        from .support import Check

        checks = [Check(h) for h in checks_src if h.score >= index.settings.min_score]
    else:
        d = decide(su, hits, view, index.settings.min_score)
        checks = d.checks[:4] if d.status != "refused" else near_topic(side, su, hits, index)
    if not checks:
        return []
    must = [side.names] if side.names else []
    if side.near_words:  # a near passage is quoted where it holds the near word (企业 for 服务企业);
        # a section's figures stand under the side's heading, not next to its name (学校占地410亩)
        must = list(FIGURES) if side.near_words == FIGURES else must + [side.near_words]
    picked = choose(su, checks, view, limit, must)
    headed = [c for c in checks if not must or any(n in normalize(" ".join(c.hit.chunk["section"])) for n in side.names)]
    if len(picked) < 2 and headed and must:
        picked += [(checks.index(headed[i]), s) for i, s in choose(su, headed, view, limit)
                   if (checks.index(headed[i]), s) not in picked]
    # every on-topic passage of the side gives its best sentence: choose() keeps sentences within
    # 0.45 of the best one, and 天津滨海新区's “规划了185平方公里的先进制造业区” (its 2nd passage)
    # scores lower than the 1st passage's sentences on 园区/产业布局, which it does not repeat
    for hi, c in enumerate(checks):
        if all(h != hi for h, _ in picked):
            picked += [(hi, s) for _, s in choose(su, [c], view, 1, must)[:1]]
    places, out, seen = reports_places(index), [], set()
    for hi, s in picked:
        n = normalize(s)
        # every quoted sentence about this side: it (or its heading) names the side — choose()
        # adds the sentence after a short run-in point unchecked, which may be about 天台
        if n in seen or _lists_places(s, places) or (side.names and not any(
                v in n or any(abbrev_of(v, normalize(x)) for x in checks[hi].hit.chunk["section"]) for v in side.names)):
            continue
        first = _first_place(n, places)
        if side.names and first and not any(first in v for v in (*side.names, side.label)):
            continue  # “在天台县考察时了解到…造就了“安吉服务””: about 天台, though it names 安吉
        seen.add(n)
        out.append((checks[hi].hit, s))
    return out


def _first_place(n: str, places: set[str]) -> str | None:
    at = [(n.find(p), -len(p), p) for p in places if p in n]
    return min(at)[2] if at else None


def reports_places(index: Index) -> set[str]:
    from ..index.catalog import catalogue

    return {_short(p) for r in catalogue(index) for p in r.places if len(_short(p)) >= 2}


def _lists_places(sentence: str, places: set[str]) -> bool:
    """“老衲赴浙江省嘉善县、奉化市、天台县…乐清市…七地”: a sentence naming three or more of the
    visited places tells where the trip went, not what one side did."""
    n = normalize(sentence)
    return sum(p in n for p in places) >= 3


def aspect_of(sentence: str) -> str:
    n = normalize(sentence)
    if _FIGURE.search(n) and HAS_NUMBER.search(n):
        return "成效数字"
    return "思路" if _IDEA.search(n) else "主要做法"


def cells_of(pairs: list[tuple[Hit, str]]) -> dict[str, list[tuple[Hit, str]]]:
    """Up to PER_CELL sentences per aspect, from different passages first: 小榄镇's 成效数字 takes
    “小榄镇有电子音响企业1080家” (its 2nd passage) before a second figure of its 1st passage."""
    cells: dict[str, list[tuple[Hit, str]]] = {a: [] for a in ASPECTS}
    for fresh in (True, False):
        for h, s in pairs:
            cell = cells[aspect_of(s)]
            if len(cell) < PER_CELL and (h, s) not in cell and \
                    (not fresh or all(h.chunk["chunk_id"] != g.chunk["chunk_id"] for g, _ in cell)):
                cell.append((h, s))
    for a in ASPECTS:  # in the order the side's sentences were chosen
        cells[a].sort(key=lambda x: pairs.index(x))
    return cells


# “两次考察团的规模、带队人有什么不同”: the trips themselves are compared — the catalogue's
# date and delegation of each report, quoted from the sentence of the report that states them
TRIP = re.compile(r"带队|谁带|领队|率队|时间|什么时候|哪年|哪一年|几月|规模|多少人|人数|考察团|代表团")
TRIP_COLS = (("时间", "date"), ("带队", "delegation"))


def trip_cells(side: Side, index: Index) -> dict[str, list[tuple[Hit, str]]]:
    """{"时间": [(passage, sentence)], "带队": …} for a report side, from its catalogue row: the
    report's sentence that holds the extracted value (its first 8 characters), so the cell quotes
    the report, not the extraction; a field the catalogue left empty gives no cell."""
    from ..index.catalog import catalogue

    reports = [r for r in catalogue(index) if r.doc_id in side.doc_ids]
    chunks = [c for c in index.keyword()[1] if c["doc_id"] in side.doc_ids]
    out: dict[str, list[tuple[Hit, str]]] = {}
    for col, name in TRIP_COLS:
        keys = [k for r in reports for k in _trip_keys(getattr(r, name) or "")]
        found = next(((c, s) for key in keys for c in chunks for s in sentences(c["text"])
                      if key in re.sub(r"\W", "", normalize(s))), None)
        if found:
            out[col] = [(Hit(0, 1.0, found[0]), found[1])]
    return out


def _trip_keys(value: str) -> list[str]:
    """How a catalogue value is looked up in its report: “县党政考察团（县委书记张新带队）” by the
    leader (县委书记张新), “2023年4月22日至27日” also without the year a header line gave it."""
    v = re.sub(r"\W", "", normalize(value))
    if not v:
        return []
    leader = re.search(r"([^()（）]{2,30}?)带队", normalize(value))
    keys = [re.sub(r"\W", "", leader.group(1).split("（")[-1])[:6]] if leader else []
    return [k for k in keys + [v[:8], re.sub(r"^\d{4}年", "", v)[:6]] if len(k) >= 4]


def table_text(sides: list[Side], rows: list[dict], to_script) -> tuple[str, list[Hit]]:
    """The Markdown table (rows: sides; columns: the aspects any side has) and the cited passages."""
    trip = [k for k, _ in TRIP_COLS if any(r.get(k) for r in rows)]
    cols = trip + [a for a in ASPECTS if (a == "主要做法" and not trip) or any(r[a] for r in rows)]
    first = "报告" if all(not s.names for s in sides) else "地方"
    order: list[str] = []
    hits: dict[str, Hit] = {}
    lines = ["| " + " | ".join([first, *cols]) + " |", "|" + "---|" * (len(cols) + 1)]
    for side, row in zip(sides, rows):
        cells = []
        for a in cols:
            parts = []
            for h, s in row.get(a, []):
                cid = h.chunk["chunk_id"]
                if cid not in hits:
                    hits[cid] = h
                    order.append(cid)
                parts.append(_cell(to_script(s)) + f"[{order.index(cid) + 1}]")
            cells.append("".join(parts) or NONE)
        lines.append("| " + " | ".join([_cell(side.label), *cells]) + " |")
    return "\n".join(lines), [hits[c] for c in order]


def _cell(text: str) -> str:
    """One line, no pipe: a cell must not break the table."""
    return re.sub(r"\s+", " ", text.replace("|", "｜")).strip()


# -- checking an LLM's table or list --------------------------------------------------------------
def claims_text(text: str) -> str:
    """The claims of a list or table answer, one per line: every table cell on its own (header
    and separator rows and 资料未提及 cells are no claims)."""
    lines = []
    for line in text.splitlines():
        if re.fullmatch(r"\s*\|?[\s:|-]+\|?\s*", line):
            continue
        if line.strip().startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            lines += [c if c.endswith(("。", "！", "？")) or CITE.search(c) else c + "。" for c in cells
                      if c and c != NONE and (CITE.search(c) or len(c) > 12)]
        else:
            lines.append(line)
    return "\n".join(lines)


def check_cells(text: str, kept: list[Hit]):
    """citations.check with every table cell as its own sentence: a cell's numbers must stand
    in the passages that cell cites; the text keeps its table (invalid [n] removed)."""
    passages = {n: h.chunk["text"] for n, h in enumerate(kept, 1)}
    res = check(claims_text(text), passages)
    res.text = check(text, passages).text
    return res


def table_cited(text: str) -> bool:
    """Every body cell of a Markdown table carries [n] or says 资料未提及."""
    rows = [l for l in text.splitlines() if l.strip().startswith("|")][2:]
    return bool(rows) and all(c.strip() == NONE or cited_numbers(c) for r in rows for c in r.strip().strip("|").split("|")[1:])
