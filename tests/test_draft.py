import re

import pytest

from kaocha_rag.draft import outline
from kaocha_rag.export import from_markdown, to_docx, to_markdown
from kaocha_rag.split import containment, shingles

from conftest import llm_settings


@pytest.mark.parametrize("topic, regions", [("城市更新", ["洛阳", "开封"]), ("招商引资", []), ("职业教育", [])])
def test_outline_structure_and_citations(corpus_index, topic, regions):
    o = outline(topic, index=corpus_index, regions=regions)
    assert o.grounded
    assert [s["heading"] for s in o.sections] == ["一、基本情况", "二、主要做法与经验", "三、差距与启示", "四、下一步打算和建议"]
    by_n = {c["n"]: c for c in o.citations}
    for s in o.sections:
        for p in s["points"]:
            if not p["citations"]:
                assert p["text"].startswith("【待补充：")
                continue
            for n in p["citations"]:
                # the point's sentence is quoted from the passage it cites
                body = p["text"].split("：", 1)[-1]
                assert containment(shingles(body), shingles(by_n[n]["text"])) >= 0.8  # unrelated passages share < 0.05
    assert any(p["citations"] for p in o.sections[1]["points"])


def test_uncovered_topic_says_so(corpus_index):
    o = outline("数字人民币试点", index=corpus_index)
    assert o.grounded is False and o.sections == [] and o.citations == []
    assert "资料中没有找到" in o.notes[0]


def test_docx_and_markdown_export(corpus_index, tmp_path):
    import docx

    o = outline("招商引资", index=corpus_index)
    path = to_docx(o, tmp_path / "r.docx")
    d = docx.Document(path)
    texts = [p.text for p in d.paragraphs]
    assert texts[0] == o.title
    assert "二、主要做法与经验" in texts and "参考资料" in texts
    assert sum(1 for t in texts if re.match(r"\[\d+\] 《", t)) == len(o.citations)
    md = to_markdown(o)
    back = from_markdown(md)
    assert back["title"] == o.title
    assert [s["heading"] for s in back["sections"]] == [s["heading"] for s in o.sections]
    assert [[p["citations"] for p in s["points"]] for s in back["sections"]] == \
           [[p["citations"] for p in s["points"]] for s in o.sections]
    assert [c["chunk_id"] for c in back["citations"]] == [c["chunk_id"] for c in o.citations]


def _fake_model(index, fake):
    from kaocha_rag.llm import chat_model

    return chat_model(llm_settings(index, fake, llm="openai"))


def test_llm_draft_is_checked_like_an_answer(corpus_index, fake):
    from kaocha_rag.draft import draft_section, merge_section

    def reply(body):  # cites whichever passage the prompt numbered as the 周口港 one
        prompt = body["messages"][-1]["content"]
        n = re.search(r"\[(\d+)\] 《[^\n]*\n[^\[]*年设计吞吐能力5000万吨", prompt).group(1)
        return (f"（一）以港兴城。周口中心港年设计吞吐能力5000万吨[{n}]。\n"
                f"（二）开放合作。已开通国际集装箱航线80条[{n}][17]。")

    fake.reply = reply
    part = draft_section("主要做法与经验", "港口建设", index=corpus_index, model=_fake_model(corpus_index, fake))
    prompt = fake.requests[-1]["body"]["messages"][-1]["content"]
    assert "港口建设" in prompt and "主要做法与经验" in prompt and "<资料>" in prompt
    assert [p["citations"] for p in part.sections[0]["points"]] == [[1], [1]]
    assert "[17]" not in part.sections[0]["points"][1]["text"]  # only passages in the prompt can be cited
    assert any("80条" in n for n in part.notes)  # the invented number is reported
    cited = part.citations[0]["text"]
    assert "5000万吨" in cited
    merged = merge_section(outline("港口建设", index=corpus_index), part)
    body = [s for s in merged.sections if s["heading"].endswith("主要做法与经验")][0]
    assert body["points"][0]["text"].startswith("（一）以港兴城")
    fake.reply = "资料编号：[1]"  # says nothing: the offline draft takes over, with a note
    part = draft_section("主要做法与经验", "港口建设", index=corpus_index, model=_fake_model(corpus_index, fake))
    assert "大模型的稿子没有有效引用，已改用离线拼写" in part.notes and part.sections[0]["points"]
