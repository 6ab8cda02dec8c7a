"""The .docx export read back with python-docx: GB/T 9704 page, fonts, spacing, page numbers, 资料来源."""
import docx
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn

from kaocha_rag.draft import Outline
from kaocha_rag.draft.export import from_markdown, to_docx, to_markdown

T1 = "关于赴洛阳开封学习考察城市更新工作的报告"
T2 = "周口市赴沿海城市考察报告"


def _cite(n, title, section, text, chunk_id):
    return {"n": n, "chunk_id": chunk_id, "title": title, "section": section, "text": text,
            "doc_id": chunk_id.split("#")[0], "source": "corpus/x.txt", "score": 0.9}


def _outline() -> Outline:
    citations = [
        _cite(1, T1, ["一、基本情况"], "洛阳市实施老旧小区改造，惠及居民3.2万户。", "a#1"),
        _cite(2, T2, ["二、主要做法", "（一）以港兴城"], "周口中心港年设计吞吐能力5000万吨，\n开通集装箱航线。", "b#4"),
        _cite(3, T1, ["二、主要做法", "（二）背街小巷微改造"], "开封市对背街小巷实施微改造。", "a#7"),
    ]
    sections = [
        {"heading": "一、基本情况", "points": [
            {"text": "【待补充：本次考察的目的、时间、地点和参加人员】", "citations": []},
            {"text": "洛阳：实施老旧小区改造，惠及居民3.2万户[1]。", "citations": [1]},
        ]},
        {"heading": "二、主要做法与经验", "points": [
            {"text": "（一）以港兴城。周口中心港年设计吞吐能力5000万吨[2]。", "citations": [2]},
            {"text": "（二）背街小巷微改造", "citations": []},
            {"text": "开封：对背街小巷实施微改造。", "citations": [3]},  # no marker written: appended
        ]},
    ]
    return Outline(T1, sections, citations, True, [])


def _east_asia(run) -> str:
    return run._element.rPr.rFonts.get(qn("w:eastAsia"))


def _para(d, start: str):
    return next(p for p in d.paragraphs if p.text.startswith(start))


@pytest.fixture(scope="module")
def doc(tmp_path_factory):
    path = to_docx(_outline(), tmp_path_factory.mktemp("docx") / "报告.docx")
    return docx.Document(str(path))


def test_page_is_a4_with_official_margins(doc):
    s = doc.sections[0]
    for got, want in [(s.page_width, 210), (s.page_height, 297), (s.top_margin, 37), (s.bottom_margin, 35),
                      (s.left_margin, 28), (s.right_margin, 26)]:
        assert got.mm == pytest.approx(want, abs=0.5)


def test_title_is_22pt_fangzheng_xiaobiaosong_centred(doc):
    title = doc.paragraphs[0]
    assert title.text == T1
    assert title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert [r.font.size.pt for r in title.runs] == [22]
    assert [_east_asia(r) for r in title.runs] == ["方正小标宋简体"]
    assert doc.paragraphs[1].text == ""  # 标题下空一行


def test_body_is_16pt_fangsong_exactly_28pt_indented_two_characters(doc):
    p = _para(doc, "洛阳：")
    assert p.paragraph_format.line_spacing_rule == WD_LINE_SPACING.EXACTLY
    assert p.paragraph_format.line_spacing.pt == 28
    assert p.paragraph_format.first_line_indent.pt == 32
    assert {r.font.size.pt for r in p.runs} == {16}
    assert {_east_asia(r) for r in p.runs} == {"仿宋_GB2312"}
    # the citation marker is a superscript run of its own, the sentence around it is not
    assert [(r.text, bool(r.font.superscript)) for r in p.runs] == \
           [("洛阳：实施老旧小区改造，惠及居民3.2万户", False), ("[1]", True), ("。", False)]
    normal = doc.styles["Normal"]  # text typed into the file later looks like the body
    assert normal.font.size.pt == 16 and normal.element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋_GB2312"


def test_headings_heiti_and_kaiti(doc):
    h1 = _para(doc, "一、基本情况")
    assert h1.text == "一、基本情况"
    assert [(_east_asia(r), r.font.size.pt, bool(r.bold)) for r in h1.runs] == [("黑体", 16, False)]
    assert h1.paragraph_format.line_spacing.pt == 28
    # a run-in level-2 heading: “（一）以港兴城。” in 楷体, the sentence after it in 仿宋
    h2 = _para(doc, "（一）")
    assert h2.runs[0].text == "（一）以港兴城。" and _east_asia(h2.runs[0]) == "楷体_GB2312"
    assert {_east_asia(r) for r in h2.runs[1:]} == {"仿宋_GB2312"} and h2.runs[1].text.startswith("周口中心港")
    alone = _para(doc, "（二）")
    assert alone.text == "（二）背街小巷微改造"
    assert [(_east_asia(r), r.font.size.pt) for r in alone.runs] == [("楷体_GB2312", 16)]


def test_footer_page_number_between_em_dashes(doc):
    footer = doc.sections[0].footer
    p = footer.paragraphs[0]
    assert p.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert p.text.startswith("— ") and p.text.endswith(" —")
    xml = p._p.xml
    assert 'w:fldCharType="begin"' in xml and 'w:fldCharType="end"' in xml
    assert [t.text.strip() for t in p._p.iter(qn("w:instrText"))] == ["PAGE"]
    assert {_east_asia(r) for r in p.runs} == {"宋体"} and {r.font.size.pt for r in p.runs} == {14}


def test_sources_close_the_body_one_line_per_citation(doc):
    texts = [p.text for p in doc.paragraphs]
    start = texts.index("资料来源")
    body_end = max(i for i, t in enumerate(texts) if t.startswith(("一、", "二、", "洛阳", "（", "开封", "【")))
    assert start > body_end
    assert _east_asia(doc.paragraphs[start].runs[0]) == "黑体"
    assert texts[start + 1:start + 4] == [
        f"[1] {T1} › 一、基本情况",
        f"[2] {T2} › 二、主要做法 › （一）以港兴城",
        f"[3] {T1} › 二、主要做法 › （二）背街小巷微改造",
    ]
    assert {_east_asia(r) for i in range(start + 1, start + 4) for r in doc.paragraphs[i].runs} == {"仿宋_GB2312"}
    # the body's markers are exactly the listed numbers; the one the point did not write was appended
    assert _para(doc, "开封：").text == "开封：对背街小巷实施微改造。[3]"
    # then only the 附件说明 and, on a new page, the 参考资料 attachment (quotes to check figures against)
    assert texts[start - 1] == texts[start + 4] == ""  # 空一行 before the list and before the 附件说明
    assert texts[start + 5] == "附件：参考资料（引文摘录）"
    rest = doc.paragraphs[start + 6:]
    assert 'w:type="page"' in rest[0]._p.xml
    assert [p.text for p in rest if p.text][:2] == ["附件", "参考资料"]
    quotes = [p.text for p in rest if p.text.startswith("[")]
    assert quotes[1] == f"[2] 《{T2} › 二、主要做法 › （一）以港兴城》：周口中心港年设计吞吐能力5000万吨， 开通集装箱航线。"
    assert len(quotes) == 3


def test_citations_renumbered_by_first_use_and_unused_dropped(tmp_path):
    o = _outline()
    # the text cites [3] before [1], cites nothing as [2], and has a marker no passage backs
    o.sections = [{"heading": "一、主要做法", "points": [
        {"text": "开封：微改造[3]。", "citations": [3]},
        {"text": "洛阳：改造[1]，另见[9]。", "citations": [1]},
    ]}]
    d = docx.Document(str(to_docx(o, tmp_path / "r.docx")))
    texts = [p.text for p in d.paragraphs]
    assert "开封：微改造[1]。" in texts and "洛阳：改造[2]，另见[9]。" in texts
    start = texts.index("资料来源")
    assert texts[start + 1:start + 3] == [f"[1] {T1} › 二、主要做法 › （二）背街小巷微改造", f"[2] {T1} › 一、基本情况"]
    assert texts[start + 4].startswith("附件：")
    unresolved = [r for r in _para(d, "洛阳：").runs if "[9]" in r.text]
    assert unresolved and not unresolved[0].font.superscript  # shown as plain text for the writer to fix


def test_outline_without_citations_has_notes_and_no_sources(tmp_path):
    o = Outline("关于数字人民币的学习考察报告", [], [], False, ["资料中没有找到关于“数字人民币”的内容，无法据此起草提纲。"])
    d = docx.Document(str(to_docx(o, tmp_path / "r.docx")))
    texts = [p.text for p in d.paragraphs]
    assert texts[0] == o.title and o.notes[0] in texts
    assert "资料来源" not in texts and not any("参考资料" in t for t in texts)


def test_markdown_round_trip_and_docx_from_edited_markdown(tmp_path):
    o = _outline()
    md = to_markdown(o)
    back = from_markdown(md)
    assert back["title"] == o.title
    assert [s["heading"] for s in back["sections"]] == [s["heading"] for s in o.sections]
    assert [[p["citations"] for p in s["points"]] for s in back["sections"]] == [[[], [1]], [[2], [], [3]]]
    assert back["sections"][1]["points"][2]["text"] == "开封：对背街小巷实施微改造。[3]"
    assert [c["chunk_id"] for c in back["citations"]] == ["a#1", "b#4", "a#7"]
    assert to_markdown(Outline(back["title"], back["sections"], o.citations)) == md
    # the app's export: the edited Markdown's sections with the drafted citations
    edited = md.replace("- 洛阳：实施老旧小区改造，惠及居民3.2万户[^1]。\n\n", "")
    parsed = from_markdown(edited)
    d = docx.Document(str(to_docx(Outline(parsed["title"], parsed["sections"], o.citations), tmp_path / "e.docx")))
    texts = [p.text for p in d.paragraphs]
    start = texts.index("资料来源")
    assert texts[start + 1:start + 3] == [f"[1] {T2} › 二、主要做法 › （一）以港兴城",
                                          f"[2] {T1} › 二、主要做法 › （二）背街小巷微改造"]
    assert "开封：对背街小巷实施微改造。[2]" in texts


# -- comparison tables from the chat (issue 16) ---------------------------------------------------
TABLE = ("| 地方 | 思路 | 主要做法 |\n|---|---|---|\n"
         "| 洛阳 | 实施老旧小区改造。[1] | 资料未提及 |\n"
         "| 开封 | 资料未提及 | 对背街小巷实施微改造。[3][2] |")


def _with_table() -> Outline:
    o = _outline()
    o.sections.append({"heading": "三、差距与启示", "points": [{"text": TABLE, "citations": [1, 3, 2]}]})
    return o


def test_a_markdown_table_becomes_a_word_table_with_superscript_citations(tmp_path):
    d = docx.Document(str(to_docx(_with_table(), tmp_path / "t.docx")))
    assert len(d.tables) == 1
    t = d.tables[0]
    cells = [[c.text for c in row.cells] for row in t.rows]
    # numbered by first use over the whole text: [1] 洛阳 (基本情况), [2] 周口港, [3] 开封 — the table's
    # [3][2] are the old [3] → 3 and old [2] → 2, as in the paragraphs above it
    assert cells == [["地方", "思路", "主要做法"],
                     ["洛阳", "实施老旧小区改造。[1]", "资料未提及"],
                     ["开封", "资料未提及", "对背街小巷实施微改造。[3][2]"]]
    assert t.style.name == "Table Grid"
    head = t.cell(0, 1).paragraphs[0].runs[0]
    assert _east_asia(head) == "黑体" and head.font.size.pt == 12
    marks = [r for r in t.cell(2, 2).paragraphs[0].runs if r.text in ("[3]", "[2]")]
    assert [r.text for r in marks] == ["[3]", "[2]"] and all(r.font.superscript for r in marks)
    assert _east_asia(t.cell(1, 1).paragraphs[0].runs[0]) == "仿宋_GB2312"
    assert t.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None  # header repeats on every page
    assert not any(p.text.startswith("|") for p in d.paragraphs)  # no pipes left as text
    texts = [p.text for p in d.paragraphs]
    assert texts[texts.index("资料来源") + 3] == f"[3] {T1} › 二、主要做法 › （二）背街小巷微改造"


def test_markdown_round_trip_keeps_the_table_as_one_point():
    o = _with_table()
    md = to_markdown(o)
    assert "\n| 开封 | 资料未提及 | 对背街小巷实施微改造。[^3][^2] |\n" in md and "- | 地方" not in md
    back = from_markdown(md)
    table = back["sections"][2]["points"]
    assert len(table) == 1 and table[0]["text"] == TABLE and sorted(set(table[0]["citations"])) == [1, 2, 3]
    assert to_markdown(Outline(back["title"], back["sections"], o.citations)) == md


def test_a_chat_answer_goes_into_the_chosen_section_with_its_sources(tmp_path):
    from kaocha_rag.draft.export import with_answer

    answer = {"query": "洛阳和开封有什么不同", "answer": "对比如下（共检索 10 份报告）：\n\n" + TABLE.replace("[3][2]", "[2]"),
              "citations": [_cite(1, T1, ["一、基本情况"], "洛阳市实施老旧小区改造。", "a#1"),
                            _cite(2, T1, ["二、主要做法"], "开封市对背街小巷实施微改造。", "a#9")]}
    base = _outline()
    merged = with_answer(base, answer, "差距与启示")
    assert [s["heading"] for s in merged.sections] == ["一、基本情况", "二、主要做法与经验", "三、差距与启示"]
    point = merged.sections[2]["points"][0]
    # a#1 is already the draft's [1]: one passage keeps one number; a#9 is new and comes next
    assert point["text"] == TABLE.replace("[3][2]", "[4]") and [c["chunk_id"] for c in merged.citations] == [
        "a#1", "b#4", "a#7", "a#9"]
    d = docx.Document(str(to_docx(merged, tmp_path / "m.docx")))
    assert [c.text for c in d.tables[0].rows[2].cells] == ["开封", "资料未提及", "对背街小巷实施微改造。[4]"]
    # a list answer: one point per cited line, into an existing section, after what is there
    listed = {"answer": "共检索 10 份报告，其中 1 份有相关内容：\n- 《甲》：洛阳实施老旧小区改造。[1]",
              "citations": answer["citations"][:1]}
    again = with_answer(merged, listed, "主要做法与经验")
    assert [p["text"] for p in again.sections[1]["points"]][-1] == "《甲》：洛阳实施老旧小区改造。[1]"
    assert len(again.sections[1]["points"]) == 4
