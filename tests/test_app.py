"""API tests: every event of the app through gradio_client against a real launched server."""
import pytest



@pytest.fixture(scope="module")
def app(corpus_index):
    from kaocha_rag.app.ui import build, launch_kwargs

    demo = build(corpus_index)
    demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=None, **launch_kwargs())
    yield demo.local_url
    demo.close()


@pytest.fixture()
def client(app):
    from gradio_client import Client

    return Client(app, verbose=False)  # one client = one browser session


def text(msg) -> str:
    """Gradio 6 returns a message's content as [{"type": "text", "text": ...}]."""
    c = msg["content"]
    return c if isinstance(c, str) else "".join(part.get("text", "") for part in c)


def test_ask_returns_answer_with_linked_citations_and_sources(client):
    chat, q, sources = client.predict("周口港的吞吐能力是多少？", [], api_name="/ask")
    answer = text(chat[-1])
    assert "5000万吨" in answer and "(#cite-1-1)" in answer and q == ""
    assert "id='cite-1-1'" in sources and "<mark>" in sources and "《市党政考察团赴三市考察学习情况报告" in sources


def test_ask_escapes_markup_from_the_user(client):
    chat, _, sources = client.predict("<script>alert(1)</script>周口港吞吐能力", [], api_name="/ask")
    assert "<script>" not in str(chat) and "<script>" not in sources
    assert "&lt;script&gt;" in text(chat[0])


def test_refusal_shows_nearest_leads(client):
    chat, _, sources = client.predict("考察团在苏州工业园区看到了哪些中新合作项目？", [], api_name="/ask")
    assert "资料中没有找到" in text(chat[-1]) and "最接近的资料" in sources


def test_follow_up_uses_this_sessions_history(client):
    client.predict("洛阳怎么发展文旅？", [], api_name="/ask")
    chat, _, sources = client.predict("那开封呢？", [], api_name="/ask")
    assert len(chat) == 4 and "开封" in text(chat[-1]) and "第 2 问" in sources


def test_two_sessions_keep_separate_histories(app):
    from gradio_client import Client

    a, b = Client(app, verbose=False), Client(app, verbose=False)
    a.predict("周口港的吞吐能力是多少？", [], api_name="/ask")
    chat_b, _, _ = b.predict("厦门市共有多少个重点工业园区？", [], api_name="/ask")
    chat_a, _, _ = a.predict("洛阳怎么发展文旅？", [], api_name="/ask")
    assert [text(m) for m in chat_b if m["role"] == "user"] == ["厦门市共有多少个重点工业园区？"]
    assert [text(m) for m in chat_a if m["role"] == "user"] == ["周口港的吞吐能力是多少？", "洛阳怎么发展文旅？"]


def test_report_filter_narrows_search(client):
    chat, _, sources = client.predict("招商引资", ["004_a43456356f896553-1"], api_name="/ask")
    import re

    cited = set(re.findall(r"\(#cite-1-(\d+)\)", text(chat[-1])))
    assert sources.count("class='cite'") == len(cited) == 1  # one card per [n] of the answer
    titles = {t.strip() for t in re.findall(r"\] 《([^》›]+)", sources)}
    assert titles == {"市党政代表团外出考察工作总结"}, titles  # the one report chosen


def test_clear(client):
    client.predict("周口港的吞吐能力是多少？", [], api_name="/ask")
    chat, sources = client.predict(api_name="/clear")
    assert chat == [] and "提问后" in sources


def test_outline_then_section_merges_into_the_draft(client):
    md, = [client.predict("城市更新", "洛阳,开封", api_name="/outline")]
    assert "## 二、主要做法与经验" in md and "【待补充" in md
    merged = client.predict("城市更新", "主要做法与经验", api_name="/draft_section")
    assert merged.count("## 二、主要做法与经验") == 1 and "- （一）" in merged and "## 三、差距与启示" in merged
    import re

    used = {int(n) for n in re.findall(r"\[\^(\d+)\](?!:)", merged)}
    listed = {int(n) for n in re.findall(r"^\[\^(\d+)\]:", merged, flags=re.M)}
    assert used == listed  # every footnote used in the text is listed, and only those
    path = client.predict(merged, api_name="/export_docx")
    import docx

    text = "\n".join(p.text for p in docx.Document(path).paragraphs)
    assert "主要做法与经验" in text and "参考资料" in text
    assert open(client.predict(merged, api_name="/export_md"), encoding="utf-8").read() == merged


def test_export_without_a_draft_is_a_clear_error(client):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="^还没有稿子：先生成提纲或起草一个部分$"):
        client.predict("", api_name="/export_docx")


def test_upload_list_delete(client, tmp_path, corpus_index):
    from gradio_client import handle_file

    good = tmp_path / "api上传.txt"
    good.write_text("关于赴戊地考察的报告\n一、基本情况\n戊地建成口袋公园48个。", encoding="utf-8")
    empty = tmp_path / "空文件.txt"
    empty.write_bytes(b"")
    try:
        result, docs, target, filt, status = client.predict([handle_file(str(good)), handle_file(str(empty))],
                                                            api_name="/upload")
        rows = {r[0]: r for r in result["data"]}
        assert rows["api上传.txt"][1] == "已加入" and rows["空文件.txt"][1] == "失败" and "空" in rows["空文件.txt"][4]
        assert any(r[1] == "关于赴戊地考察的报告" for r in docs["data"]) and status.endswith("1 个成功，1 个失败")
        docs, target, filt, status = client.predict("api上传.txt", api_name="/delete")
        assert status == "已删除：api上传-1" and not any("戊地" in r[1] for r in docs["data"])
    finally:
        if any(d["source"] == "api上传.txt" for d in corpus_index.documents()):
            corpus_index.remove("api上传.txt")


def test_library_table_is_the_catalogue_and_follows_uploads(client, tmp_path, corpus_index):
    from gradio_client import handle_file

    docs, *_ = client.predict("", api_name="/delete")  # nothing chosen: only refreshes the table
    assert docs["headers"] == ["doc_id", "标题", "考察地点", "考察单位", "时间", "带队", "文件", "段数"]
    rows = {r[0]: r for r in docs["data"]}
    assert "嘉善县" in rows["002_a122407d536cf881-1"][2] and rows["002_a122407d536cf881-1"][6] == "002_a122407d536cf881.txt"
    r = rows["000_d688bad86ca44f67-4"]
    assert "承德一中" in r[3] and r[4] == "2024年6月20-23日" and "郑书记" in r[5]
    assert rows["004_a43456356f896553-1"][2] == "" and rows["004_a43456356f896553-1"][4] == "6月7日至6月10日"
    new = tmp_path / "目录上传.txt"
    new.write_text("关于赴合肥考察的报告\n2024年5月6日至8日，县考察团赴合肥考察学习。\n一、基本情况\n合肥建成口袋公园20个。",
                   encoding="utf-8")
    try:
        _, docs, *_ = client.predict([handle_file(str(new))], api_name="/upload")
        row = next(r for r in docs["data"] if r[6] == "目录上传.txt")
        assert row[1:6] == ["关于赴合肥考察的报告", "合肥", "", "2024年5月6日至8日", "县考察团"]
        docs, *_ = client.predict("目录上传.txt", api_name="/delete")
        assert not any(r[6] == "目录上传.txt" for r in docs["data"])
    finally:
        if any(d["source"] == "目录上传.txt" for d in corpus_index.documents()):
            corpus_index.remove("目录上传.txt")


def test_delete_unknown_is_a_clear_message(client):
    *_, status = client.predict("不存在的文件.txt", api_name="/delete")
    assert "没有找到" in status


@pytest.mark.parametrize("name, shown", [
    ("../../etc/passwd.txt", "passwd.txt"),
    ("C:\\Users\\张三\\报告.docx", "报告.docx"),
    ("报\x00告\x1b.txt", "报_告_.txt"),
    ("长" * 300 + ".txt", "长" * 60 + "…" + "长" * 55 + ".txt"),
    ("", "未命名"),
])
def test_safe_upload_name(name, shown):
    from kaocha_rag.app.ui import safe_upload_name

    assert safe_upload_name(name) == shown


def test_session_settings_switch_this_session_to_the_llm(app, fake):
    from gradio_client import Client

    a, b = Client(app, verbose=False), Client(app, verbose=False)
    fake.reply = "周口中心港年设计吞吐能力5000万吨[1]。"
    assert a.predict("openai", fake.url, "fake-model", "", 5, api_name="/test_connection").startswith("✅")
    a.predict("openai", fake.url, "fake-model", "", 5, api_name="/apply_settings")
    # a how-question: figure questions quote the report unless llm_figures is set (test_answer)
    chat, _, _ = a.predict("周口港是怎么发展港口经济的？", [], api_name="/ask")
    assert len(fake.requests) == 2 and "5000万吨" in text(chat[-1])  # test + answer
    b.predict("周口港是怎么发展港口经济的？", [], api_name="/ask")
    assert len(fake.requests) == 2  # the other session stays offline


def test_connection_failure_names_the_problem(client):
    out = client.predict("openai", "http://127.0.0.1:9", "m", "", 5, api_name="/test_connection")
    assert out.startswith("❌") and "127.0.0.1:9" in out


def test_auth_required_when_configured(corpus_index):
    from gradio_client import Client
    from gradio_client.exceptions import AuthenticationError

    from kaocha_rag.app.ui import build

    demo = build(corpus_index)
    demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=None, auth=("staff", "s3cret"))
    try:
        with pytest.raises(AuthenticationError, match="credentials were not provided"):
            Client(demo.local_url, verbose=False).predict("周口港的吞吐能力是多少？", [], api_name="/ask")
        ok = Client(demo.local_url, auth=("staff", "s3cret"), verbose=False)
        chat, _, _ = ok.predict("周口港的吞吐能力是多少？", [], api_name="/ask")
        assert "5000万吨" in text(chat[-1])
    finally:
        demo.close()


EMPTY, NOT_FOUND = "请输入一个问题。", "资料中没有找到能回答“"


@pytest.mark.parametrize("question, reply", [
    ("", EMPTY), ("   ", EMPTY), ("？？？！！。。", EMPTY), ("😀🎉🚀", EMPTY),
    ("What is the throughput of 周口港 port?", NOT_FOUND), ("'; DROP TABLE chunks; --", NOT_FOUND),
    ("<img src=x onerror=alert(1)>**粗体**[链接](http://evil)", NOT_FOUND), ("问" * 100_000, NOT_FOUND),
])
def test_odd_questions_never_crash_or_render_markup(client, question, reply):
    chat, _, sources = client.predict(question, [], api_name="/ask")
    shown = str(chat) + sources
    assert "<img" not in shown and "<script" not in shown and "](http://evil)" not in shown
    assert text(chat[-1]) == reply if reply == EMPTY else text(chat[-1]).startswith(reply)
