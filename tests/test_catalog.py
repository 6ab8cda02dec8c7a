"""The catalogue of the reports (catalog.py): pinned on the bundled corpus, checked field by field
against the hand-made table eval/catalogue.json, the filter and the cache (the CLI contract: test_cli.py)."""
import json
import re

import pytest

from kaocha_rag.index import catalog
from kaocha_rag.index.catalog import Report, catalogue, extract, filter_docs
from kaocha_rag.ingest.clean import normalize

from conftest import ROOT

D0 = "000_d688bad86ca44f67-"
# What extraction gives for the eleven bundled reports: (places, units, date, delegation).
# Empty where the report does not say it (or says it only as X/ⅹⅹ/*).
PINNED = {
    D0 + "1": (["青岛市", "黄岛开发区", "崂山区", "即墨市", "荣成市", "文登市", "蓬莱市", "龙口市", "寿光市", "邹城市"],
               ["邹城市新一中"], "2024年11月23日至30日", "市委书记姜大明带队"),
    D0 + "2": ([], [], "6月2日至10日", ""),
    D0 + "3": (["天津滨海新区", "深圳市", "厦门市"], [], "", ""),  # "2024年" here is only in statistics
    D0 + "4": (["三河市", "承德"], ["三河市第一中学", "三河市职教中心", "承德旅游职业学院", "承德一中"], "2024年6月20-23日",
               "树讲聚促大讨论对标先进考察团（教育工委郑书记、宣传科金科长带队）"),
    D0 + "5": (["天津滨海新区", "深圳市", "厦门市"], [], "", ""),
    D0 + "6": (["珠三角", "广州", "珠海", "中山", "东莞", "深圳"], ["格力电器", "广汽本田", "广东威创视讯", "格力集团"],
               "2024年11月8日至20日",
               "市第十八期中青年干部培训班（市委党校副校长张存俭、市委组织部副调研员田习文和班主任王伟高老师带队）"),
    D0 + "7": (["武侯区"], [], "", ""),  # X年X月X日, 由X带领, 赴X: all anonymised
    "001_4eae6fcf7c2bc2f8-1": (["洛阳", "开封", "周口"], [], "7月至8月", "市党政考察团"),
    "002_a122407d536cf881-1": (["浙江省嘉善县", "奉化市", "天台县", "台州市椒江区", "乐清市", "东阳市", "安吉县"], [], "", ""),
    "003_b7bc17034cca5bf0-1": (["山东", "江苏", "溧阳", "沭阳"], [], "2023年4月22日至27日", "县党政考察团（县委书记张新带队）"),
    "004_a43456356f896553-1": ([], [], "6月7日至6月10日", "市党政代表团"),
}

# Filled values that are right although eval/catalogue.json does not list them: each with the
# words of the report that state it (checked below to occur in that report).
ALSO_RIGHT = {
    D0 + "6": {"珠三角": "赴珠三角地区学习考察报告", "格力集团": "我们这次参观的广州的广汽本田和广东威创视讯、珠海的格力集团"},
    "003_b7bc17034cca5bf0-1": {"山东": "赴鲁苏六县市区", "江苏": "赴鲁苏六县市区"},
}


@pytest.fixture(scope="module")
def cat(corpus_index):
    return catalogue(corpus_index)


def test_catalogue_pins_the_bundled_corpus(cat, corpus_index):
    by_id = {r.doc_id: r for r in cat}
    assert [r.doc_id for r in cat] == [d["doc_id"] for d in corpus_index.documents()] and len(cat) == 11
    for doc_id, (places, units, date, delegation) in PINNED.items():
        r = by_id[doc_id]
        assert (r.places, r.units, r.date, r.delegation) == (places, units, date, delegation), doc_id
    assert by_id[D0 + "5"].duplicate_of == D0 + "3"
    assert by_id[D0 + "1"].title == "第一篇：赴省内先进地区学习考察的报告" and by_id[D0 + "1"].source == "000_d688bad86ca44f67.txt"
    assert by_id["001_4eae6fcf7c2bc2f8-1"].sections == ["一、深学:学到什么", "二、细悟:悟到什么", "三、笃行:该怎么干"]
    assert by_id["002_a122407d536cf881-1"].sections[0] == "一、思想有多远,发展就能走多远"  # shown in Simplified
    # five reports write where they went as X/ⅹⅹ/*: the trip sentence's words, as shown (ⅹ as x)
    assert {d: r.hidden for d, r in by_id.items() if r.hidden} == {
        D0 + "2": "赴xx市六县(市、区)就项目建设、园区建设、招商引资以及新农村建设进…",
        D0 + "7": "赴X考察学习城市管理工作",
        "001_4eae6fcf7c2bc2f8-1": "赴*、*、*实地考察学习",
        "003_b7bc17034cca5bf0-1": "赴XX省xx县、xx县、xx市、xx市、xx市xx区、XX省xx县等六个县(市、区)考察学习",
        "004_a43456356f896553-1": "赴*、*、*等三市学习考察"}


# -- against the hand-made table -----------------------------------------------------------------
def _plain(s: str) -> str:
    """Compare form: Simplified, no anonymised letters/stars, no spaces or brackets."""
    return re.sub(r"[x*＊\s()（）]", "", normalize(s))


def _same(a: str, b: str) -> bool:
    a, b = _plain(a), _plain(b)
    return len(a) >= 2 and len(b) >= 2 and (a in b or b in a)


def _named(values) -> bool:
    """A hand-table value that names something: not empty, and for places/units not only
    anonymised items (“ⅹⅹ市六县（市、区）”, “*、*、*等三市”)."""
    if isinstance(values, str):
        return bool(values)
    anon = r"[xX*ⅹ＊]+(?:省|市|县|区)?|[、，,（）()等\d一二三四五六七八九十两个省市县区]"
    return any(re.sub(anon, "", v) for v in values)


def _date_right(mine: str, theirs: str) -> bool:
    years = set(re.findall(r"(?:19|20)\d{2}", theirs))
    trip = re.sub(r"（[^）]*）|\([^)]*\)", "", theirs)
    parts = lambda s: re.findall(r"\d{1,2}(?=[月日号])|(?<=-)\d{1,2}", re.sub(r"(?:19|20)\d{2}年", "", re.sub(r"\*日", "", s)))
    my_years = set(re.findall(r"(?:19|20)\d{2}", mine))
    return parts(mine) == parts(trip) and my_years <= years


def _delegation_right(mine: str, theirs: str) -> bool:
    m = re.fullmatch(r"(.*?)（(.*)带队）", mine) or re.fullmatch(r"()(.*)带队", mine)
    group, leader = (m.group(1), m.group(2)) if m else (mine, "")
    t = _plain(theirs)
    return all(_plain(part) in t for part in (group, leader) if part)


def _hand_table(corpus_index):
    path = ROOT / "eval" / "catalogue.json"
    if not path.exists():
        pytest.skip("eval/catalogue.json (the hand-made table) is not there")
    rows = json.loads(path.read_text(encoding="utf-8"))
    # its rows follow each file's reports in order; map them to doc_ids by file and position
    docs: dict[str, list[str]] = {}
    for d in corpus_index.documents():
        docs.setdefault(d["source"], []).append(d["doc_id"])
    seen: dict[str, int] = {}
    out = {}
    for row in rows:
        k = seen.get(row["file"], 0)
        seen[row["file"]] = k + 1
        out[docs[row["file"]][k]] = row
    assert len(out) == 11
    return out


def test_every_filled_field_is_right_against_the_hand_table(cat, corpus_index):
    hand = _hand_table(corpus_index)
    texts = {r.doc_id: normalize("".join(c["text"] for c in corpus_index.manifest.chunks("WHERE doc_id=?", (r.doc_id,)))
                                 + r.title) for r in cat}
    for doc_id, extra in ALSO_RIGHT.items():
        for value, words in extra.items():
            assert normalize(words) in texts[doc_id], (doc_id, words)
    filled = fillable = 0
    wrong = []
    for r in cat:
        h, extra = hand[r.doc_id], ALSO_RIGHT.get(r.doc_id, {})
        for name in ("places", "units"):
            mine = getattr(r, name)
            fillable += _named(h[name])
            filled += bool(mine)
            wrong += [(r.doc_id, name, v) for v in mine if v not in extra and not any(_same(v, e) for e in h[name])]
        fillable += _named(h["date"]) + _named(h["delegation"])
        filled += bool(r.date) + bool(r.delegation)
        if r.date and not _date_right(r.date, h["date"]):
            wrong.append((r.doc_id, "date", r.date, h["date"]))
        if r.delegation and not _delegation_right(r.delegation, h["delegation"]):
            wrong.append((r.doc_id, "delegation", r.delegation, h["delegation"]))
    print(f"catalogue: {filled} fields filled of {fillable} the hand table names (44 in all), {len(wrong)} wrong")
    assert not wrong
    assert filled >= 25  # 9 places + 3 units + 7 dates + 6 delegations, of 29 the hand table names


# -- the filter ("只看去浙江的报告") --------------------------------------------------------------
@pytest.mark.parametrize("place, expected", [
    ("浙江", ["002_a122407d536cf881-1"]),
    ("浙江省", ["002_a122407d536cf881-1"]),
    ("去浙江的", ["002_a122407d536cf881-1"]),
    ("台州", ["002_a122407d536cf881-1"]),
    ("嘉善", ["002_a122407d536cf881-1"]),
    ("宁波", ["002_a122407d536cf881-1"]),  # 奉化 lies in 宁波
    ("金华", ["002_a122407d536cf881-1"]),  # 东阳 lies in 金华
    ("山东", [D0 + "1", "003_b7bc17034cca5bf0-1"]),
    ("青岛", [D0 + "1"]),
    ("威海", [D0 + "1"]),  # 荣成、文登
    ("江苏", ["003_b7bc17034cca5bf0-1"]),
    ("广东", [D0 + "3", D0 + "5", D0 + "6"]),  # 深圳 too
    ("深圳", [D0 + "3", D0 + "5", D0 + "6"]),
    ("福建", [D0 + "3", D0 + "5"]),
    ("天津", [D0 + "3", D0 + "5"]),
    ("河北", [D0 + "4"]),
    ("廊坊", [D0 + "4"]),  # 三河市 lies in 廊坊
    ("河南", ["001_4eae6fcf7c2bc2f8-1"]),
    ("四川", [D0 + "7"]),
    ("珠三角", [D0 + "3", D0 + "5", D0 + "6"]),  # a region: matched by its province
    ("上海", []),
    ("苏州工业园区", []),
    ("", []),
])
def test_filter_docs_by_province_city_or_name(cat, place, expected):
    assert filter_docs(cat, place) == expected


def test_filter_resolves_ambiguous_short_names_by_the_other_places():
    rows = [Report("a", "赴广东考察", places=["广州", "中山"]), Report("b", "赴大连考察", places=["大连市", "中山区"])]
    assert filter_docs(rows, "广东") == ["a"] and filter_docs(rows, "辽宁") == ["b"]


# -- extraction on texts written for the purpose ------------------------------------------------
def _rep(text: str, title: str = "", sections=None) -> Report:
    parts = text.split("\n\n")
    chunks = [{"text": p, "section": (sections or [])[k] if sections and k < len(sections) else [], "ord": k}
              for k, p in enumerate(parts)]
    return extract({"doc_id": "t-1", "title": title, "source": "t.txt"}, chunks)


def test_trip_sentence_gives_date_delegation_places():
    r = _rep("为学习先进经验，2023年3月12日至15日，市委副书记李明带领市考察团一行20人赴杭州、宁波考察学习。"
             "\n\n杭州2022年地区生产总值18753亿元。", title="赴杭州宁波考察报告", sections=[[], ["一、基本情况"]])
    assert r.places == ["杭州", "宁波"] and r.date == "2023年3月12日至15日"
    assert r.delegation == "市考察团（市委副书记李明带队）"


def test_a_year_in_a_statistic_is_not_the_date():
    r = _rep("关于赴厦门考察的报告\n一、基本情况\n厦门市2024年地区生产总值3018亿元，同比增长5%。", title="关于赴厦门考察的报告",
             sections=[["一、基本情况"]])
    assert r.date == "" and r.places == ["厦门"] and r.delegation == ""


def test_year_in_the_title_completes_the_trip_date_but_not_an_event_date():
    r = _rep("4月2日至6日，县考察团赴安徽省合肥市考察。\n\n第五届博览会于10月18日至22日举行。", title="2022年赴合肥考察报告")
    assert r.date == "2022年4月2日至6日" and r.places == ["合肥"] and r.delegation == "县考察团"
    r = _rep("博览会10月18日至22日举行，规模空前。", title="2022年赴合肥考察报告")
    assert r.date == "2022年"  # only the year is stated for the trip


def test_anonymised_names_stay_empty_and_traditional_is_simplified():
    r = _rep("X年X月X日至X月X日，由X带领相关负责同志，赴X考察学习。XX市注重精细化管理。", title="赴XX学习考察的报告")
    assert (r.places, r.units, r.date, r.delegation) == ([], [], "", "")
    assert r.hidden == "赴X考察学习"  # the trip sentence's, not the title's “赴XX”: that it was hidden is recorded
    assert _rep("2023年3月12日，考察团赴杭州、宁波考察学习。", title="赴杭州宁波考察报告").hidden == ""
    r = _rep("最近，根據縣委辦公室安排，赴浙江省嘉善縣、臺州市椒江區兩地考察。", title="赴外地考察報告")
    assert r.places == ["浙江省嘉善县", "台州市椒江区"] and r.date == ""


def test_units_come_from_visit_lists_not_from_examples():
    r = _rep("2024年5月8日，考察组相继到合肥市第一中学、合肥工业大学等院校进行考察学习。"
             "\n\n期间参观了教学楼、校史馆、实训室等。宁德时代等一批龙头企业落地合肥。")
    assert r.units == ["合肥市第一中学", "合肥工业大学"] and r.places == ["合肥市"]


def test_places_named_only_by_count_are_found_where_the_text_names_them_together():
    r = _rep("考察团于5月*日，先后赴*、*两市实地考察学习。\n\n无论是扬州的园林，还是镇江的醋，都让两地充满活力。",
             sections=[[], ["一、学到什么"]])
    assert r.places == ["扬州", "镇江"] and r.date == "5月"  # the day is anonymised: only the month is known


# -- cache ----------------------------------------------------------------------------------------
def test_catalogue_is_cached_per_generation_and_reextracts_only_changed_reports(fresh_index, tmp_path, monkeypatch):
    calls = []
    real = catalog.extract
    monkeypatch.setattr(catalog, "extract", lambda doc, chunks: calls.append(doc["doc_id"]) or real(doc, chunks))
    a = tmp_path / "甲.txt"
    a.write_text("关于赴苏州考察的报告\n2024年3月1日至3日，县考察团赴苏州考察学习。\n一、基本情况\n苏州建成口袋公园48个。",
                 encoding="utf-8")
    fresh_index.ingest([a])
    first = catalogue(fresh_index)
    assert [r.places for r in first] == [["苏州"]] and first[0].date == "2024年3月1日至3日" and len(calls) == 1
    cache = json.loads((fresh_index.settings.data_dir / "catalogue.json").read_text(encoding="utf-8"))
    assert cache["generation"] == fresh_index.manifest.generation() and len(cache["reports"]) == 1
    assert catalogue(fresh_index) == first and len(calls) == 1  # same generation: nothing re-read
    catalog._memo.clear()
    assert catalogue(fresh_index) == first and len(calls) == 1  # a new process reads the file
    b = tmp_path / "乙.txt"
    b.write_text("关于赴无锡考察的报告\n一、基本情况\n考察团赴无锡考察。无锡建成口袋公园12个。", encoding="utf-8")
    fresh_index.ingest([b])
    second = {r.source: r for r in catalogue(fresh_index)}
    assert second["甲.txt"] == first[0] and second["乙.txt"].places == ["无锡"] and len(calls) == 2  # only 乙 extracted
    fresh_index.remove("甲.txt")
    assert [r.places for r in catalogue(fresh_index)] == [["无锡"]] and len(calls) == 2
    assert filter_docs(catalogue(fresh_index), "江苏") == [second["乙.txt"].doc_id]
