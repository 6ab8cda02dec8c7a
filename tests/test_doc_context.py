"""Long documents (issue 15, item 4): every passage is searched with its document's context, a file
name that means nothing is never indexed as a title, and a document-level keyword score is fused."""
import numpy as np
import pytest

from kaocha_rag.index.passage import doc_leads, indexed_text
from kaocha_rag.ingest.chunk import chunk_text, lead_line, meaningful_title


@pytest.mark.parametrize("title, ok", [
    ("d41d8cd98f00b204e9800998ecf8427e", False),  # a 32-hex id, as in the public notices set
    ("3F2504E0-4F89-11D3-9A0C-0305E82C3301", False),
    ("000_d688bad86ca44f67", False),  # the bundled seeds' file names
    ("新建文档(3)", False), ("新建 Microsoft Word 文档", False), ("新建文本文档 (2)", False),
    ("未命名", False), ("文档1", False), ("Document1", False), ("scan_0001", False), ("20240315", False),
    ("赴洛阳考察报告", True), ("2024年政府工作报告", True), ("关于印发《海淀区人才公寓申请办法》的通知", True),
    ("Annual report", True), ("周口", True),
])
def test_meaningful_title(title, ok):
    assert meaningful_title(title) is ok


def test_lead_line_is_the_first_sentence_kept_short():
    assert lead_line("海淀区人力资源和社会保障局关于开展2024年人才公寓申请工作的通知。各街道：为做好……") \
        == "海淀区人力资源和社会保障局关于开展2024年人才公寓申请工作的通知"
    assert len(lead_line("甲" * 300)) == 60
    assert lead_line("  \n一、总则\n第一条 为了规范管理") == "一、总则"
    assert lead_line("各有关单位：\n海淀区人社局决定开展配租工作，通知如下。") == "海淀区人社局决定开展配租工作，通知如下"


# No title line (it opens with the addressee), as the public notices the issue describes: the issuing
# body and the subject are stated once, in the first sentence.
NOTICE = ("各有关单位：\n{place}人力资源和社会保障局决定开展2024年度人才公寓配租工作，现将有关事项通知如下。\n"
          "一、申请条件\n" + "申请人须在本区缴纳社会保险满12个月，本人及配偶在本市无自有住房。" * 8 + "\n"
          "二、申请步骤\n" + "（一）网上填报申请表并上传材料。（二）单位审核后报区人才办复核。（三）公示5个工作日。" * 6 + "\n")


def test_a_passage_from_the_middle_carries_its_documents_context():
    """A file with no title line and a hex name: its chunks are indexed under the lead sentence
    (issuing body, subject), never under the hex id, and the displayed text is the passage alone."""
    name = "d41d8cd98f00b204e9800998ecf8427e.txt"
    docs = chunk_text(NOTICE.format(place="海淀区"), name, max_tokens=200, min_tokens=20)
    chunks = [c for d in docs for c in d.chunks]
    assert len(chunks) >= 3
    leads = doc_leads(chunks)
    middle = [c for c in chunks if "申请步骤" in " ".join(c.section)][-1]
    text = indexed_text(middle.title, middle.section, middle.norm, lead=leads[middle.doc_id])
    assert "海淀区人力资源和社会保障局" in text and "d41d8cd98f" not in text
    assert "海淀区" not in middle.text  # the context is indexed, not shown
    # a passage whose indexed text changes gets another vector id: re-embedded, never a stale vector
    other = [c for d in chunk_text(NOTICE.format(place="朝阳区"), name, max_tokens=200, min_tokens=20)
             for c in d.chunks]
    step = [c for c in other if c.norm == middle.norm]
    assert step and step[0].hash != middle.hash


def test_titled_report_keeps_its_indexed_text():
    """A report with a real title: indexed as before (title › headings), so its vectors are reused."""
    docs = chunk_text("赴甲市考察报告\n一、基本情况\n甲市港口年吞吐能力5000万吨。", "甲.txt")
    c = docs[0].chunks[0]
    assert indexed_text(c.title, c.section, c.norm, lead=doc_leads([c])[c.doc_id]) \
        == indexed_text(c.title, c.section, c.norm) == "赴甲市考察报告 › 一、基本情况\n" + c.norm


def test_search_finds_the_notice_of_the_district_asked(settings_factory, tmp_path):
    """Two notices identical but for the district named at the top: asked for 朝阳区's steps, the
    search returns 朝阳区's step passage first though that passage never names the district."""
    from kaocha_rag.answer.retrieve import search
    from kaocha_rag.index.embed import get_embedder
    from kaocha_rag.index.index import Index

    fresh_index = Index(settings_factory(chunk_max_tokens=200, chunk_min_tokens=20),
                        embedder=get_embedder(settings_factory()))
    for i, place in enumerate(["海淀区", "朝阳区", "丰台区"]):
        (tmp_path / f"{i:x}{'0' * 31}.txt").write_text(NOTICE.format(place=place), encoding="utf-8")
    reports = fresh_index.ingest([tmp_path])
    assert all(r.status == "added" for r in reports), reports
    for place in ["朝阳区", "丰台区", "海淀区"]:
        hits = search(f"{place}人才公寓申请步骤有哪些", 3, index=fresh_index)
        first = hits[0].chunk
        assert place in fresh_index.chunk(first["doc_id"] + "-1")["text"], (place, first["source"])
        assert "申请步骤" in " ".join(first["section"]) and place not in first["text"]


class TwoDocs:
    """Two documents held in memory whose passage "p" is word for word the same; only the first
    document's other passage holds the rest of the question (a long notice's subject lives elsewhere)."""

    def __init__(self, embedder, doc_weight):
        from kaocha_rag.index.keyword import BM25
        from kaocha_rag.ingest.clean import normalize
        from kaocha_rag.settings import Settings

        rows = [("b-1", "b", "申请人持身份证到窗口办理，5个工作日内办结。"), ("b-2", "b", "体育场馆夜间免费开放，市民可预约羽毛球场地。"),
                ("a-1", "a", "申请人持身份证到窗口办理，5个工作日内办结。"), ("a-2", "a", "人才公寓配租面向新引进的高层次人才，租金按市场价六折。")]
        self.settings = Settings(doc_weight=doc_weight)
        self.embedder = embedder
        self.chunks = [{"chunk_id": cid, "doc_id": doc, "title": "", "section": [], "source": f"{doc}.txt",
                        "text": t, "norm": normalize(t), "role": "", "vec_id": cid} for cid, doc, t in rows]
        self.bm25 = BM25([c["norm"] for c in self.chunks])
        self.docs = BM25(["\n".join(c["norm"] for c in self.chunks if c["doc_id"] == d) for d in ("b", "a")])
        vec = np.asarray(embedder.embed_passages([c["norm"] for c in self.chunks]), dtype=np.float32)
        self.matrix = vec / np.linalg.norm(vec, axis=1, keepdims=True)

    def keyword(self):
        return self.bm25, self.chunks

    def doc_keyword(self):
        return self.docs, np.array([0, 0, 1, 1])

    def vectors(self, chunks):
        return self.matrix


def test_the_passage_whose_document_is_about_the_question_ranks_first(settings_factory):
    from kaocha_rag.answer.retrieve import search
    from kaocha_rag.index.embed import get_embedder

    emb = get_embedder(settings_factory())
    q = "人才公寓申请人到窗口办理要几个工作日"
    fused = search(q, 4, index=TwoDocs(emb, 0.15), dedup=False)
    assert fused[0].chunk["chunk_id"] == "a-1"
    plain = search(q, 4, index=TwoDocs(emb, 0.0), dedup=False)
    assert plain[0].chunk["chunk_id"] == "b-1"  # a tie on the passage alone: manifest order decides
    assert fused[0].score == plain[0].score  # the reported relevance is the passage's own
