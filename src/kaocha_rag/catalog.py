"""The catalogue of the reports: for each report its title, the places and units visited, the
date of the trip, the delegation, the host file and its top-level sections.

Extraction is deterministic and reads only the report's own text; a field the text does not
give stays empty — nothing is guessed:

- **places**: enumerations after a visit word in the title or the opening paragraph
  (“赴青岛市、黄岛开发区…等11个县市区”, “相继到三河市第一中学…”, “本次考察的…”, “在天台县考察时”),
  each item checked against the gazetteer of Chinese administrative units (the ``adcodes.csv``
  that ships in the ``cpca`` wheel) or jieba.posseg's ``ns``; province abbreviations in a title
  (“赴鲁苏六县市区” → 山东、江苏); and, when the opening names the places only as “*、*、*” or
  “三市”, the one sentence that names exactly that many places together with “三地/三市”.
  Anonymised names (X市, ⅹⅹ县, *) are skipped. Everything is shown in Simplified script.
- **units**: the organisations in the same visit enumerations (“…承德一中等院校”, “参观的邹城市新一中”).
- **date**: the first date range in the sentence that describes the trip (“2024年11月23日至30日”);
  a year stated only in the title or a dated header line (“2023年赴鲁苏…”, “（2024年12月）”)
  is put in front of a date that has none. A year inside a statistic is never used.
- **delegation**: the 考察团/代表团/培训班 named in the title or the trip sentence and who led it
  (“在…带领下”, “县委书记张新带着…”).

``catalogue(index)`` is cached in ``<data_dir>/catalogue.json`` per manifest generation, and
per report by the hash of its passages, so an upload re-extracts only the new reports.
"""
from __future__ import annotations

import csv
import functools
import hashlib
import importlib.metadata
import importlib.util
import json
import logging
import os
import re
import threading
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .clean import normalize

log = logging.getLogger(__name__)

# Bump when extraction changes: cached catalogues are then rebuilt.
EXTRACT_VERSION = "cat1"
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

    def to_dict(self) -> dict:
        return asdict(self)

    def contract(self) -> dict:
        """The ``kaocha-rag reports --json`` row: exactly these keys."""
        d = self.to_dict()
        return {k: d[k] for k in CONTRACT_KEYS}


# --------------------------------------------------------------------------------------------
# Gazetteer
# --------------------------------------------------------------------------------------------
PROVINCES = {  # adcode prefix → (name, abbreviations)
    "11": ("北京", "京"), "12": ("天津", "津"), "13": ("河北", "冀"), "14": ("山西", "晋"), "15": ("内蒙古", "蒙"),
    "21": ("辽宁", "辽"), "22": ("吉林", "吉"), "23": ("黑龙江", "黑"), "31": ("上海", "沪"), "32": ("江苏", "苏"),
    "33": ("浙江", "浙"), "34": ("安徽", "皖"), "35": ("福建", "闽"), "36": ("江西", "赣"), "37": ("山东", "鲁"),
    "41": ("河南", "豫"), "42": ("湖北", "鄂"), "43": ("湖南", "湘"), "44": ("广东", "粤"), "45": ("广西", "桂"),
    "46": ("海南", "琼"), "50": ("重庆", "渝"), "51": ("四川", "川蜀"), "52": ("贵州", "黔贵"), "53": ("云南", "滇云"),
    "54": ("西藏", "藏"), "61": ("陕西", "陕秦"), "62": ("甘肃", "甘陇"), "63": ("青海", "青"), "64": ("宁夏", "宁"),
    "65": ("新疆", "新"), "71": ("台湾", "台"), "81": ("香港", "港"), "82": ("澳门", "澳"),
}
ABBREV = {a: code for code, (_, abbr) in PROVINCES.items() for a in abbr}
# Regions that are not administrative units, with the province they lie in ("" = several).
REGIONS = {"珠三角": "44", "长三角": "", "京津冀": "", "苏南": "32", "苏北": "32", "苏中": "32", "浙北": "33",
           "浙南": "33", "鲁南": "37", "豫东": "41", "豫西": "41", "皖北": "34", "大湾区": "", "粤港澳大湾区": "",
           "雄安新区": "13", "雄安": "13", "浦东": "31", "浦东新区": "31"}
_ADMIN_SUFFIX = re.compile(r"(?:特别行政区|维吾尔自治区|壮族自治区|回族自治区|自治区|自治州|自治县|地区|新区|省|市|县|区|盟|旗)$")
# Short forms that are ordinary words: "东方市" must not make 东方 a place.
_COMMON = {"东方", "江山", "和平", "城区", "郊区", "矿区", "长安", "太平", "新华", "永安", "光明", "红旗", "解放", "胜利",
           "青山", "白云", "开发", "人民", "新城", "城关", "市中", "河口", "高新", "经济", "南山", "吉利", "安全",
           "大同", "平安", "兴业", "通道", "宁安", "合作", "龙华", "华容", "普陀", "永和", "文安", "安定", "滨海",
           "城中", "新兴", "和县", "中心", "前进", "向阳", "建设", "友好", "铁山", "西区", "东区", "南区", "北区",
           # short forms that jieba knows as ordinary words
           "资源", "武功", "比如", "南部", "港口", "公安", "共和", "友谊", "中方", "凤凰", "延长", "运河", "东风", "光泽",
           "南岸", "城北", "会同", "工农", "大名", "富裕", "清水", "高明", "前锋", "复兴", "长子", "宏伟", "平定", "芙蓉",
           "太和", "温泉", "石门", "振兴", "三元", "大方", "建平", "威信", "莲花", "名山", "平和", "六合", "全州", "桃源",
           "当阳", "建华", "大观", "二七", "台前", "金山", "双桥", "月湖", "文峰", "保康", "高台", "九龙", "二道", "同心",
           "民权", "小店", "元宝", "宝塔", "无为", "永新", "永福", "丰满", "黄龙", "龙泉", "金台", "万年", "石棉", "方城",
           "新区", "市区", "县区", "城市", "地区", "园区", "社区", "景区"}
_ZONE = r"(?:经济技术开发区|高新技术产业开发区|经济开发区|高新区|开发区|新区|工业园区|保税区)"


@dataclass(frozen=True)
class Gazetteer:
    names: dict[str, tuple[str, ...]]  # full name or short form → adcodes (6 digits)
    full: dict[str, str]  # adcode → full name
    longest: int

    def codes(self, name: str) -> tuple[str, ...]:
        return self.names.get(name, ())


def _cpca_csv() -> Path | None:
    """cpca's bundled adcodes.csv, found without importing cpca (its __init__ needs
    pkg_resources, which setuptools ≥ 81 no longer ships)."""
    try:
        p = Path(importlib.metadata.distribution("cpca").locate_file("cpca/resources/adcodes.csv"))
        if p.exists():
            return p
    except importlib.metadata.PackageNotFoundError:
        pass
    spec = importlib.util.find_spec("cpca")  # finds the folder, does not run __init__
    if spec and spec.submodule_search_locations:
        p = Path(list(spec.submodule_search_locations)[0]) / "resources" / "adcodes.csv"
        if p.exists():
            return p
    return None


@functools.lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    names: dict[str, set[str]] = {}
    full: dict[str, str] = {}

    def add(name: str, code: str) -> None:
        names.setdefault(name, set()).add(code)

    path = _cpca_csv()
    if path is None:
        log.warning("cpca 的行政区划数据不可用：只认识省名")
    else:
        with open(path, encoding="utf-8") as f:
            for row in csv.DictReader(f):
                code, name = row["adcode"][:6], row["name"].strip()
                if not name or not code.isdigit():
                    continue
                full.setdefault(code, name)
                add(name, code)
                short = _ADMIN_SUFFIX.sub("", name)
                if len(short) >= 2 and short != name and short not in _COMMON:
                    add(short, code)
    for prefix, (name, _) in PROVINCES.items():
        code = prefix + "0000"
        full.setdefault(code, name)
        add(name, code)
        add(name + ("市" if prefix in ("11", "12", "31", "50") else "省"), code)
    return Gazetteer({k: tuple(sorted(v)) for k, v in names.items()}, full, max(map(len, names)))


def _region_prefix(code: str) -> str:
    """'330000' → '33', '330400' → '3304', '330421' → '330421'."""
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def _rank(code: str) -> int:
    return 0 if code.endswith("0000") else 1 if code.endswith("00") else 2


# --------------------------------------------------------------------------------------------
# Text helpers
# --------------------------------------------------------------------------------------------
_ANON = re.compile(r"[x*某]+(?:省|市|县|区|镇|乡|村)?")
_CN_NUM = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_SEP = re.compile(r"以及|、|和|及|与")
_SENT_END = re.compile(r"[。；;！!？?\n]")


@functools.lru_cache(maxsize=1)
def _opencc():
    import opencc

    return opencc.OpenCC("t2s")


def show(text: str) -> str:
    """Display form: Simplified, full-width letters and digits made half-width (case kept)."""
    s = _opencc().convert(text)
    return "".join(n if len(n := unicodedata.normalize("NFKC", c)) == 1 else c for c in s).strip()


def _num(s: str) -> int | None:
    if s.isdigit():
        return int(s)
    if s == "十":
        return 10
    if len(s) == 2 and s[0] == "十":
        return 10 + _CN_NUM.get(s[1], 0)
    if len(s) == 2 and s[1] == "十":
        return _CN_NUM.get(s[0], 0) * 10
    return _CN_NUM.get(s)


@functools.lru_cache(maxsize=1)
def _jieba_ready() -> None:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()  # the process-wide dictionary, shared with the keyword index


def _posseg(text: str) -> list[tuple[str, str]]:
    _jieba_ready()
    import jieba.posseg as pseg

    return [(w, f) for w, f in pseg.cut(text)]


class _Text:
    """One string in two forms of the same length: ``norm`` to match, ``orig`` to show."""

    def __init__(self, orig: str, norm: str | None = None):
        self.orig = orig
        self.norm = norm if norm is not None and len(norm) == len(orig) else normalize(orig)

    def show(self, a: int, b: int) -> str:
        return show(self.orig[a:b])


# --------------------------------------------------------------------------------------------
# Places
# --------------------------------------------------------------------------------------------
@dataclass
class _Place:
    text: str  # as written (display form)
    code: str  # most specific adcode, "" for a region / ns-only name
    codes: tuple[str, ...] = ()  # all candidates of the most specific part (ambiguous short names)
    province: str = ""  # adcode prefix of a region / abbreviation


def _place_at(t: _Text, i: int) -> tuple[int, _Place] | None:
    """The place written at ``t.norm[i:]``: a chain of gazetteer names (浙江省嘉善县, 台州市椒江区,
    天津滨海新区), an optional zone (黄岛开发区) and a stray admin suffix (文登市 for 文登区)."""
    g = gazetteer()
    s = t.norm
    j, codes, chain = i, (), False
    while j < len(s):
        hit = None
        for n in range(min(g.longest, len(s) - j), 1, -1):
            if s[j:j + n] in g.names:
                hit = s[j:j + n]
                break
        if hit is None:
            break
        cand = g.codes(hit)
        if codes:  # a chained name must lie inside what came before (台州市 › 椒江区)
            inside = tuple(c for c in cand if any(c.startswith(_region_prefix(p)) for p in codes))
            if not inside:
                break
            cand = inside
        codes, j, chain = cand, j + len(hit), True
    if not chain:
        for name, prov in sorted(REGIONS.items(), key=lambda kv: -len(kv[0])):
            if s.startswith(name, i):
                end = i + len(name)
                if s.startswith("地区", end):
                    end += 2
                return end, _Place(t.show(i, i + len(name)), "", (), prov)
        return None
    m = re.compile(_ZONE).match(s, j)
    if m:
        j = m.end()
    elif j < len(s) and s[j] in "市县区" and not s.startswith("市场", j) and not s.startswith("区域", j):
        j += 1
    code = codes[0] if len(codes) == 1 else ""
    return j, _Place(t.show(i, j), code, codes)


def _anon_at(s: str, i: int) -> int | None:
    m = _ANON.match(s, i)
    if not m:
        return None
    j = m.end()
    while (m2 := _ANON.match(s, j)) and m2.end() > j:  # xx市xx区
        j = m2.end()
    return j


def _enumeration(t: _Text, i: int) -> tuple[list[_Place], int, int]:
    """Places listed from ``i`` (赴A、B和C…): (places, anonymised items, end)."""
    s = t.norm
    places, anon, j = [], 0, i
    while j < len(s):
        a = _anon_at(s, j)
        if a and _place_at(t, a) is None:
            anon += 1
            j = a
        else:
            j = a or j  # "xx市武侯区": the named part counts
            hit = _place_at(t, j)
            if hit is None:
                break
            j, p = hit
            places.append(p)
        m = _SEP.match(s, j)
        if not m:
            break
        j = m.end()
    return places, anon, j


_COUNT = re.compile(r"等?(\d{1,2}|[一二两三四五六七八九十]{1,2})(?:个)?(?:地|市|县|区|省|城市|地区|县市区|县区|县\(市、区\)|县（市、区）)")


# Visit words after which a list of places follows. Opening only: 赴/前往/到…; anywhere: 考察的…
_VISIT_OPENING = re.compile(r"赴|前往|来到|走进|踏入|相继到|先后到|到")
_VISIT_ANYWHERE = re.compile(r"(?:所|本次|这次|此次)考察的|考察了|参观了|参观的")
_UNIT_VISIT = re.compile(r"相继到|先后到|走进|来到|考察了|参观了|参观的")
_TRIP_CUE = re.compile(r"考察|学习|参观|培训|调研|访问|带领|带队|率领|带着|一行")


def _sentences(text: str) -> list[tuple[int, int]]:
    out, start = [], 0
    for m in _SENT_END.finditer(text):
        if m.start() > start:
            out.append((start, m.start()))
        start = m.end()
    if start < len(text):
        out.append((start, len(text)))
    return out


# --------------------------------------------------------------------------------------------
# Units
# --------------------------------------------------------------------------------------------
_ORG_SUFFIX = re.compile(r"(?:新一中|一中|二中|三中|中学|小学|学校|学院|大学|党校|中心|公司|集团|电器|股份|医院|银行|研究院|"
                         r"研究所|博物馆|纪念馆|展览馆|科技馆|图书馆|实验室|中心港|港|码头|机场|产业园|工业园|科技园|园区|基地|"
                         r"社区|小区|街道|景区|商城|工厂|厂)$")
_GENERIC = re.compile(r"^(?:工业|企业|大型|国有|民营|外资|骨干|龙头|重点|知名|相关|有关|各类|一批|部分|当地|先进|科技|高新|经济|"
                      r"开发|产业|学生|体育|教学|现代|农业|生态|示范|各|该|这些|那些|我们|他们|其|有|全国|全省|全市)+$")
_CLOSE_CLASS = re.compile(r"^等(?:企业|院校|学校|单位|公司|机构|医院|园区|项目|学院|中学|工厂)")
_UNIT_STOP = re.compile(r"等|进行|开展|参加|实地|考察|学习|调研|观摩|座谈|交流|听取|[,，。；;:：!！?？\n（(]")
_BAD_POS = {"v", "vd", "vn", "d", "p", "c", "u", "ad", "r", "m", "q", "f", "uj", "ul", "uz", "ug", "ude1", "y", "l"}


def _clean_unit(name: str) -> bool:
    return 2 <= len(name) <= 24 and not _GENERIC.match(name)


def _units_after(t: _Text, i: int) -> tuple[list[tuple[str, str]], list[_Place]]:
    """Units (and places) listed after a visit word at ``i``: ([(unit, shown)], places)."""
    s = t.norm
    m = _UNIT_STOP.search(s, i)
    end = m.start() if m else len(s)
    closed = bool(_CLOSE_CLASS.match(s, end))
    units, places, j = [], [], i
    for sm in list(_SEP.finditer(s, i, end)) + [None]:
        k = sm.start() if sm else end
        item_a, item_b = j, k
        j = sm.end() if sm else end
        if item_b - item_a < 2 or _anon_at(s, item_a) is not None:
            continue
        hit = _place_at(t, item_a)
        if hit and hit[0] >= item_b:  # only a place (珠海, 东莞高新区)
            places.append(hit[1])
            continue
        rest_a = item_a
        if hit:
            rest_a = hit[0] + (1 if s.startswith("的", hit[0]) else 0)
        name = s[rest_a:item_b]
        if not _clean_unit(name):
            continue
        base = _ORG_SUFFIX.sub("", name)
        ok = name != base and len(base) >= 2 and not _GENERIC.match(base)
        if not ok and (closed or hit):
            # a name with no organisation suffix: a list closed by 等企业/等院校, or one that starts with
            # a place (广东威创视讯, 广州的广汽本田) — but never a phrase with verbs or adverbs in it
            tags = _posseg(t.show(rest_a, item_b))
            ok = len(name) <= 10 and not any(f in _BAD_POS for _, f in tags)
        if not ok:
            tags = _posseg(t.show(rest_a, item_b))
            ok = len(tags) == 1 and tags[0][1] == "nt"
        if ok:
            if hit and hit[1].code and _rank(hit[1].code) > 0:
                places.append(hit[1])  # 三河市第一中学 → 三河市 was visited
            # the unit keeps the place it is named after (三河市第一中学), not a "广州的" in front
            shown_from = rest_a if s.startswith("的", rest_a - 1) and hit else item_a
            units.append((s[rest_a:item_b], t.show(shown_from, item_b)))
    return units, places


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


def _date_in(t: _Text, a: int, b: int) -> tuple[str, int, str] | None:
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
    texts = [_Text(c["text"], c.get("norm")) for c in chunks]
    if not texts:
        return rep
    opening = [t for c, t in zip(chunks, texts) if not c.get("section")] or texts[:1]
    head_lines = _header_lines(texts[0])
    titles = [_Text(rep.title)] + [_Text(line) for line in head_lines]

    places: list[_Place] = []
    units: list[tuple[str, str]] = []
    stated = 0  # how many places the opening says were visited, when it names them only as "*"

    def visit(t: _Text, a: int, b: int, pattern: re.Pattern) -> None:
        nonlocal stated
        for m in pattern.finditer(t.norm, a, b):
            found, anon, end = _enumeration(t, m.end())
            places.extend(found)
            if anon:
                c = _COUNT.match(t.norm, end)
                stated = max(stated, (_num(c.group(1)) or 0) if c else anon)

    # 1. the title: 赴A、B、C等地…, 赴鲁苏六县市区
    for t in titles:
        visit(t, 0, len(t.norm), re.compile(r"赴|到"))
        for m in re.finditer(r"赴([\u4e00-\u9fff]{2,4}?)(?=[一二两三四五六七八九十\d]|等地|两省|三省|地区)", t.norm):
            if all(ch in ABBREV for ch in m.group(1)):
                for ch in m.group(1):
                    code = ABBREV[ch]
                    places.append(_Place(PROVINCES[code][0], code + "0000", (code + "0000",)))
    # 2. the opening paragraph: 赴…/到…/相继到…, and the first sentence with 赴 + a visit word
    trip_sents: list[tuple[_Text, int, int]] = []
    for t in texts:
        for a, b in _sentences(t.norm):
            # the opening, or a sentence elsewhere that tells a trip (赴… with a date, 一行 or who led it)
            told = "赴" in t.norm[a:b] and (_LEAD.search(t.norm, a, b) or "一行" in t.norm[a:b] or _date_in(t, a, b))
            if _TRIP_CUE.search(t.norm, a, b) and (t in opening or told):
                trip_sents.append((t, a, b))
    for t, a, b in trip_sents:
        visit(t, a, b, _VISIT_OPENING)
    # 3. anywhere: 本次考察的…, 考察了…, 参观的…, 在天台县考察时
    for t in texts:
        for a, b in _sentences(t.norm):
            visit(t, a, b, _VISIT_ANYWHERE)
            for m in re.finditer(r"在", t.norm[a:b]):
                hit = _place_at(t, a + m.end())
                if hit and re.match(r"考察|调研|参观", t.norm[hit[0]:hit[0] + 2]):
                    places.append(hit[1])
            for m in _UNIT_VISIT.finditer(t.norm, a, b):
                if m.group(0) in ("相继到", "先后到", "走进", "来到") and (t, a, b) not in trip_sents:
                    continue
                u, p = _units_after(t, m.end())
                units.extend(u)
                places.extend(p)
    # 4. places named only as "*、*、*" / "三市": the sentence naming exactly that many with "三地"
    if stated and len({p.code or p.text for p in places}) < stated:
        places.extend(_coreferent_places(texts, stated))
    # 5. only provinces known (赴鲁苏六县市区, the counties written "xx县"): the cities and counties of
    #    those provinces that the experience sections name (溧阳, 沭阳), never the lessons-for-home part
    if places and all(p.code.endswith("0000") for p in places):
        places.extend(_body_places(texts, chunks, {p.code[:2] for p in places}))

    rep.places = _dedup_places(places)
    seen: set[str] = set()
    for key, shown in units:
        if key not in seen:
            seen.add(key)
            rep.units.append(shown)
    rep.date = _trip_date(trip_sents, titles)
    rep.delegation = _delegation(trip_sents, titles)
    return rep


def _header_lines(t: _Text) -> list[str]:
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


def _coreferent_places(texts: list[_Text], n: int) -> list[_Place]:
    g = gazetteer()
    num = "|".join([str(n)] + [k for k, v in _CN_NUM.items() if v == n])
    ref = re.compile(rf"(?:{num})(?:个)?(?:地|市|县|城市|地方)")
    for t in texts:
        for a, b in _sentences(t.norm):
            if not ref.search(t.norm, a, b):
                continue
            found, seen = [], set()
            pos = a
            for w, f in _posseg(t.orig[a:b]):
                wn = t.norm[pos:pos + len(w)]
                if (wn in g.names or f == "ns") and not _anonymised(wn):
                    hit = _place_at(t, pos)
                    if hit and hit[0] == pos + len(w):
                        key = hit[1].code or hit[1].text
                        if key not in seen:
                            seen.add(key)
                            found.append(hit[1])
                pos += len(w)
            if len(found) == n:
                return found
    return []


_HOME_SECTION = re.compile(r"启示|打算|建议|下步|下一步|怎么干|笃行|对策|思考|体会|差距|措施")


def _body_places(texts: list[_Text], chunks: list[dict], provinces: set[str]) -> list[_Place]:
    g = gazetteer()
    out = []
    for c, t in zip(chunks, texts):
        sec = c.get("section") or []
        if sec and _HOME_SECTION.search(normalize(sec[0])):
            continue
        pos = 0
        for w, _f in _posseg(t.orig):
            wn = t.norm[pos:pos + len(w)]
            if wn in g.names and not _anonymised(wn):
                hit = _place_at(t, pos)
                if hit and hit[0] == pos + len(w):
                    codes = [c2 for c2 in hit[1].codes if c2[:2] in provinces and _rank(c2) > 0]
                    if len(codes) == 1:
                        hit[1].code = codes[0]
                        out.append(hit[1])
            pos += len(w)
    return out


def _dedup_places(places: list[_Place]) -> list[str]:
    # resolve ambiguous short names (中山 = 中山市 or 中山区) by the provinces of the others
    provinces = {p.code[:2] for p in places if p.code} | {p.province for p in places if p.province}
    for p in places:
        if not p.code and p.codes:
            near = [c for c in p.codes if c[:2] in provinces]
            pick = near or sorted(p.codes, key=_rank)
            if len({c[:2] for c in pick}) == 1:
                p.code = sorted(pick, key=_rank)[0]
    out: list[_Place] = []
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


# --------------------------------------------------------------------------------------------
# The catalogue of an index, cached per manifest generation
# --------------------------------------------------------------------------------------------
_lock = threading.Lock()
_memo: dict[str, tuple[str, list[dict]]] = {}


def _doc_key(doc: dict, chunks: list[dict]) -> str:
    h = hashlib.sha1()
    for part in (EXTRACT_VERSION, doc["doc_id"], doc.get("title") or "", doc.get("source") or "",
                 doc.get("duplicate_of") or "", *(c.get("hash") or c["text"] for c in chunks)):
        h.update(part.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()


def catalogue(index) -> list[Report]:
    """The catalogue of every report in the index, in the index's order."""
    manifest = index.manifest
    path = Path(index.settings.data_dir) / "catalogue.json"
    where = str(Path(manifest.path).resolve())
    with _lock:
        gen = manifest.generation()
        memo = _memo.get(where)
        if memo and memo[0] == gen:
            return [Report(**r) for r in memo[1]]
        cached = _read_cache(path)
        if cached.get("version") == EXTRACT_VERSION and cached.get("generation") == gen:
            rows = [e["report"] for e in cached["reports"]]
        else:
            old = {e["report"]["doc_id"]: e for e in cached.get("reports", [])
                   if cached.get("version") == EXTRACT_VERSION}
            entries = []
            for doc in index.documents():
                chunks = manifest.chunks("WHERE doc_id=?", (doc["doc_id"],))
                key = _doc_key(doc, chunks)
                prev = old.get(doc["doc_id"])
                report = prev["report"] if prev and prev.get("key") == key else extract(doc, chunks).to_dict()
                entries.append({"key": key, "report": report})
            _write_cache(path, {"version": EXTRACT_VERSION, "generation": gen, "reports": entries})
            rows = [e["report"] for e in entries]
        _memo[where] = (gen, rows)
        return [Report(**r) for r in rows]


def _read_cache(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) and isinstance(data.get("reports"), list) else {}
    except (OSError, ValueError):
        return {}


def _write_cache(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:  # a read-only data dir still answers, from memory
        log.warning("目录缓存写入失败（%s），本次在内存中使用", exc)
        tmp.unlink(missing_ok=True)


# --------------------------------------------------------------------------------------------
# Filtering: "只看去浙江的报告"
# --------------------------------------------------------------------------------------------
def resolve(place: str, context: list[str] | None = None) -> tuple[str, ...]:
    """Adcodes of a place name as written (浙江, 嘉善县, 台州市椒江区, 黄岛开发区, 珠三角 → its province)."""
    t = _Text(place.strip())
    hit = _place_at(t, 0)
    if not hit:
        return ()
    p = hit[1]
    if p.code:
        return (p.code,)
    if p.province:
        return (p.province + "0000",)
    if p.codes and context:
        provinces = {c[:2] for other in context if other != place for c in resolve(other)}
        near = tuple(c for c in p.codes if c[:2] in provinces)
        if near:
            return near
    return p.codes


def filter_docs(catalogue: list[Report], place: str) -> list[str]:
    """doc_ids of the reports that went to ``place``: a province or city matches the reports
    whose places lie in it (浙江 → the report on 嘉善县、奉化市…); any other name matches by text."""
    query = show(place).strip()
    query = re.sub(r"^(?:去|到|赴|在)|(?:的报告|的考察|的那次|那次|的)$", "", query)
    if not query:
        return []
    regions = [_region_prefix(c) for c in resolve(query)]
    qshort = _ADMIN_SUFFIX.sub("", query) or query
    out = []
    for r in catalogue:
        hit = False
        for p in r.places:
            codes = resolve(p, r.places)
            if regions and any(c.startswith(reg) for c in codes for reg in regions):
                hit = True
            elif qshort in p or (len(p) >= 2 and p in query):
                hit = True
            if hit:
                break
        if hit:
            out.append(r.doc_id)
    return out
