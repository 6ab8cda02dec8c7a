import pytest

from kaocha_rag.ingest.chunk import chunk_file, match_heading

from conftest import SEEDS

EXPECTED_TITLES = {
    "000_d688bad86ca44f67.txt": [
        "第一篇：赴省内先进地区学习考察的报告",
        "第二篇：赴先进地区学习考察报告",
        "篇二：赴先进地区工业园区考察报告",
        "篇三：对标先进学习考察报告",
        "第三篇：赴先进地区工业园区考察报告",
        "赴珠三角地区学习考察报告",
        "第五篇：赴先进地区学习城市管理工作的考察报告",
    ],
    "001_4eae6fcf7c2bc2f8.txt": ["市党政考察团赴三市考察学习情况报告"],
    "002_a122407d536cf881.txt": ["赴外地考察報告"],
    "003_b7bc17034cca5bf0.txt": ["2023年赴鲁苏六县市区城市建设考察报告"],
    "004_a43456356f896553.txt": ["市党政代表团外出考察工作总结"],
}


@pytest.mark.parametrize("name", sorted(EXPECTED_TITLES))
def test_documents_and_titles(name):
    docs = chunk_file(SEEDS[name])
    assert [d.title for d in docs] == EXPECTED_TITLES[name]
    assert all(d.chunks for d in docs)


def test_duplicate_industrial_park_report_is_flagged():
    docs = chunk_file(SEEDS["000_d688bad86ca44f67.txt"])
    dups = {d.doc_id: d.duplicate_of for d in docs if d.duplicate_of}
    assert dups == {"000_d688bad86ca44f67-5": "000_d688bad86ca44f67-3"}
    second = docs[4]
    assert sum(1 for c in second.chunks if c.duplicate_of) == 15  # the six 三、 subsections are new


def test_heading_path_of_known_passage():
    docs = chunk_file(SEEDS["000_d688bad86ca44f67.txt"])
    hits = [(d.title, c.section) for d in docs for c in d.chunks if "厦门市共有17个重点工业园区" in c.text]
    assert hits[0] == ("篇二：赴先进地区工业园区考察报告", ["一、基本情况", "（一）规划建设标准高"])


@pytest.mark.parametrize("line, expected", [
    ("一、基本情况", ("zh", "一、基本情况", True)),
    ("（一）环境宽松。这次学习考察的地区", ("zh_paren", "（一）环境宽松", False)),
    ("一是紧盯前沿抓风口。洛阳组织专班深入研究", ("shi", "一是紧盯前沿抓风口", False)),
    ("三要坚定不移地推进城乡融合。我们必须", ("shi", "三要坚定不移地推进城乡融合", False)),
    ("——感悟与思考：花园式学校", ("ganwu", "——感悟与思考", False)),
    ("1.65万亿元。深圳市2024年地区生产总值", None),
    ("a、很多学校都有自己的校园文化，但，很多学校的校园文化只是漂亮的装饰，没有形成育人的氛围", ("alpha", "a、很多学校都有自己的校园文化", False)),
    ("三、比较与启示", ("zh", "三、比较与启示", True)),
])
def test_match_heading_table(line, expected):
    assert match_heading(line) == expected


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_chunks_cover_the_body_and_offsets_are_inside_the_file(name):
    raw = SEEDS[name].read_text(encoding="utf-8")
    docs = chunk_file(SEEDS[name])
    for d in docs:
        for c in d.chunks:
            assert 0 <= c.start < c.end <= len(raw)
            assert c.text[0] == raw[c.start] and c.text[-1] == raw[c.end - 1]
    # every character of the cleaned text lands in some chunk, except the reports' title lines
    from kaocha_rag.ingest.clean import clean

    m = clean(raw)
    covered = bytearray(len(raw) + 1)
    for d in docs:
        for c in d.chunks:
            covered[c.start:c.end] = b"\x01" * (c.end - c.start)
    runs, run = [], ""
    for ch, off in zip(m.text, m.offs):
        if not ch.isspace() and not covered[off]:
            run += ch
        elif run and ch == "\n":
            runs.append(run)
            run = ""
    runs += [run] if run else []
    titles = [d.title.replace(" ", "") for d in docs]
    assert [r for r in runs if not any(r in t or t in r for t in titles)] == []


@pytest.mark.parametrize("text, title", [
    ("各位代表：\n现在，我代表国务院，向大会报告政府工作。\n一、过去一年工作回顾\n过去一年……", "gwr_001_2025"),
    ("关于赴洛阳考察的报告\n一、基本情况\n洛阳……", "关于赴洛阳考察的报告"),
])
def test_salutation_is_not_a_title(text, title):
    from kaocha_rag.ingest.chunk import chunk_text

    assert [d.title for d in chunk_text(text, "gwr_001_2025.txt")] == [title]
