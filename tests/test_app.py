import pytest


@pytest.fixture(scope="module")
def client(corpus_index):
    from gradio_client import Client

    from kaocha_rag.ui import build

    demo = build(corpus_index)
    demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=None)
    yield Client(demo.local_url, verbose=False)
    demo.close()


def test_ask_returns_answer_with_sources(client):
    chat, q, sources = client.predict("周口港的吞吐能力是多少？", [], api_name="/ask")
    assert "5000万吨" in str(chat) and "<mark>" in sources and "[1]" in sources


def test_ask_escapes_markup(client):
    chat, q, sources = client.predict("<script>alert(1)</script>周口港吞吐能力", [], api_name="/ask")
    assert "<script>" not in sources


def test_outline_and_export(client):
    md = client.predict("城市更新", "洛阳,开封", api_name="/outline")
    assert "## 二、主要做法与经验" in md and "【待补充" in md
    path = client.predict(md, api_name="/export_docx")
    import docx

    d = docx.Document(path)
    assert any("主要做法与经验" in p.text for p in d.paragraphs)


def test_delete_unknown_is_a_clear_message(client):
    rows, status = client.predict("不存在的文件.txt", api_name="/delete")
    assert "没有找到" in status
