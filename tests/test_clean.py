import pytest

from kaocha_rag.ingest.clean import clean, normalize

from conftest import SEEDS


@pytest.mark.parametrize("raw, expected", [
    ("思想的盛\n\n2、宴,他們\n\n3、正是\n\n4、以", "思想的盛宴,他們正是以"),
    ("第五屆中國 (東\n\n3、陽 )木雕\n\n4、竹編\n\n5、藝術", "第五屆中國(東陽)木雕竹編藝術"),
    ("觀念的碰撞、精 神的洗禮", "觀念的碰撞、精神的洗禮"),
    ("先后驅車 2800 余公里,通過", "先后驅車2800余公里,通過"),
    ("2023\n年赴鲁苏六县\n市区\n城市建设\n考察报告\n正文。", "2023年赴鲁苏六县市区城市建设考察报告\n正文。"),
    ("赴XX省xx县、ⅹⅹ市和【】地，*市", "赴XX省xx县、ⅹⅹ市和【】地，*市"),
    ("1、学校计划。\n2、专人负责。\n3、公开结果。", "1、学校计划。\n2、专人负责。\n3、公开结果。"),
    # junk patterns are written in Simplified and found in either script; the text kept is as written
    ("考察報告正文。\n已閱讀5頁,還剩3頁未讀\n下載本文檔\n觀念的碰撞。", "考察報告正文。\n觀念的碰撞。"),
    ("溫馨提示：\n1.本站資源僅供學習\n網站客服：12345\n正文開始。", "正文開始。"),
    ("一、推荐访问的网站很多。", "一、推荐访问的网站很多。"),
    # a table's leftovers between a sentence and a run-in heading of a long line go; the heading starts a line
    ("长" * 200 + "发展。60%以3-5個三、從某種意義上看,企業家經濟。", "长" * 200 + "发展。\n三、從某種意義上看,企業家經濟。"),
    ("长" * 200 + "。在3个三、四线城市开展试点。", "长" * 200 + "。在3个三、四线城市开展试点。"),
])
def test_clean_table(raw, expected):
    assert clean(raw).text == expected


def test_offsets_point_at_the_same_characters():
    raw = SEEDS["002_a122407d536cf881.txt"].read_text(encoding="utf-8")
    m = clean(raw)
    assert len(m.offs) == len(m.text)
    assert all(raw[o] == ch for ch, o in zip(m.text, m.offs) if ch != "\n")


JUNK = ["已閱讀5頁", "繼續免費閱讀", "下載本文檔", "版權說明", "文檔簡介", "赴外地考察報告_第1頁", "温馨提示", "溫馨提示",
        "网站客服", "下面是小编为大家整理", "供大家参考", "来源:网友投稿", "推荐访问", "提交評論", "0/150", "本站所有資源",
        "未經權益所有人同意", "部分包含数学公式"]


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_no_junk_survives(name):
    text = clean(SEEDS[name].read_text(encoding="utf-8")).text
    assert [j for j in JUNK if j in text] == []


def test_page_markers_rejoined_in_seed_002():
    text = clean(SEEDS["002_a122407d536cf881.txt"].read_text(encoding="utf-8")).text
    assert "思想的盛宴" in text
    assert "(東陽)木雕" in text
    assert "2800余公里" in text
    assert "\n14、" not in text and "目建設一線" in text


def test_list_items_with_site_words_are_kept():
    # 12、/13、 page fragments of seed 002 mention 資源; they are report text, not site notes.
    text = clean(SEEDS["002_a122407d536cf881.txt"].read_text(encoding="utf-8")).text
    assert "作為加快轉型發展最重要的戰略資源" in text


@pytest.mark.parametrize("raw, expected", [
    ("樂清市電氣企業６０００多家，（一）", "乐清市电气企业6000多家,(一)"),
    ("ABC 報告", "abc 报告"),
])
def test_normalize_table(raw, expected):
    out = normalize(raw)
    assert out == expected
    assert len(out) == len(raw)
