"""Questions about the trips themselves, answered from the catalogue with every value cited
(answer/trips.py, issue 16 item 1), on the bundled corpus. Questions written for this test."""
import re

import pytest

from kaocha_rag.answer.ask import ask, understand_question
from kaocha_rag.answer import trips
from kaocha_rag.ingest.clean import normalize

ZHEJIANG = "浙江省嘉善县、奉化市、天台县、台州市椒江区、乐清市、东阳市、安吉县"


def lines(a):
    return a.answer.splitlines()


def cited(a, n):
    return normalize(next(c for c in a.citations if c["n"] == n)["text"])


@pytest.mark.parametrize("question, status, first, reports", [
    ("这几次外出考察分别去了哪里", "answered", "共 10 份考察报告：", 10),
    ("2024年出去考察过几次", "answered", "共 3 份考察报告（按“2024年”）：", 3),
    ("去河北那次谁带的队", "answered", "共 1 份考察报告（按“河北”）：", 1),
    # a short name one title alone holds (对标 → 篇三：对标先进学习考察报告); 考察 is in every title
    ("对标那次是谁带的队", "answered", "共 1 份考察报告（按“对标”）：", 1),
    ("11月份的考察有哪几次", "answered", "共 2 份考察报告（按“11月”）：", 2),
    ("去过海南考察的报告有哪些", "refused", "资料中没有找到符合条件的考察报告（按“海南”）。", 0),
])
def test_trip_questions_list_the_reports(corpus_index, question, status, first, reports):
    a = ask(question, index=corpus_index)
    assert (a.status, lines(a)[0]) == (status, first)
    assert len([x for x in lines(a) if x.startswith("- 《")]) == reports


def test_a_repeated_report_is_listed_once_under_its_fuller_copy_and_a_word_looked_for_once(corpus_index):
    a = ask("去天津考察的是哪篇报告", index=corpus_index)  # seed 000 holds it twice: 篇二 cut short, 第三篇 whole
    assert [x.split("》")[0] for x in lines(a) if x.startswith("- 《")] == ["- 《第三篇:赴先进地区工业园区考察报告"]
    a = ask("珠三角那趟是谁带队的", index=corpus_index)
    assert lines(a)[0] == "共 1 份考察报告（按“珠三角”）："


def test_head_count_comes_from_the_trip_sentence_or_is_said_to_be_missing(corpus_index):
    a = ask("每趟考察各去了几个人", index=corpus_index)
    by_title = {x.split("》")[0][3:]: x for x in lines(a) if x.startswith("- 《")}
    assert "人数：共计40余人[" in by_title["第二篇:赴先进地区学习考察报告"]  # after a preamble, in its 6th passage
    assert "人数：一行19人[" in by_title["篇三:对标先进学习考察报告"]
    assert "报告没有写明人数" in by_title["赴外地考察报告"]
    n = int(re.search(r"共计40余人\[(\d+)\]", a.answer).group(1))
    assert "共计40余人" in cited(a, n)


def test_every_value_is_cited_by_a_passage_that_states_it(corpus_index):
    a = ask("这几次外出考察分别去了哪里", index=corpus_index)
    line = next(x for x in lines(a) if "赴外地考察报告" in x)
    m = re.search(rf"考察地点：{ZHEJIANG}\[(\d+)\]", line)
    assert m, line
    assert all(p in cited(a, int(m.group(1))) for p in ("嘉善", "奉化", "安吉"))
    for x in lines(a)[1:]:  # a report that names no place says so, and shows where it was read
        assert re.search(r"考察地点：.+\[\d+\](；报告开头把考察地写作“[^”]+”\[\d+\]，以上地点取自正文"
                         r"(；文中写到的城市：.+\[\d+\])?)?。$"
                         r"|报告没有写明考察地点（(报告开头见|开头写作“[^”]+”)\[\d+\]）。$", x), x
    assert "- 《市党政代表团外出考察工作总结》：报告没有写明考察地点（开头写作“赴*、*、*等三市学习考察”[14]）。" in lines(a)


def test_reports_that_hide_their_places_are_listed_with_the_words_that_hide_them(corpus_index):
    a = ask("哪几篇报告把考察地名隐去了，用XX或者星号代替？", index=corpus_index)
    assert lines(a) == [
        "共检索 10 份报告，其中 5 份把考察地名隐去了（写作X、xx或*）：",
        "- 《第二篇:赴先进地区学习考察报告》：考察地写作：“赴xx市六县(市、区)就项目建设、园区建设、招商引资以及新农村建设进…”[1]；"
        "文中也没有写明具体地方。",
        "- 《第五篇:赴先进地区学习城市管理工作的考察报告》：考察地写作：“赴X考察学习城市管理工作”[2]；文中写明的地方：武侯区[3]。",
        "- 《市党政考察团赴三市考察学习情况报告》：考察地写作：“赴*、*、*实地考察学习”[4]；文中写明的地方：洛阳、开封、周口[5]。",
        "- 《2023年赴鲁苏六县市区城市建设考察报告》：考察地写作：“赴XX省xx县、xx县、xx市、xx市、xx市xx区、XX省xx县等六个县(市、区)"
        "考察学习”[6]；文中写明的地方：山东、江苏、溧阳、沭阳[7]。",
        "- 《市党政代表团外出考察工作总结》：考察地写作：“赴*、*、*等三市学习考察”[8]；文中也没有写明具体地方。"]
    assert "赴xx市六县" in cited(a, 1) and "赴x考察学习城市管理工作" in cited(a, 2) and "武侯区" in cited(a, 3)
    assert "先后赴*、*、*实地考察学习" in cited(a, 4) and "赴*、*、*等三市学习考察" in cited(a, 8)
    # a place question on such a report says its list may not be all
    a = ask("城市管理那篇考察到底去的是哪个城市？", index=corpus_index)
    assert lines(a)[1] == ("- 《第五篇:赴先进地区学习城市管理工作的考察报告》：考察地点：武侯区[1]；"
                           "报告开头把考察地写作“赴X考察学习城市管理工作”[2]，以上地点取自正文；文中写到的城市：杭州市[3]。")
    assert "杭州市利用银行投资" in cited(a, 3)  # the first passage naming it in full (“杭州模式” is earlier)


def test_leader_and_date_come_from_the_trip_sentence(corpus_index):
    a = ask("鲁苏六县市区那趟是什么时候去的，谁带队", index=corpus_index)
    [line] = [x for x in lines(a) if x.startswith("- 《")]
    assert line.startswith("- 《2023年赴鲁苏六县市区城市建设考察报告》：时间：2023年4月22日至27日[1]；带队 / 组成：")
    assert "张新" in line and "4月22日至27日" in cited(a, 1) and "张新" in cited(a, 1)


def test_a_field_the_report_does_not_state_is_a_partial_answer(corpus_index):
    a = ask("去浙江那次考察的带队领导是谁", index=corpus_index)
    assert a.status == "partial" and a.grounded
    assert lines(a)[1] == "- 《赴外地考察报告》：报告没有写明带队（报告开头见[1]）。"
    assert "嘉善" in cited(a, 1)


@pytest.mark.parametrize("question", [
    "哪些报告讲了招商引资的做法",  # what the trips saw: across.py
    "哪些报告跟广州有关系",  # a report may mention a place it did not visit
    "周口港的吞吐能力是多少",
    "洛阳和开封文旅有什么不同",
])
def test_questions_on_what_the_trips_saw_are_not_trip_questions(corpus_index, question):
    assert trips.plan(question, corpus_index, understand_question(question, corpus_index)) is None
