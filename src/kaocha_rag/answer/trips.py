"""Questions about the trips themselves, answered from the catalogue (issue 16, item 1).

“这些考察都去了哪些地方”, “2023年的考察报告有哪些”, “去浙江的那次是谁带队”, “六月份出去考察的有哪几次”:
the answer is a list of reports with the asked fields (places, units, date, delegation) from
``index/catalog.py``, every value cited by the passage of its report that states it (the trip
sentence: “4月22日至27日，县委书记张新带着县党政考察团…”). A field the report does not state is
said to be missing, never guessed. Questions about what a trip *saw* (“哪些报告谈到了园区建设”)
are not this kind: they go to ``across.py``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..index.catalog import Report, filter_docs
from ..index.places import show
from ..ingest.clean import normalize
from . import across
from .retrieve import Hit

# what the question asks about the trip (normalised, Simplified)
FIELDS = {
    "places": r"去了?(?:哪些|哪几个|哪个|哪里|哪儿|什么)(?:地方|城市|县市|县|市|省|地)?|到了?哪些|都去了|去的(?:是)?哪|"
              r"考察了?(?:哪些|哪几个)(?:地方|城市|县市|县|市)|(?:什么|哪个)城市|哪些(?:报告|考察)去了|去过?哪",
    "units": r"(?:去|考察|参观|看)了?(?:的)?(?:是)?(?:哪些|哪几个|什么)(?:单位|学校|企业|园区|院校)",
    "date": r"什么时候|哪年|哪一年|何时|什么时间|时间|日期|几月|[0-9一二三四五六七八九十]{1,2}月份?",
    "delegation": r"谁带队|谁带的队|带队的?(?:是|有)?谁|谁率队|领队|带队|哪个班|什么班|谁去的|哪些人",
    "size": r"多少人|几个人|几人|人数|多少名",
}
LABEL = {"places": "考察地点", "units": "考察单位", "date": "时间", "delegation": "带队 / 组成", "hidden": "考察地写作",
         "size": "人数"}
# the delegation's size as the trip sentence gives it: “共计40余人”, “共60多人”, “一行19人”, “53位同学”
TRIP_SENTENCE = re.compile(r"赴|考察|带领|率领|一行|组织|参加")
SIZE = re.compile(r"(?:共计|共有|共|一行|合计|总计)\s*([0-9]+(?:余|多)?(?:人|名))|([0-9]+(?:余|多)?[名位](?:同志|同学|学员|干部|成员))")
# “哪几篇报告把考察地名隐去了，用XX或者星号代替”: the reports whose trip sentence writes the places
# as X/xx/* (catalogue ``hidden``: 5 of the 10 bundled reports), each with what it does name
HIDDEN = re.compile(r"隐去|隐掉|隐藏|隐匿|匿名|代替|代称|替代|打码|化名|星号|用(?:x+|\*+)|没(?:有)?写(?:明)?(?:具体)?的?(?:地名|城市名)")
TRIP = re.compile(r"考察|报告|那次|那趟|这次|这趟|出去|去的|一行|带队|率队|那篇|哪几次|哪次")
LIST_ALL = re.compile(r"(?:考察报告|考察|报告)(?:都)?有哪(?:些|几[篇次份个])|(?:哪些|哪几[篇次份])(?:考察报告|报告|考察)"
                      r"|(?:有|是)哪几次|有没有哪次|哪次考察|(?:考察|出去)过?几次|几次(?:考察|出去)"
                      r"|哪[篇份个](?:考察)?报告")  # “去天津考察的是哪篇报告”
NAMED = re.compile(r"([\u4e00-\u9fff]{2,14}?)(?:那次|那趟|那篇|那份|这次|这篇)")
MONTH = re.compile(r"([0-9]{1,2}|[一二三四五六七八九十]{1,2})月份?")
ZH = {c: i for i, c in enumerate("一二三四五六七八九十", 1)}


@dataclass
class TripPlan:
    fields: list[str]
    reports: list[Report]
    looked_for: list[str] = field(default_factory=list)  # what selected the reports (浙江, 2023年, 6月)
    searched: int = 0  # how many reports were looked at, when only those with a hidden place are listed


def _month(s: str) -> int | None:
    if s.isdigit():
        return int(s)
    if s == "十":
        return 10
    return (10 + ZH.get(s[1], 0)) if s.startswith("十") else ZH.get(s)


def plan(question: str, index, u, doc_ids: list[str] | None = None) -> TripPlan | None:
    """A ``TripPlan`` when ``question`` asks about the trips (where, when, who, which reports);
    None for anything else, including questions on what the trips saw."""
    q = normalize(question)
    fields = [f for f, pat in FIELDS.items() if re.search(pat, q)]
    listing = bool(LIST_ALL.search(q))
    if not TRIP.search(q) or not (fields or listing):
        return None
    if HIDDEN.search(q) and re.search(r"地名|地方|城市|地点|考察地|去的?哪", q):
        rows = across.one_per_report(index, doc_ids)
        return TripPlan(["hidden", "places"], [r for r in rows if r.hidden], ["隐去的考察地名"], len(rows))
    if re.search(r"有关|相关|提到|提及|谈到|涉及|讲到|写到|说到|关于", q):  # what the reports say, not where they went
        return None
    if across.kind_of(question) == "compare":  # "珠三角那次和三河那次分别是谁带队的": a table, across.py
        return None
    # words left after the trip, field and selector words: a topic ("谈到了园区建设") is across.py's
    rest = q
    for pat in [*FIELDS.values(), LIST_ALL.pattern, TRIP.pattern, r"[0-9]{4}年?", *(re.escape(normalize(e.text))
                                                                                  for e in u.entities)]:
        rest = re.sub(pat, "", rest)
    rest = re.sub(r"外出|分别|到底|总共|一共|一下|请问|具体|大概|领导|同志|多远|出发", "", rest)
    rest = re.sub(r"[\W_的了是有都和与及那这些次趟篇份个一共跑去到在呢吗啊呀么没哪几谁还也就过]", "", rest)
    rows = across.one_per_report(index, doc_ids)
    named = _named(q, rows)
    if named:
        rest = rest.replace(named[0], "")
    if len(rest) > 3 and not named:  # "哪些报告提到了低空经济": 提到低空经济 is a topic
        return None
    rows, looked = _select(q, [r for r in rows if not named or r in named[1]], u)
    looked = list(dict.fromkeys(([named[0]] if named else []) + looked))  # not “珠三角 + 珠三角”
    if rows is None:
        return None
    return TripPlan(fields or ["places", "date"], rows, looked)


def _named(q: str, rows: list[Report]) -> tuple[str, list[Report]] | None:
    """("城市管理", [the report whose title holds it]) when the question names a trip by words of
    its title before 那次/那篇; the longest run of ≥ 4 characters that some title holds wins."""
    m = NAMED.search(q)
    if not m:
        return None
    phrase = re.sub(r"^(?:去|到|赴|在)", "", m.group(1))
    for n in range(len(phrase), 1, -1):
        for i in range(len(phrase) - n + 1):
            part = phrase[i:i + n]
            hit = [r for r in rows if part in normalize(r.title)]
            # a 2–3 character run names a trip only when one title alone holds it and it is no
            # word every title uses: “对标那次” is 篇三：对标先进学习考察报告; “考察那次” is none
            if hit and (n >= 4 or (len(hit) == 1 and not TITLE_WORDS.search(part))):
                return part, hit
    return None


TITLE_WORDS = re.compile(r"考察|报告|学习|先进|地区|工作|情况|关于|赴|篇|市|县")


UNIT = re.compile(r"(?:学校|中学|小学|学院|大学|职校|医院|中心|公司|集团|[院校所馆局委办厂])$")


def _select(q: str, rows: list[Report], u) -> tuple[list[Report] | None, list[str]]:
    looked = []
    places = [e.text for e in u.entities if getattr(e, "known", True)]
    if places:
        keep = set()
        for p in places:
            keep.update(filter_docs(rows, p))
        if not keep and all(UNIT.search(p) for p in places):
            # “秦皇岛职校去对标考察是谁领队”: a unit no trip visited is the delegation's own; the
            # ordinary answer finds it in the text (a place no trip went to, 海南, is refused below)
            return None, looked
        rows = [r for r in rows if r.doc_id in keep]
        looked += places
    for t in u.time:
        year = re.match(r"(\d{4})", normalize(t.text))
        if year:
            rows = [r for r in rows if year.group(1) in normalize(r.date + r.title)]
            looked.append(f"{year.group(1)}年")
    m = MONTH.search(q)
    if m and _month(m.group(1)):
        mo = _month(m.group(1))
        rows = [r for r in rows if re.search(rf"(?:^|年|[^0-9]){mo}月", normalize(r.date))]
        looked.append(f"{mo}月")
    return rows, looked


def _keys(field: str, value: str) -> list[str]:
    """Strings that find the passage stating ``value`` (the catalogue shows places in their
    display form, dates with a year taken from the title: the text may say only “4月22日至27日”)."""
    v = normalize(value)
    keys = [v]
    if field == "date":
        keys += [re.sub(r"^\d{4}年", "", v), re.sub(r"[至到\-—].*$", "", re.sub(r"^\d{4}年", "", v))]
    if field == "delegation":
        keys += re.findall(r"[\u4e00-\u9fff]{2,}(?=带队)|[\u4e00-\u9fff]{3,}(?:团|班|组)", v)
    if field in ("places", "units"):
        keys += [re.sub(r"(?:省|市|县|区)$", "", v)] if len(v) > 2 else []
    return [k for k in dict.fromkeys(keys) if len(k) >= 2]


def _evidence(index, doc_id: str, field: str, values: list[str]) -> dict | None:
    """The passage of the report that states most of ``values`` (ties: the earlier one) — the
    trip sentence names all seven places, a later passage on one of them names one."""
    best, best_n = None, 0
    for c in index.manifest.chunks("WHERE doc_id=?", (doc_id,)):
        text = c["norm"] + normalize(c["title"])
        if field == "hidden":  # “赴X考察学习…” is found by its words: the X may be ⅹ, X or x in the text
            text, values = _han(show(c["text"])), [_han(v)[:10] for v in values]
        n = sum(any(k in text for k in _keys(field, v)) for v in values)
        if n > best_n:
            best, best_n = c, n
    return best


def _cities(index, r: Report, cite) -> list[str]:
    """“文中写到的城市：杭州市[n]” — the cities its experience sections name besides its places,
    each cited by the first passage that names it in full."""
    from ..index.trip import cities_named

    chunks = index.manifest.chunks("WHERE doc_id=?", (r.doc_id,))
    named = [c for c in cities_named(chunks) if not any(c[:-1] in p or p in c for p in r.places)]
    shown = []
    for city in named:
        c = next((c for c in sorted(chunks, key=lambda c: c.get("ord", 0)) if city in c["norm"]), None)
        shown.append(city + (cite(c) if c else ""))
    return [f"文中写到的城市：{'、'.join(shown)}"] if shown else []


def _han(s: str) -> str:
    return re.sub(r"[^\u4e00-\u9fff]", "", s)


def _size(index, doc_id: str) -> str:
    """The delegation's head count as the report's trip sentence gives it (“共计40余人”), or "" —
    the first sentence that gives one of a trip (第二篇's stands in its 6th passage, after a preamble)."""
    rows = sorted(index.manifest.chunks("WHERE doc_id=?", (doc_id,)), key=lambda c: c.get("ord", 0))
    for c in rows:
        for sent in re.split(r"[。！？]", c["norm"]):
            m = SIZE.search(sent)
            if m and TRIP_SENTENCE.search(sent):
                return m.group(0)
    return ""


def _opening(index, doc_id: str) -> dict | None:
    rows = index.manifest.chunks("WHERE doc_id=?", (doc_id,))
    return rows[0] if rows else None


def answer(p: TripPlan, index, script) -> tuple[str, list[Hit]]:
    """(Markdown list, the cited passages in [n] order)."""
    hits: list[Hit] = []
    order: dict[str, int] = {}

    def cite(c: dict) -> str:
        if c["chunk_id"] not in order:
            hits.append(Hit(len(hits) + 1, 1.0, c))
            order[c["chunk_id"]] = len(hits)
        return f"[{order[c['chunk_id']]}]"

    looked = f"（按“{' + '.join(p.looked_for)}”）" if p.looked_for else ""
    if not p.reports:
        return script(f"资料中没有找到符合条件的考察报告{looked}。"), []
    lines = [script(f"共检索 {p.searched} 份报告，其中 {len(p.reports)} 份把考察地名隐去了（写作X、xx或*）：" if p.searched
                    else f"共 {len(p.reports)} 份考察报告{looked}：")]
    for r in p.reports:
        parts = []
        for f in p.fields:
            values = _size(index, r.doc_id) if f == "size" else getattr(r, f)  # size: no catalogue field
            values = values if isinstance(values, list) else ([values] if values else [])
            named = f == "places" and "hidden" in p.fields  # where a report that hides them does name places
            if not values and f == "places" and r.hidden and not named:  # “赴*、*、*等三市”: said so
                h = _evidence(index, r.doc_id, "hidden", [r.hidden])
                parts.append(f"报告没有写明考察地点（开头写作“{r.hidden}”{cite(h) if h else ''}）")
                continue
            if not values:
                c = _opening(index, r.doc_id)
                parts.append("文中也没有写明具体地方" if named else
                             f"报告没有写明{LABEL[f].split(' ')[0]}（报告开头见{cite(c)}）" if c else
                             f"报告没有写明{LABEL[f].split(' ')[0]}")
                continue
            c = _evidence(index, r.doc_id, f, values)
            shown = "、".join(show(v) for v in values) if f != "hidden" else f"“{values[0]}”"
            if named:
                parts.append(f"文中写明的地方：{shown}{cite(c) if c else ''}")
                continue
            # a value no passage states word for word (a place only in an enumeration's short form)
            # is still shown, marked, so the user knows to check it in the report
            parts.append(f"{LABEL[f]}：{shown}{cite(c) if c else '（出处未能定位）'}")
            if f == "places" and r.hidden:  # “城市管理那篇到底去的是哪个城市”: the list may not be all
                h = _evidence(index, r.doc_id, "hidden", [r.hidden])
                parts.append(f"报告开头把考察地写作“{r.hidden}”{cite(h) if h else ''}，以上地点取自正文")
                parts += _cities(index, r, cite)
        lines.append(script(f"- 《{show(r.title)}》：" + "；".join(parts) + "。"))
    return "\n".join(lines), hits
