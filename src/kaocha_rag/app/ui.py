"""The Gradio app: layout plus thin handlers over the same functions as the CLI.

Every event has an api_name (so gradio_client can drive it). Chat history, source
cards and LLM settings live in gr.State, which Gradio keeps per browser session:
two users of one server never see each other's conversation.
"""
from __future__ import annotations

import functools

import gradio as gr

from . import service

from . import ui_html
from ..errors import KaochaError, StoreUnavailable
from ..index.index import Index
from ..llm.chat import test_connection
from .service import SECTIONS, safe_upload_name  # noqa: F401  (safe_upload_name: tests import it from here)
LLM_CHOICES = [("离线抽取式（不用大模型）", "none"), ("OpenAI 兼容接口", "openai"), ("本地模型（GGUF）", "local")]
STATUS_WORDS = {"added": "已加入", "updated": "已更新", "unchanged": "未变化", "error": "失败"}


def launch_kwargs() -> dict:
    """theme, css and head are launch() arguments in Gradio 6; the built-in theme serves its fonts locally."""
    return {"theme": "soft", "css": ui_html.CSS, "head": ui_html.HEAD}


def _store_guard(fn):
    @functools.wraps(fn)
    def wrapper(*a, **kw):
        try:
            return fn(*a, **kw)
        except StoreUnavailable as exc:
            raise gr.Error(f"向量库暂时无法连接，请稍后再试：{exc}") from exc
        except KaochaError as exc:  # every user-facing error carries its Chinese message
            raise gr.Error(str(exc)) from exc
    return wrapper


def _session_settings(index: Index, prefs: dict | None):
    return index.settings.model_copy(update=prefs or {})


def _display(hist: list[tuple[str, str]]) -> list[dict]:
    out = []
    for turn, (u, a) in enumerate(hist, 1):
        out += [{"role": "user", "content": ui_html.escape_md(u)},
                {"role": "assistant", "content": ui_html.chat_markdown(a, turn)}]
    return out


def build(index: Index) -> gr.Blocks:
    with gr.Blocks(title="考察报告助手") as demo:
        gr.Markdown("## 考察报告助手 —— 查资料、写报告，每句话都有出处")
        prefs = gr.State({})  # this session's LLM / top-k choices (设置 tab)
        with gr.Tab("问答"):
            docs_filter, last = _chat_tab(index, prefs)
        with gr.Tab("起草"):
            _draft_tab(index, prefs, last)
        with gr.Tab("资料库"):
            _corpus_tab(index, docs_filter)
        with gr.Tab("设置"):
            _settings_tab(index, prefs)
    return demo


def _chat_tab(index: Index, prefs: gr.State) -> tuple[gr.Dropdown, gr.State]:
    with gr.Row():
        with gr.Column(scale=3, min_width=320):
            chat = gr.Chatbot(label="对话", height=440, elem_id="chat")
            q = gr.Textbox(label="问题", placeholder="例如：周口港的吞吐能力是多少？", elem_id="question")
            with gr.Row():
                send = gr.Button("提问", variant="primary", elem_id="send")
                clear = gr.Button("清空对话")
            docs_filter = gr.Dropdown(label="只在这些报告中查找（可多选，留空为全部）", multiselect=True,
                                      choices=_doc_choices(index))
        with gr.Column(scale=2, min_width=300):
            sources = gr.HTML(ui_html.panel([]), label="出处", elem_id="sources")
    history = gr.State([])
    turns = gr.State([])
    last = gr.State(None)  # the last answer with its passages: the 起草 tab can put it into the draft

    def on_ask(question, doc_ids, hist, cards, pref, prev):
        hist, cards = list(hist or []), list(cards or [])
        settings = _session_settings(index, pref)
        turn = len(hist) + 1
        shown = _display(hist) + [{"role": "user", "content": ui_html.escape_md(question or "")}]
        final = None
        try:
            for text, final in service.ask_stream(index, question, history=hist, settings=settings,
                                                  doc_ids=doc_ids or None):
                if final is None:
                    yield shown + [{"role": "assistant", "content": ui_html.chat_markdown(text, turn)}], \
                        hist, cards, "", gr.update(), prev
        except StoreUnavailable as exc:
            msg = f"向量库暂时无法连接，请稍后再试。（{exc}）"
            yield shown + [{"role": "assistant", "content": ui_html.escape_md(msg)}], hist, cards, question, \
                gr.update(), prev
            return
        hist.append((question, ui_html.mark_unsupported(final.answer, final.unsupported)))
        cards.append(ui_html.turn_html(final, turn, index))
        kept = {"query": final.query, "answer": final.answer, "citations": final.citations}
        yield _display(hist), hist, cards, "", ui_html.panel(cards), kept

    io = ([q, docs_filter, history, turns, prefs, last], [chat, history, turns, q, sources, last])
    # one shared limit for both ways of asking; a slow LLM answer holds one slot, not the queue
    limit = dict(concurrency_limit=index.settings.ui_concurrency, concurrency_id="ask")
    send.click(on_ask, *io, api_name="ask", **limit)
    q.submit(on_ask, *io, api_name="ask_submit", **limit)
    clear.click(lambda: ([], [], [], ui_html.panel([]), None), None, [chat, history, turns, sources, last],
                api_name="clear")
    return docs_filter, last


def _draft_tab(index: Index, prefs: gr.State, last: gr.State) -> None:
    with gr.Row():
        topic = gr.Textbox(label="主题", placeholder="例如：城市更新、招商引资、职业教育", elem_id="topic")
        regions = gr.Textbox(label="考察地区（可选，用逗号分隔）", placeholder="洛阳,开封")
    with gr.Row():
        b_outline = gr.Button("生成提纲", variant="primary", elem_id="make-outline")
        section = gr.Dropdown(label="展开一个部分（写入稿子中的同名部分）", choices=SECTIONS, value="主要做法与经验")
        b_section = gr.Button("起草该部分", elem_id="draft-section")
        # a comparison table or a list from 问答, with its sources, into the chosen section
        b_insert = gr.Button("放入问答的最新回答", elem_id="insert-answer")
    draft_md = gr.Textbox(label="稿子（可直接修改；[^n] 是引用，文末列出出处）", lines=18, elem_id="draft")
    with gr.Row():
        b_docx = gr.Button("导出 .docx", elem_id="export-docx")
        b_md = gr.Button("导出 .md")
    file_out = gr.File(label="下载", elem_id="download")
    current = gr.State(None)

    @_store_guard
    def on_outline(t, r):
        o = service.outline(index, t, r)
        return service.markdown(o), o

    @_store_guard
    def on_section(t, s, o, pref):
        part = service.draft_section(index, s, t, settings=_session_settings(index, pref))
        merged = service.merge_section(o, part)
        return service.markdown(merged), merged

    @_store_guard
    def on_export(md, o, kind):
        return str(service.export(md, o, kind))

    @_store_guard
    def on_insert(s, o, answer):
        merged = service.answer_to_draft(o, answer, s)
        return service.markdown(merged), merged

    b_outline.click(on_outline, [topic, regions], [draft_md, current], api_name="outline")
    b_insert.click(on_insert, [section, current, last], [draft_md, current], api_name="insert_answer")
    b_section.click(on_section, [topic, section, current, prefs], [draft_md, current], api_name="draft_section")
    b_docx.click(lambda md, o: on_export(md, o, "docx"), [draft_md, current], file_out, api_name="export_docx")
    b_md.click(lambda md, o: on_export(md, o, "md"), [draft_md, current], file_out, api_name="export_md")


def _corpus_tab(index: Index, docs_filter: gr.Dropdown) -> None:
    upload = gr.File(label="上传报告（可多选、可拖放：txt、md、docx、pdf、html）", file_count="multiple", elem_id="upload")
    result = gr.Dataframe(headers=["文件", "结果", "报告数", "段数", "说明"], label="处理结果", interactive=False,
                          elem_id="upload-result")
    doc_table = gr.Dataframe(headers=CATALOGUE_HEADERS, value=_doc_rows(index), interactive=False, wrap=True,
                             label="已收录的报告（目录：考察地点、单位、时间、带队均从报告原文抽取，原文没写的留空）",
                             column_widths=["11%", "16%", "15%", "14%", "11%", "15%", "12%", "6%"], elem_id="doc-table")
    with gr.Row():
        target = gr.Dropdown(label="要删除的报告或文件", choices=_delete_choices(index), allow_custom_value=True,
                             elem_id="delete-target")
        b_del = gr.Button("删除", variant="stop", elem_id="delete")
        b_reindex = gr.Button("重新建索引", elem_id="reindex")
    status = gr.Markdown(elem_id="corpus-status")

    def refreshed():
        return _doc_rows(index), gr.update(choices=_delete_choices(index), value=None), \
            gr.update(choices=_doc_choices(index))

    @_store_guard
    def on_upload(files, progress=gr.Progress()):
        if not files:
            return [], *refreshed(), "没有选择文件"
        reports = service.upload(index, [f if isinstance(f, str) else f.name for f in files],
                                 progress=lambda i, n, m: progress((i, n), desc=f"处理 {m}"))
        rows = [[r.source, STATUS_WORDS[r.status], r.documents, r.chunks, r.error] for r in reports]
        ok = sum(r.status != "error" for r in reports)
        return rows, *refreshed(), f"共处理 {len(reports)} 个文件：{ok} 个成功，{len(reports) - ok} 个失败"

    @_store_guard
    def on_delete(t):
        try:
            removed = service.delete(index, t)
            return *refreshed(), "已删除：" + "、".join(removed)
        except KaochaError as exc:  # nothing chosen, or not found: said in the status line
            return *refreshed(), str(exc)

    @_store_guard
    def on_reindex(progress=gr.Progress()):
        reports = service.reindex(index, progress=lambda i, n, m: progress((i, n), desc=f"重建 {m}"))
        bad = [r.error for r in reports if r.status == "error"]
        return *refreshed(), f"重建完成：{len(reports)} 个文件" + (f"，{len(bad)} 个失败" if bad else "")

    outs = [doc_table, target, docs_filter, status]
    upload.upload(on_upload, upload, [result, *outs], api_name="upload")
    b_del.click(on_delete, target, outs, api_name="delete")
    b_reindex.click(on_reindex, None, outs, api_name="reindex")


def _settings_tab(index: Index, prefs: gr.State) -> None:
    s = index.settings
    mode = gr.Radio(LLM_CHOICES, value=s.llm, label="回答方式")
    base = gr.Textbox(label="大模型接口地址（OpenAI 兼容）", value=s.llm_base_url, placeholder="http://127.0.0.1:11434/v1")
    model = gr.Textbox(label="模型名", value=s.llm_model, placeholder="deepseek-chat、qwen-plus、glm-4、qwen2.5:7b")
    key = gr.Textbox(label="API Key（本地服务可留空）", type="password", value="")
    top_k = gr.Slider(1, 20, value=s.top_k, step=1, label="每次检索的段落数 top-k")
    with gr.Row():
        b_test = gr.Button("测试连接")
        b_apply = gr.Button("应用到本次会话", variant="primary")
    test_out = gr.Markdown()
    gr.Markdown(f"向量模型：**{index.embedder.name}**；数据目录：`{s.data_dir}`。设置只影响当前浏览器会话。")

    def chosen(m, b, mo, k, tk):
        return {"llm": m, "llm_base_url": (b or "").strip(), "llm_model": (mo or "").strip(),
                "llm_api_key": k or s.llm_api_key, "top_k": int(tk)}

    def on_test(m, b, mo, k, tk):
        ok, msg = test_connection(s.model_copy(update=chosen(m, b, mo, k, tk)))
        return ("✅ " if ok else "❌ ") + msg

    def on_apply(m, b, mo, k, tk):
        p = chosen(m, b, mo, k, tk)
        label = dict((v, t) for t, v in LLM_CHOICES)[m]
        return p, f"已应用：{label}，top-k = {p['top_k']}"

    inputs = [mode, base, model, key, top_k]
    b_test.click(on_test, inputs, test_out, api_name="test_connection")
    b_apply.click(on_apply, inputs, [prefs, test_out], api_name="apply_settings")


def _doc_choices(index: Index):
    return [(f"{d['title']}（{d['doc_id']}）", d["doc_id"]) for d in service.documents(index)]


def _delete_choices(index: Index):
    docs = service.documents(index)
    files = sorted({d["source"] for d in docs})
    return [(f"整个文件：{f}", f) for f in files] + [(f"报告：{d['title']}（{d['doc_id']}）", d["doc_id"]) for d in docs]


CATALOGUE_HEADERS = ["doc_id", "标题", "考察地点", "考察单位", "时间", "带队", "文件", "段数"]


def _doc_rows(index: Index):
    """One row per report: the catalogue (catalog.py, cached per index generation) and its passage count."""
    chunks = {d["doc_id"]: d["chunks"] for d in service.documents(index)}
    return [[r.doc_id, ("〔重复〕" if r.duplicate_of else "") + r.title, "、".join(r.places), "、".join(r.units),
             r.date, r.delegation, r.source, chunks.get(r.doc_id, 0)] for r in service.reports(index)]
