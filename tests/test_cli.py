"""The CLI contracts (cli.py's docstring; outside checks rely on these shapes): chunks, search, ask,
outline and reports, each run in-process through ``cli.main(argv)``, and each once more through the
installed ``kaocha-rag`` console script in a process of its own (the five started at once)."""
import json
import os
import shutil
import subprocess
import sys

import pytest

from kaocha_rag.app.cli import main

from conftest import SEEDS

Q = "周口港的吞吐能力是多少？"
REFUSED = "考察团在苏州工业园区看到了哪些中新合作项目？"
HIT = {"rank", "score", "chunk_id", "doc_id", "title", "section", "source", "text"}
CITATION = {"n", "chunk_id", "title", "section", "text", "doc_id", "source", "score"}
ANSWER = {"query", "answer", "grounded", "mode", "citations", "unsupported", "status", "understood"}
REPORT = ["doc_id", "title", "places", "units", "date", "delegation", "source"]
HEADINGS = ["一、基本情况", "二、主要做法与经验", "三、差距与启示", "四、下一步打算和建议"]
CHUNKS_FILE = SEEDS["003_b7bc17034cca5bf0.txt"]

# one command per contract, as the console-script test runs them
CONTRACTS = {
    "chunks": ["chunks", str(CHUNKS_FILE), "--json"],
    "search": ["search", Q, "--k", "5", "--json"],
    "ask": ["ask", Q, "--json"],
    "outline": ["outline", "城市更新", "--regions", "洛阳,开封", "--json"],
    "reports": ["reports", "--json"],
}


# -- what each contract's output must be ----------------------------------------------------------
def check_chunks(out: str, index) -> None:
    data = json.loads(out)
    assert set(data) == {"source", "documents"} and data["source"] == CHUNKS_FILE.name
    doc = data["documents"][0]
    assert set(doc) == {"doc_id", "title", "duplicate_of", "chunks"}
    assert set(doc["chunks"][0]) == {"chunk_id", "section", "text", "start", "end"}
    raw = CHUNKS_FILE.read_text(encoding="utf-8")
    c = doc["chunks"][1]
    assert raw[c["start"]:c["end"]] == c["text"]


def check_search(out: str, index) -> None:
    data = json.loads(out)
    assert data["query"] == Q and len(data["hits"]) == 5
    assert all(set(h) == HIT for h in data["hits"])
    assert [h["rank"] for h in data["hits"]] == [1, 2, 3, 4, 5]
    assert "5000万吨" in data["hits"][0]["text"]


def check_ask(out: str, index) -> None:
    d = json.loads(out)
    assert set(d) == ANSWER and d["query"] == Q
    assert (d["status"], d["grounded"], d["mode"], d["unsupported"]) == ("answered", True, "extractive", [])
    assert d["understood"] == {"entities": ["周口港"], "time": [], "metric": ["吞吐能力"]}
    assert "年设计吞吐能力5000万吨" in d["answer"] and d["answer"].endswith("[1]")
    assert [c["n"] for c in d["citations"]] == [1] and set(d["citations"][0]) == CITATION
    assert "5000万吨" in d["citations"][0]["text"]


def check_outline(out: str, index) -> None:
    d = json.loads(out)
    assert set(d) == {"title", "sections", "citations", "grounded", "notes"}
    assert d["title"] == "关于赴洛阳、开封学习考察城市更新工作的报告" and d["grounded"] is True and d["notes"] == []
    assert [s["heading"] for s in d["sections"]] == HEADINGS
    assert all(set(s) == {"heading", "points"} for s in d["sections"])
    points = [p for s in d["sections"] for p in s["points"]]
    assert all(set(p) == {"text", "citations"} for p in points)
    assert all(set(c) == CITATION for c in d["citations"])
    # every number a point cites is listed, and every listed citation is cited
    assert {n for p in points for n in p["citations"]} == {c["n"] for c in d["citations"]}


def check_reports(out: str, index) -> None:
    from kaocha_rag.index.catalog import catalogue

    rows = json.loads(out)
    cat = catalogue(index)
    assert len(rows) == len(cat) == 11
    for row, r in zip(rows, cat):
        assert list(row) == REPORT
        assert isinstance(row["places"], list) and isinstance(row["units"], list)
        assert all(isinstance(row[k], str) for k in ("doc_id", "title", "date", "delegation", "source"))
        assert row == r.contract()


CHECK = {"chunks": check_chunks, "search": check_search, "ask": check_ask, "outline": check_outline,
         "reports": check_reports}


# -- in-process, through main(argv) ---------------------------------------------------------------
@pytest.fixture()
def cli(corpus_index, capsys, monkeypatch):
    """Run ``kaocha-rag ARGV`` in this process against the corpus index: (exit code, stdout, stderr)."""
    monkeypatch.setenv("KAOCHA_DATA_DIR", str(corpus_index.settings.data_dir))

    def run(*argv: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.mark.parametrize("name", ["chunks", "search", "reports"])
def test_contract_in_process(cli, corpus_index, name):
    code, out, _ = cli(*CONTRACTS[name])
    assert code == 0
    CHECK[name](out, corpus_index)


def test_search_on_an_empty_library_says_so(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("KAOCHA_DATA_DIR", str(tmp_path / "empty"))
    assert main(["search", "周口港", "--json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out) == {"query": "周口港", "hits": []}  # the contract's shape, on stdout
    assert err.strip() == "资料库里还没有任何报告。请先导入报告：在“资料库”页上传文件，或运行 kaocha-rag ingest corpus/。"


def test_search_queries_file(cli, tmp_path):
    q = tmp_path / "q.txt"
    q.write_text(f"{Q}\n\n崂山区去年的地方财政收入是多少？\n", encoding="utf-8")
    code, out, _ = cli("search", "--queries", str(q), "--k", "2", "--json")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [r["query"] for r in rows] == [Q, "崂山区去年的地方财政收入是多少？"]
    assert [len(r["hits"]) for r in rows] == [2, 2]


def test_ask_queries_file_one_line_per_question(cli, corpus_index, tmp_path):
    q = tmp_path / "q.txt"
    q.write_text(f"{Q}\n\n{REFUSED}\n", encoding="utf-8")
    code, out, _ = cli("ask", "--queries", str(q), "--json")
    first, second = out.splitlines()
    assert code == 0
    check_ask(first, corpus_index)  # the same object as `ask Q --json`
    second = json.loads(second)
    assert set(second) == ANSWER
    assert (second["query"], second["status"], second["grounded"], second["citations"]) == (REFUSED, "refused", False, [])
    assert second["answer"].startswith(f"资料中没有找到能回答“{REFUSED}”的内容。")


def test_outline_json_markdown_and_docx(cli, corpus_index, tmp_path):
    import docx

    from kaocha_rag.draft.export import from_markdown

    md, dx = tmp_path / "o.md", tmp_path / "o.docx"
    code, out, _ = cli(*CONTRACTS["outline"], "--md", str(md), "--docx", str(dx))
    assert code == 0
    check_outline(out, corpus_index)
    o = json.loads(out)
    back = from_markdown(md.read_text(encoding="utf-8"))
    assert back["title"] == o["title"] and [s["heading"] for s in back["sections"]] == HEADINGS
    assert [[p["citations"] for p in s["points"]] for s in back["sections"]] == \
           [[p["citations"] for p in s["points"]] for s in o["sections"]]
    texts = [p.text for p in docx.Document(str(dx)).paragraphs]
    assert texts[0] == o["title"] and "二、主要做法与经验" in texts and "资料来源" in texts


def test_reports_table(cli):
    code, out, _ = cli("reports")
    assert code == 0
    assert "考察地点" in out and "2024年11月23日至30日" in out and "共 11 篇报告" in out


@pytest.mark.parametrize("argv", [["search", "--json"], ["ask", "--json"]])
def test_no_question_is_a_usage_error(cli, argv):
    assert cli(*argv) == (2, "", "请给出问题，或用 --queries FILE\n")


# -- the installed console script, one real process per contract ---------------------------------
@pytest.fixture(scope="module")
def console(corpus_index, tmp_path_factory):
    """`kaocha-rag …` for each contract, all started together (each loads what it needs itself)."""
    exe = shutil.which("kaocha-rag", path=os.path.dirname(sys.executable)) or shutil.which("kaocha-rag")
    assert exe, "找不到 kaocha-rag 命令：先运行 bash scripts/setup.sh（pip install -e .）"
    env = {**os.environ, "KAOCHA_DATA_DIR": str(corpus_index.settings.data_dir)}
    cwd = tmp_path_factory.mktemp("console")
    procs = {name: subprocess.Popen([exe, *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                    env=env, cwd=cwd) for name, argv in CONTRACTS.items()}
    yield procs
    for p in procs.values():
        if p.poll() is None:
            p.kill()
            p.communicate()


@pytest.mark.parametrize("name", sorted(CONTRACTS))
def test_contract_through_console_script(console, corpus_index, name):
    out, err = console[name].communicate(timeout=600)
    assert console[name].returncode == 0, err[-2000:]
    CHECK[name](out, corpus_index)
