"""Passage roles (issue 14, item 2): typed at ingest from the heading path or the wording,
stored with the chunk, readable from an older manifest, usable as a search filter."""
import json
import sqlite3

from kaocha_rag.ingest import roles
from kaocha_rag.ingest.chunk import chunk_text
from kaocha_rag.index.manifest import Manifest
from kaocha_rag.answer.retrieve import search


def test_role_from_heading_path():
    assert roles.role_of(["一、深学:学到什么", "(一)突出产业强市"]) == roles.PRACTICE
    assert roles.role_of(["三、笃行:该怎么干", "(七)某某树品牌"]) == roles.PLAN
    assert roles.role_of(["二、细悟:悟到什么"]) == roles.LESSON
    assert roles.role_of(["一、基本情况", "（二）基础设施等配套功能比较健全"]) == roles.OVERVIEW
    assert roles.role_of(["四、几点建议"]) == roles.PLAN
    assert roles.role_of(["三、存在的主要问题"]) == roles.PROBLEM
    assert roles.role_of(["二、取得的成效"]) == roles.RESULT
    # a heading naming two roles is settled below it
    assert roles.role_of(["三、启示与下步打算", "(一)须进一步加大招商引资力度"]) == roles.PLAN
    assert roles.role_of(["三、启示与下步打算", "(一)深刻体会到差距"]) == roles.LESSON


def test_points_of_an_impressions_chapter_are_what_the_places_did():
    """An overview chapter (整体印象, 主要特点) lists practices and results point by point."""
    assert roles.role_of(["一、学习考察的整体印象", "(五)奖惩严格"],
                         "该县实行干部实绩考核，建立末位淘汰制度，推行一票否决。") == roles.PRACTICE
    assert roles.role_of(["二、几个鲜明特点", "（一）经济发展速度快"],
                         "去年地区生产总值同比增长12%，财政收入实现翻番，位居全省首位。") == roles.RESULT
    assert roles.role_of(["一、主要特点", "（三）做法灵活"], "") == roles.PRACTICE  # the deeper heading says so
    assert roles.role_of(["一、基本情况", "（一）区位"], "该市位于沿海，面积2000平方公里，常住人口300万。") == roles.OVERVIEW
    # a plan worded inside an overview still describes the visited place
    assert roles.role_of(["一、基本情况", "（四）产业特色突出"], "该市要进一步加快建设，力争三年翻番。") == roles.OVERVIEW


def test_role_from_wording_where_headings_say_nothing():
    assert roles.role_of([], "根据县委安排，考察团一行赴某地考察，该县位于平原，面积1000平方公里。") == roles.OVERVIEW
    assert roles.role_of(["一、思想有多远"], "下一步，我们将切实加快建设，必须进一步强化招商，建议设立专项资金。") == roles.PLAN
    assert roles.role_of(["二、大量实践表明"], "该市坚持规划先行，推行网格化管理，建立联席会议制度，实施项目化推进。") == roles.PRACTICE


def test_chunks_carry_their_role():
    text = "关于赴某地考察的报告\n一、主要做法\n某市坚持规划先行，推行网格化管理，建立联席会议制度。\n" \
           "二、下一步打算\n我们将加快建设，建议设立专项资金，切实推进改造。\n"
    docs = chunk_text(text, "x.txt", min_tokens=1)
    got = {c.section[0]: c.role for d in docs for c in d.chunks if c.section}
    assert got == {"一、主要做法": roles.PRACTICE, "二、下一步打算": roles.PLAN}


def test_manifest_from_before_roles_still_reads(tmp_path):
    path = tmp_path / "manifest.sqlite"
    db = sqlite3.connect(path)  # the schema as it was before passages had roles
    db.executescript("""
    CREATE TABLE chunks(chunk_id TEXT PRIMARY KEY, vec_id TEXT UNIQUE, doc_id TEXT, source TEXT, title TEXT,
      section TEXT, text TEXT, norm TEXT, start INTEGER, "end" INTEGER, hash TEXT, duplicate_of TEXT, ord INTEGER);""")
    db.execute("INSERT INTO chunks VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)",
               ("d-1-1", "v1", "d-1", "x.txt", "t", json.dumps(["三、笃行:该怎么干"], ensure_ascii=False), "要加快建设。",
                "要加快建设。", 0, 6, "h", None, 0))
    db.commit()
    db.close()
    m = Manifest(path)
    [row] = m.chunks()
    assert row["role"] == roles.PLAN  # computed on read for a row written before roles
    assert "role" in {r[1] for r in m.db.execute("PRAGMA table_info(chunks)")}
    m.close()


def test_search_filters_by_role(corpus_index):
    plans = search("城市建设", 8, index=corpus_index, roles=[roles.PLAN])
    assert plans and all(h.chunk["role"] == roles.PLAN for h in plans)
    done = search("城市建设", 8, index=corpus_index, roles=[roles.PRACTICE, roles.RESULT])
    assert done and all(h.chunk["role"] in (roles.PRACTICE, roles.RESULT) for h in done)
    assert {h.chunk["chunk_id"] for h in plans}.isdisjoint(h.chunk["chunk_id"] for h in done)


def test_every_indexed_passage_has_a_role(corpus_index):
    _, chunks = corpus_index.keyword()
    assert {c["role"] for c in chunks} <= set(roles.ROLES)
    by_head = {c["section"][0]: c["role"] for c in chunks if c["section"]}
    assert by_head["一、深学:学到什么"] == roles.PRACTICE
    assert by_head["三、笃行:该怎么干"] == roles.PLAN
