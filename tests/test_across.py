"""Questions across reports (issue 16, items 2-4) on the real corpus index: complete lists with one
cited line per report, comparison tables with a citation per cell, the LLM path with the fake."""
import re

import pytest

from kaocha_rag.answer.across import kind_of
from kaocha_rag.answer.across_table import NONE, topic_text
from kaocha_rag.answer.ask import ask
from kaocha_rag.answer.citations import cited_numbers
from kaocha_rag.ingest.clean import normalize

from conftest import llm_settings

T_PROVINCE = "第一篇：赴省内先进地区学习考察的报告"
T_SECOND = "第二篇：赴先进地区学习考察报告"
T_PARKS = "第三篇：赴先进地区工业园区考察报告"  # the full copy of 篇二 (the index keeps both)
T_SCHOOLS = "篇三：对标先进学习考察报告"
T_PRD = "赴珠三角地区学习考察报告"
T_CITYMGMT = "第五篇：赴先进地区学习城市管理工作的考察报告"
T_THREE = "市党政考察团赴三市考察学习情况报告"
T_ZJ = "赴外地考察報告"
T_LUSU = "2023年赴鲁苏六县市区城市建设考察报告"
T_SUMMARY = "市党政代表团外出考察工作总结"


@pytest.mark.parametrize("question,kind,topic", [
    ("哪几份报告写到了职业教育？", "enumerate", "职业教育"),
    ("各份报告都提到了哪些招商引资的办法", "enumerate", "招商引资"),
    ("东阳和乐清在产业发展上有何异同？", "compare", "东阳和乐清在产业发展上"),
    ("两份报告对招商引资的说法有什么不同", "compare", "对招商引资的"),
    ("洛阳有哪些做法？", "", "洛阳有"),  # one place's practices: the ordinary answer
    ("周口港的吞吐能力是多少？", "", "周口港的吞吐能力是多少"),
    ("三河一中和承德一中哪个大", "", "三河一中和承德一中哪个大"),  # no contrast word: not a table
])
def test_kind_and_topic(question, kind, topic):
    assert (kind_of(question), topic_text(question)) == (kind, topic)


def _lines(answer: str) -> list[str]:
    return [line for line in answer.splitlines() if line.startswith("- ")]


def test_enumeration_lists_every_report_that_holds_the_topic(corpus_index):
    a = ask("哪些报告提到了招商引资？", index=corpus_index)
    assert (a.status, a.mode, a.grounded) == ("answered", "extractive", True)
    head, *_ = a.answer.splitlines()
    assert head == "共检索 10 份报告，其中 8 份有相关内容："  # 11 reports, 篇二/第三篇 one report twice
    lines = _lines(a.answer)
    by_n = {c["n"]: c for c in a.citations}
    listed = [re.match(r"- (?:[^（《]+（)?《(.+?)》", line).group(1) for line in lines]
    assert listed == [T_PROVINCE, T_SECOND, T_PARKS, T_PRD, T_THREE, T_ZJ, T_LUSU, T_SUMMARY]
    for title, line in zip(listed, lines):
        nums = cited_numbers(line)
        assert nums, line  # every line cited …
        for n in nums:  # … by passages of the report it names (篇二 is the same report as 第三篇)
            assert by_n[n]["title"] in (title, "篇二：赴先进地区工业园区考察报告"), (line, by_n[n]["title"])
            assert "招商" in by_n[n]["text"] or "招才引智" in by_n[n]["text"]
    # the lexicon's 招商引资 ≈ 招才引智: a report found only through the near word says so
    assert lines[-1].endswith("（资料中用的是“招才引智”，不完全等同于“招商引资”）")
    assert a.answer.splitlines()[-1] == f"未找到相关内容的报告（2 份）：《{T_SCHOOLS}》、《{T_CITYMGMT}》"
    assert {int(n) for n in re.findall(r"\[(\d+)\]", a.answer)} == set(by_n)


def test_enumeration_by_place_names_the_place_of_each_line(corpus_index):
    a = ask("哪些地方在推进城市更新？", index=corpus_index)
    lines = _lines(a.answer)
    assert a.answer.startswith("共检索 10 份报告，其中 2 份有相关内容，写明地方的有 2 个：")
    assert [re.match(r"(- .*?》(?:）|（[^）]*）)?)：", line).group(1) for line in lines] == [
        f"- 武侯区（《{T_CITYMGMT}》）", f"- 周口（《{T_THREE}》）", f"- 《{T_THREE}》（开封、周口[4]）"]
    by_n = {c["n"]: c for c in a.citations}
    # a report's label names only places a passage says, cited by it (洛阳 is not in this line's passages)
    assert all(p in by_n[4]["text"] for p in ("开封", "周口"))
    zhoukou = lines[1]
    assert all("周口" in by_n[n]["text"] for n in cited_numbers(zhoukou)) and "周口" in zhoukou


def test_either_topic_counts_and_nothing_found_goes_the_ordinary_way(corpus_index):
    a = ask("哪几份报告写到了职业教育或者职教中心？", index=corpus_index)
    assert a.answer.startswith("共检索 10 份报告，其中 1 份有相关内容：") and f"《{T_SCHOOLS}》" in a.answer
    a = ask("哪些报告提到了低空经济？", index=corpus_index)  # no report: the ordinary refusal with leads
    assert (a.status, a.citations) == ("refused", []) and a.answer.startswith("资料中没有找到")


def _cited_in(a, line: str) -> list[str]:
    by_n = {c["n"]: c for c in a.citations}
    return [normalize(by_n[n]["text"]) for n in cited_numbers(line)]


def _line(a, title: str) -> str:
    return next(x for x in _lines(a.answer) if f"《{title}》" in x)


def test_a_report_line_quotes_its_framing_passage_and_each_sentence_once(corpus_index):
    a = ask("哪些报告谈到了工业园区（开发区）建设？各自怎么说的？", index=corpus_index)
    # 第三篇's “一、基本情况” on its 工业园区 ranks 19th of its passages: quoted as its first in reading order
    assert any("工业园区已经成为当地经济发展的主要载体和推动力量" in t for t in _cited_in(a, _line(a, T_PARKS)))
    # 安吉's sentence stands in two overlapping passages, cut at two points: quoted once
    assert _line(a, T_ZJ).count("安吉县在园区开发中") == 1
    a = ask("这些考察报告里哪些涉及学校或者教育？", index=corpus_index)
    assert any("三河市第一中学、三河市职教中心、承德旅游职业学院、承德一中" in t for t in _cited_in(a, _line(a, T_SCHOOLS)))
    assert _line(a, T_ZJ).count("依托县委党校") == 1


def test_a_broad_topic_finds_reports_that_write_its_narrower_words_without_a_caveat(corpus_index):
    # lexicon: 交通 > 主干道 > 快速路 …: 鲁苏's streets never say 交通, yet they are its 交通 line
    a = ask("哪些报告写了交通基础设施建设？", index=corpus_index)
    assert a.answer.startswith("共检索 10 份报告，其中 4 份有相关内容：")
    assert any("主干道双向八车道120米宽" in t for t in _cited_in(a, _line(a, T_LUSU)))
    assert "不完全等同于" not in a.answer  # a passage on 主干道 is about 交通, not a near word
    # one way only: asked for 机场, a passage on 交通 in general is no answer
    a = ask("哪些地方建了机场？", index=corpus_index)
    assert "综合交通枢纽" not in a.answer


def test_a_compound_counts_through_its_head_noun_and_a_verb_counts_half(corpus_index):
    a = ask("哪些地方在搞城市公园、绿化？有什么具体做法或数字？", index=corpus_index)
    zhoukou = next(x for x in _lines(a.answer) if x.startswith("- 周口（"))  # 伏羲文化公园: 公园, not 城市公园
    assert "伏羲文化公园" in zhoukou and all("周口" in t for t in _cited_in(a, zhoukou))
    # “民生保障”: 保障 (a verb to jieba) counts half, so “项目全生命周期服务保障” is no 民生 line any more
    a = ask("考察中看到的民生保障做法，各地都有哪些？", index=corpus_index)
    # 6, not 5: 珠三角's 小榄 “三个一”民心工程 counts through the lexicon's 民生 > 民心工程 > 医疗保障 …
    assert a.answer.startswith("共检索 10 份报告，其中 6 份有相关内容") and "项目全生命周期服务保障" not in a.answer
    words = ("民生", "民心工程", "公共服务", "便民", "社会保障", "医疗保障", "养老")
    assert all(any(w in t for w in words) for x in _lines(a.answer) for t in _cited_in(a, x))
    assert any("三个一”民心工程" in t for t in _cited_in(a, _line(a, T_PRD)))
    assert any("民心工程" in t for t in _cited_in(a, _line(a, T_LUSU)))
    # “把A做成了B”: B is asked, A counts half — 周口's 智能终端产业集群 holds no 特色产业
    a = ask("哪几个地方把特色产业做成了产业集群？搞得好的举几个例子", index=corpus_index)
    zhoukou = next(x for x in _lines(a.answer) if x.startswith("- 周口（"))
    assert "加快发展智能终端产业集群" in zhoukou
    # a report's own words may score low against a question across all reports (0.317 < 0.35)
    a = ask("各份报告在找差距时，哪些把问题归到思想观念上？", index=corpus_index)
    assert any("最大的问题仍然是思想观念落后" in t for t in _cited_in(a, _line(a, T_SUMMARY)))


def test_a_side_whose_passages_lack_the_asked_words_is_compared_on_the_words_inside_them(corpus_index):
    a = ask("奉化和天台在服务企业方面各出了什么招？", index=corpus_index)
    assert "奉化的资料没有直接写“服务企业”，所列是讲“服务、企业”的内容" in a.answer.splitlines()[0]
    rows = _table(a.answer)
    assert [r[0] for r in rows[1:]] == ["奉化", "天台"]
    assert "企业转贷专项应急资金" in rows[1][-1] and "企业工作指导员" in "".join(rows[2])
    by_n = {c["n"]: c for c in a.citations}
    assert all(place in normalize(by_n[n]["text"]) for place, *cells in rows[1:] for c in cells for n in cited_numbers(c))


def test_units_compared_on_their_size_get_the_figures_of_their_own_sections(corpus_index):
    a = ask("三河一中和承德一中办学规模相比怎么样？", index=corpus_index)  # no passage says 办学规模
    assert "三河一中的资料没有直接写“办学 + 规模”，所列是其本身章节中的规模数字" in a.answer.splitlines()[0]
    rows = _table(a.answer)
    assert [r[0] for r in rows[1:]] == ["三河一中", "承德一中"]  # 三河一中 is “（一）三河第一中学”'s short name
    assert rows[1][-1] == "目前，学校占地410亩，总建筑面积近12万平方米，现有88个教学班，在校生5900人，教职工410人。[1]"
    assert rows[2][-1].startswith("学校占地205亩，建筑面积75000平米。[2]")


def test_every_on_topic_passage_of_a_side_gives_a_sentence_about_that_side(corpus_index):
    a = ask("天津滨海新区和厦门的园区产业布局有什么不同？", index=corpus_index)
    rows = _table(a.answer)
    assert [r[0] for r in rows[1:]] == ["天津滨海新区", "厦门"]
    assert "七大主导产业" in rows[1][1] and "规划了185平方公里的先进制造业区" in "".join(rows[1])  # its 2nd passage
    # a sentence first about another place is not this side's, though it names it (“…天台县…“安吉服务””)
    a = ask("嘉善和安吉的发展路子有什么不一样？", index=corpus_index)
    rows = _table(a.answer)
    assert rows[2][0] == "安吉" and "天台" not in "".join(rows[2]) and "中国美丽乡村" in "".join(rows[2])


def _table(answer: str) -> list[list[str]]:
    rows = [line for line in answer.splitlines() if line.startswith("|")]
    assert re.fullmatch(r"\|(?:---\|)+", rows[1]), rows[1]
    return [[c.strip() for c in r.strip("|").split("|")] for r in [rows[0], *rows[2:]]]


def test_comparison_table_rows_cited_cells_and_nothing_marked(corpus_index):
    a = ask("周口和开封的城市建设各有什么做法？", index=corpus_index)
    assert (a.status, a.understood["entities"]) == ("answered", ["周口", "开封"])
    rows = _table(a.answer)
    assert rows[0][:3] == ["地方", "思路", "主要做法"] and set(rows[0][1:]) <= {"思路", "主要做法", "成效数字"}
    assert [r[0] for r in rows[1:]] == ["周口", "开封"]
    assert rows[1][1] == NONE  # what a side's passages don't say, said so (周口: no 思路 on 城市建设)
    by_n = {c["n"]: c for c in a.citations}
    for place, *cells in rows[1:]:
        for cell in cells:
            assert cell == NONE or cited_numbers(cell), cell
            for n in cited_numbers(cell):  # a cell quotes its own side: the place is in the passage
                assert place in by_n[n]["text"] and by_n[n]["title"] == T_THREE
    assert "伏羲文化公园" in rows[1][2] and "文旅强市" in rows[2][1]
    assert a.to_dict().keys() == {"query", "answer", "grounded", "mode", "citations", "unsupported", "status",
                                  "understood"}


def test_comparison_of_two_reports_named_by_their_trips(corpus_index):
    a = ask("珠三角那次和鲁苏六县那次，在招商引资上有什么不同？", index=corpus_index)
    rows = _table(a.answer)
    assert [r[0] for r in rows[1:]] == [f"《{T_PRD}》", f"《{T_LUSU}》"] and rows[0][0] == "报告"
    by_n = {c["n"]: c for c in a.citations}
    for (label, *cells) in rows[1:]:
        assert any(c != NONE for c in cells)
        assert all(by_n[n]["title"] == label.strip("《》") for c in cells for n in cited_numbers(c))


def test_a_sentence_listing_the_whole_trip_is_no_side_s_evidence(corpus_index):
    a = ask("东阳和乐清在产业发展上有何异同？", index=corpus_index)
    rows = _table(a.answer)
    assert [r[0] for r in rows[1:]] == ["东阳", "乐清"]
    assert "嘉善县、奉化市" not in a.answer  # the opening that lists all seven places
    assert "工业电气" in rows[2][-1]


# -- with an LLM (the recording fake) ------------------------------------------------------------
def _passage_no(user: str, phrase: str) -> int:
    """The number the prompt gives the passage holding ``phrase``."""
    blocks = re.split(r"\n(?=\[\d+\] 《)", user)
    return next(int(re.match(r"\[(\d+)\]", b).group(1)) for b in blocks if re.match(r"\[\d+\]", b) and phrase in b)


def _table_reply(zhoukou: str, kaifeng: str):
    def reply(body: dict) -> str:
        """A model that writes the table from the numbered passages it was given."""
        user = body["messages"][-1]["content"]
        assert "【周口】" in user and "【开封】" in user and "Markdown 表格" in user
        a, b = _passage_no(user, "伏羲文化公园"), _passage_no(user, "文旅文创融合发展战略")
        return f"| 地方 | 主要做法 |\n|---|---|\n| 周口 | {zhoukou}[{a}] |\n| 开封 | {kaifeng}[{b}] |"
    return reply


def test_llm_writes_the_table_from_grouped_evidence_and_every_cell_is_checked(corpus_index, fake):
    fake.reply = _table_reply("周口高标准建设了伏羲文化公园、南坛湖公园。", "开封大力实施文旅文创融合发展战略。")
    a = ask("周口和开封的城市建设各有什么做法？", index=corpus_index, settings=llm_settings(corpus_index, fake))
    assert (a.mode, a.status, a.unsupported) == ("llm", "answered", [])
    system = fake.requests[-1]["body"]["messages"][0]["content"]
    assert "资料未提及" in system  # prompts/across_system.txt
    rows = _table(a.answer)
    assert [r[0] for r in rows[1:]] == ["周口", "开封"]
    assert [cited_numbers(r[1]) for r in rows[1:]] == [[1], [2]]  # renumbered by first use
    assert "伏羲文化公园" in a.citations[0]["text"] and "文旅文创融合" in a.citations[1]["text"]


def test_llm_cell_with_an_invented_number_or_a_wrong_place_is_flagged(corpus_index, fake):
    fake.reply = _table_reply("周口建设了38个城市公园，如伏羲文化公园。", "厦门大力实施文旅文创融合发展战略。")
    a = ask("周口和开封的城市建设各有什么做法？", index=corpus_index, settings=llm_settings(corpus_index, fake))
    assert a.mode == "llm" and "38个" in a.unsupported and "厦门" in a.unsupported
    assert any("38个" in n for n in a.notes) and any("厦门" in n for n in a.notes)


def test_llm_list_without_citations_falls_back_to_the_offline_list(corpus_index, fake):
    fake.reply = "各地都很重视招商引资，做法很多。"
    a = ask("哪些报告提到了招商引资？", index=corpus_index, settings=llm_settings(corpus_index, fake))
    user = fake.requests[-1]["body"]["messages"][-1]["content"]
    assert f"【《{T_THREE}》（洛阳、开封、周口）】" in user and "每份报告" in user
    assert a.mode == "extractive" and a.answer.startswith("共检索 10 份报告，其中 8 份有相关内容：")
    assert any("没有有效引用" in n for n in a.notes)


def test_two_trips_compared_on_date_and_leader_quote_the_reports(corpus_index):
    a = ask("珠三角那次和三河承德那次分别是谁带队的，什么时间？", index=corpus_index)
    rows = _table(a.answer)
    assert rows[0] == ["报告", "时间", "带队"]
    assert [r[0] for r in rows[1:]] == [f"《{T_PRD}》", f"《{T_SCHOOLS}》"]
    # the catalogue found the date and the leaders; the cells quote the report's own sentence
    assert "11月8日至20日" in rows[1][1] and "张存俭" in rows[1][2]
    assert "2024年6月20-23日" in rows[2][1] and "教育工委郑书记" in rows[2][2]
    by_n = {c["n"]: c for c in a.citations}
    assert all(by_n[n]["title"] == r[0].strip("《》") for r in rows[1:] for c in r[1:] for n in cited_numbers(c))
