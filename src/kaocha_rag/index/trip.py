"""One report's catalogue row (``extract``): places, units, date and delegation read from its
own text with the rules in ``places.py``; see ``catalog.py`` for what each field holds.
"""
from __future__ import annotations

import logging
import re
from dataclasses import asdict, dataclass, field

from ..ingest.clean import normalize
from .places import (ABBREV, CN_NUM, COUNT, PROVINCES, TRIP_CUE, UNIT_VISIT, VISIT_ANYWHERE, VISIT_OPENING, Place,
                     Text, enumeration, gazetteer, num, place_at, posseg, rank, sentences, show, units_after)

log = logging.getLogger(__name__)


# Bump when extraction changes: cached catalogues are then rebuilt.
EXTRACT_VERSION = "cat2"  # cat2: ``hidden``
CONTRACT_KEYS = ("doc_id", "title", "places", "units", "date", "delegation", "source")


@dataclass
class Report:
    doc_id: str
    title: str
    places: list[str] = field(default_factory=list)
    units: list[str] = field(default_factory=list)
    date: str = ""
    delegation: str = ""
    source: str = ""
    sections: list[str] = field(default_factory=list)
    duplicate_of: str = ""  # set when the index found this report to repeat another one
    # where the title or the trip sentence writes the places anonymised (“赴XX省xx县、xx县…”,
    # “赴*、*、*等三市”), as written: not in the contract, answered in chat (“哪几篇把地名隐去了”)
    hidden: str = ""

    def to_dict(self) -> dict:
        return asdict(self)

    def contract(self) -> dict:
        """The ``kaocha-rag reports --json`` row: exactly these keys."""
        d = self.to_dict()
        return {k: d[k] for k in CONTRACT_KEYS}



# --------------------------------------------------------------------------------------------
# Dates and delegations
# --------------------------------------------------------------------------------------------
_DATE = re.compile(
    r"(?:(?P<y>(?:19|20)\d{2})\s*年\s*)?(?P<m1>\d{1,2})\s*月\s*(?P<d1>\d{1,2}|[*x]{1,2})?\s*(?P<r1>日|号)?"
    r"(?:\s*(?:至|到|-|—|–|~|～|－)\s*(?:(?P<m2>\d{1,2})\s*月)?\s*(?P<d2>\d{1,2}|[*x]{1,2})\s*(?:日|号))?")
# a date that is not the trip: "10月18日至22日举行的博览会", "4月1日起施行", "1月以来"
_EVENT = re.compile(r"\s*(?:在[^,，。]{0,12})?(?:举行|召开|举办|开幕|闭幕|出台|印发|发布|施行|实施|起|以来|以前|以后|之前|之后|期间)")
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年(?:\s*(\d{1,2})\s*月)?")
_GROUP = re.compile(r"(代表团|考察团|考察组|调研组|学习团|访问团|培训班|学习班|研修班)")
_LEAD = re.compile(r"带领|率领|率队|带队|带着")
_LEAD_TRIM = re.compile(r"^(?:由|在|经|是)|(?:的|同志|亲自)+$")


def _anonymised(s: str) -> bool:
    return bool(re.search(r"[xX*＊ⅹ某]", s)) or not re.search(r"[\u4e00-\u9fff]{2}", s)


def _date_in(t: Text, a: int, b: int) -> tuple[str, int, str] | None:
    """The trip date in sentence t[a:b]: (shown, month, year)."""
    for m in _DATE.finditer(t.norm, a, b):
        if not m.group("m1") or int(m.group("m1")) > 12:
            continue
        if not (m.group("d1") or m.group("d2")) or (m.group("d1") and not m.group("r1") and not m.group("d2")):
            continue  # "3月份", "6月20" with nothing after
        if _EVENT.match(t.norm, m.end()):
            continue
        shown = t.show(m.start(), m.end())
        shown = re.sub(r"[*xX＊]{1,2}\s*(?:日|号)", "", shown)
        return shown, int(m.group("m1")), m.group("y") or ""
    return None


def _leader(clauses: list[str], k: int, lead_at: int) -> str:
    before = clauses[k][:lead_at]
    if not before.strip():
        before = clauses[k - 1] if k > 0 else ""
    before = re.sub(r"^.*?(?:\d{1,2}\s*日|\d{1,2}\s*号)", "", before)  # a date in front
    before = _LEAD_TRIM.sub("", before.strip()).strip()
    before = re.sub(r"^在", "", before)
    before = re.sub(r"的$", "", before)
    if _GROUP.search(before):  # 县委书记张新带着县党政考察团: the group is on the other side
        before = before[_GROUP.search(before).end():]
    if not (2 <= len(before) <= 60) or _anonymised(before) or re.search(r"\d", before):
        return ""
    return before


def _group_in(clause: str) -> str:
    m = _GROUP.search(clause)
    if not m:
        return ""
    head = clause[:m.start()]
    head = re.sub(r"^.*?(?:\d{1,2}\s*日|\d{1,2}\s*号)", "", head)  # a date in front
    head = re.sub(r"^.*[)）]", "", head)  # "（2024年12月）" in front
    head = re.split(r"带领|率领|带着|组织|派出|根据|由|在|经", head)[-1]
    head = re.sub(r"^[xX*＊ⅹ某\s]+", "", head).lstrip("的")
    if not head or re.search(r"[xX*＊ⅹ某]", head):
        return ""  # a bare "考察团" names nobody
    return head + m.group(1)


# --------------------------------------------------------------------------------------------
# Extraction of one report
# --------------------------------------------------------------------------------------------
def extract(doc: dict, chunks: list[dict]) -> Report:
    """The catalogue row of one report from its manifest rows (``index.manifest.chunks``)."""
    chunks = sorted(chunks, key=lambda c: c.get("ord", 0))
    sections: list[str] = []
    for c in chunks:
        sec = c.get("section") or []
        if sec and show(sec[0]) not in sections:
            sections.append(show(sec[0]))
    rep = Report(doc_id=doc["doc_id"], title=doc.get("title") or "", source=doc.get("source") or "",
                 sections=sections, duplicate_of=doc.get("duplicate_of") or "")
    texts = [Text(c["text"], c.get("norm")) for c in chunks]
    if not texts:
        return rep
    opening = [t for c, t in zip(chunks, texts) if not c.get("section")] or texts[:1]
    head_lines = _header_lines(texts[0])
    titles = [Text(rep.title)] + [Text(line) for line in head_lines]

    places: list[Place] = []
    units: list[tuple[str, str]] = []
    stated = 0  # how many places the opening says were visited, when it names them only as "*"

    hidden: list[str] = []

    def visit(t: Text, a: int, b: int, pattern: re.Pattern, trip: bool = False) -> None:
        nonlocal stated
        for m in pattern.finditer(t.norm, a, b):
            found, anon, end = enumeration(t, m.end())
            places.extend(found)
            if anon:
                c = COUNT.match(t.norm, end)
                stated = max(stated, (num(c.group(1)) or 0) if c else anon)
                if trip:  # the visit word, the list and the rest of its clause (“赴X考察学习城市管理工作”)
                    stop = re.compile(r"[，,。；;：:\n]").search(t.norm, end, min(b, end + 30))
                    cut = stop.start() if stop else min(b, end + 30)
                    hidden.append(t.show(m.start(), cut) + ("" if stop or cut == b else "…"))

    # 1. the title: 赴A、B、C等地…, 赴鲁苏六县市区
    for t in titles:
        visit(t, 0, len(t.norm), re.compile(r"赴|到"), trip=True)
        for m in re.finditer(r"赴([\u4e00-\u9fff]{2,4}?)(?=[一二两三四五六七八九十\d]|等地|两省|三省|地区)", t.norm):
            if all(ch in ABBREV for ch in m.group(1)):
                for ch in m.group(1):
                    code = ABBREV[ch]
                    places.append(Place(PROVINCES[code][0], code + "0000", (code + "0000",)))
    # 2. the opening paragraph: 赴…/到…/相继到…, and the first sentence with 赴 + a visit word
    trip_sents: list[tuple[Text, int, int]] = []
    for t in texts:
        for a, b in sentences(t.norm):
            # the opening, or a sentence elsewhere that tells a trip (赴… with a date, 一行 or who led it)
            told = "赴" in t.norm[a:b] and (_LEAD.search(t.norm, a, b) or "一行" in t.norm[a:b] or _date_in(t, a, b))
            if TRIP_CUE.search(t.norm, a, b) and (t in opening or told):
                trip_sents.append((t, a, b))
    for t, a, b in trip_sents:
        visit(t, a, b, VISIT_OPENING, trip=True)
    # 3. anywhere: 本次考察的…, 考察了…, 参观的…, 在天台县考察时
    for t in texts:
        for a, b in sentences(t.norm):
            visit(t, a, b, VISIT_ANYWHERE)
            for m in re.finditer(r"在", t.norm[a:b]):
                hit = place_at(t, a + m.end())
                if hit and re.match(r"考察|调研|参观", t.norm[hit[0]:hit[0] + 2]):
                    places.append(hit[1])
            for m in UNIT_VISIT.finditer(t.norm, a, b):
                if m.group(0) in ("相继到", "先后到", "走进", "来到") and (t, a, b) not in trip_sents:
                    continue
                u, p = units_after(t, m.end())
                units.extend(u)
                places.extend(p)
    # 4. places named only as "*、*、*" / "三市": the sentence naming exactly that many with "三地"
    if stated and len({p.code or p.text for p in places}) < stated:
        places.extend(_coreferent_places(texts, stated))
    # 5. only provinces known (赴鲁苏六县市区, the counties written "xx县"): the cities and counties of
    #    those provinces that the experience sections name (溧阳, 沭阳), never the lessons-for-home part
    if places and all(p.code.endswith("0000") for p in places):
        places.extend(_body_places(texts, chunks, {p.code[:2] for p in places}))

    rep.hidden = hidden[-1] if hidden else ""  # the trip sentence's, else the title's
    rep.places = _dedup_places(places)
    seen: set[str] = set()
    for key, shown in units:
        if key not in seen:
            seen.add(key)
            rep.units.append(shown)
    rep.date = _trip_date(trip_sents, titles)
    rep.delegation = _delegation(trip_sents, titles)
    return rep


def _header_lines(t: Text) -> list[str]:
    """Short leading lines of a report (its own title, a dated header like “（2024年12月）…”)."""
    out = []
    for line in t.orig.split("\n")[:5]:
        line = line.strip()
        if not line:
            continue
        if len(line) > 60 or re.search(r"[。，,；;]", line):
            break
        out.append(line)
    return out


def _coreferent_places(texts: list[Text], n: int) -> list[Place]:
    g = gazetteer()
    num = "|".join([str(n)] + [k for k, v in CN_NUM.items() if v == n])
    ref = re.compile(rf"(?:{num})(?:个)?(?:地|市|县|城市|地方)")
    for t in texts:
        for a, b in sentences(t.norm):
            if not ref.search(t.norm, a, b):
                continue
            found, seen = [], set()
            pos = a
            for w, f in posseg(t.orig[a:b]):
                wn = t.norm[pos:pos + len(w)]
                if (wn in g.names or f == "ns") and not _anonymised(wn):
                    hit = place_at(t, pos)
                    if hit and hit[0] == pos + len(w):
                        key = hit[1].code or hit[1].text
                        if key not in seen:
                            seen.add(key)
                            found.append(hit[1])
                pos += len(w)
            if len(found) == n:
                return found
    return []


def cities_named(chunks: list[dict]) -> list[str]:
    """The cities (written in full, “杭州市”) that a report's experience sections name, outside its
    lessons-for-home part: for a report that hides where it went (“赴X考察”), where to look —
    第五篇 names 武侯区 and 杭州市 (“杭州市利用银行投资为市场智能化建设注入部分资金”)."""
    chunks = sorted(chunks, key=lambda c: c.get("ord", 0))
    texts = [Text(c["text"], c.get("norm")) for c in chunks]
    every = {f"{i:02d}" for i in range(10, 100)}  # any province: the report does not say which
    found = [p.text for p in _body_places(texts, chunks, every)]
    return list(dict.fromkeys(x for x in found if len(x) >= 3 and x.endswith("市")))


_HOME_SECTION = re.compile(r"启示|打算|建议|下步|下一步|怎么干|笃行|对策|思考|体会|差距|措施")


def _body_places(texts: list[Text], chunks: list[dict], provinces: set[str]) -> list[Place]:
    g = gazetteer()
    out = []
    for c, t in zip(chunks, texts):
        sec = c.get("section") or []
        if sec and _HOME_SECTION.search(normalize(sec[0])):
            continue
        pos = 0
        for w, _f in posseg(t.orig):
            wn = t.norm[pos:pos + len(w)]
            if wn in g.names and not _anonymised(wn):
                hit = place_at(t, pos)
                if hit and hit[0] == pos + len(w):
                    codes = [c2 for c2 in hit[1].codes if c2[:2] in provinces and rank(c2) > 0]
                    if len(codes) == 1:
                        hit[1].code = codes[0]
                        out.append(hit[1])
            pos += len(w)
    return out


def _dedup_places(places: list[Place]) -> list[str]:
    # resolve ambiguous short names (中山 = 中山市 or 中山区) by the provinces of the others
    provinces = {p.code[:2] for p in places if p.code} | {p.province for p in places if p.province}
    for p in places:
        if not p.code and p.codes:
            near = [c for c in p.codes if c[:2] in provinces]
            pick = near or sorted(p.codes, key=rank)
            if len({c[:2] for c in pick}) == 1:
                p.code = sorted(pick, key=rank)[0]
    out: list[Place] = []
    for p in places:
        key = p.code or p.text
        same = next((q for q in out if (q.code or q.text) == key), None)
        if same is None:
            out.append(p)
        elif p.text[:-1] == same.text and p.text[-1] in "省市县区":  # 三河 then 三河市: the full form
            out[out.index(same)] = p
    # "天津" then "天津滨海新区": the second is written as the first plus more, and lies inside it
    for k, p in enumerate(out):
        longer = next((q for q in out if q is not p and q.text.startswith(p.text) and len(q.text) > len(p.text)), None)
        if longer is not None:
            out[k] = longer
    seen: set[str] = set()
    return [p.text for p in out if not (p.text in seen or seen.add(p.text))]


def _trip_date(trip_sents, titles) -> str:
    title_year, title_month = "", 0
    for t in titles:
        m = _YEAR.search(t.norm)
        if m:
            title_year, title_month = m.group(1), int(m.group(2) or 0)
            break
    for t, a, b in trip_sents:
        hit = _date_in(t, a, b)
        if hit:
            shown, month, year = hit
            if not year and title_year and (not title_month or month <= title_month):
                shown = f"{title_year}年{shown}"
            return shown
    return f"{title_year}年" if title_year else ""


def _delegation(trip_sents, titles) -> str:
    group = ""
    for t in titles:
        g = _group_in(show(t.orig))
        if g:
            group = g
            break
    # the sentence that tells the trip: who went where (and when)
    told = [(t, a, b) for t, a, b in trip_sents if _LEAD.search(t.norm, a, b) or "一行" in t.norm[a:b]
            or _date_in(t, a, b)] or [(t, a, b) for t, a, b in trip_sents if re.search(r"赴|前往", t.norm[a:b])]
    if not told:
        return group
    t, a, b = told[0]
    sent = show(t.orig[a:b])
    clauses = re.split(r"[,，]", sent)
    leader = ""
    for k, cl in enumerate(clauses):
        group = group or _group_in(cl)
        m = _LEAD.search(cl)
        if m and not leader and not re.match(r"[动头]", cl[m.end():m.end() + 1] or " "):
            leader = _leader(clauses, k, m.start())
    if group and leader:
        return f"{group}（{leader}带队）"
    if leader:
        return f"{leader}带队"
    return group


