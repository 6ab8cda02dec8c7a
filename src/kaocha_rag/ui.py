"""The Gradio app: layout plus thin handlers over the same functions as the CLI.

Every event has an api_name (so gradio_client can drive it); all user and
document text is HTML-escaped before it is highlighted.
"""
from __future__ import annotations

import html
import re
import shutil
import tempfile
import uuid
from pathlib import Path

import gradio as gr

from .answer import ask_stream
from .draft import draft_section, outline
from .export import to_docx, to_markdown
from .index import Index
from .llm import test_connection
from .store import StoreUnavailable


def _sources_html(answer) -> str:
    if answer is None:
        return ""
    items = answer.citations or answer.leads
    head = "<h4>引用的资料</h4>" if answer.citations else "<h4>最接近的资料（供查阅）</h4>"
    parts = [head]
    for c in items:
        where = html.escape(" › ".join([c["title"], *c["section"]]))
        parts.append(f"<div class='cite' id='cite-{c['n']}'><b>[{c['n']}] 《{where}》</b>"
                     f"<p>{_highlight(c['text'], answer.answer)}</p></div>")
    if answer.unsupported:
        parts.append("<p class='warn'>⚠ 以下数字在所引资料中找不到：" + html.escape("、".join(answer.unsupported)) + "</p>")
    for n in answer.notes:
        parts.append(f"<p class='note'>注意：{html.escape(n)}</p>")
    return "\n".join(parts)


def _highlight(passage: str, answer: str) -> str:
    """Escape the passage, then mark the sentences the answer quotes."""
    out = html.escape(passage)
    for s in re.split(r"\[\d+\]|\n", answer):
        s = s.strip()
        if len(s) >= 8 and html.escape(s) in out:
            out = out.replace(html.escape(s), f"<mark>{html.escape(s)}</mark>")
    return out


def build(index: Index) -> gr.Blocks:
    with gr.Blocks(title="考察报告助手") as demo:
        gr.Markdown("## 考察报告助手 —— 查资料、写报告，每句话都有出处")
        with gr.Tab("问答"):
            with gr.Row():
                with gr.Column(scale=3):
                    chat = gr.Chatbot(label="对话", height=420)
                    q = gr.Textbox(label="问题", placeholder="例如：周口港的吞吐能力是多少？")
                    with gr.Row():
                        send = gr.Button("提问", variant="primary")
                        clear = gr.Button("清空对话")
                    docs_filter = gr.Dropdown(label="只在这些报告中查找（可多选，留空为全部）", multiselect=True,
                                              choices=_doc_choices(index))
                with gr.Column(scale=2):
                    sources = gr.HTML(label="出处")
            history = gr.State([])

            def on_ask(question, hist, doc_ids):
                hist = list(hist or [])
                msgs = _messages(hist)
                text, final = "", None
                try:
                    for text, final in ask_stream(question, index=index, history=[(u, a) for u, a in hist], doc_ids=doc_ids or None):
                        yield msgs + [{"role": "user", "content": question}, {"role": "assistant", "content": text}], hist, "", ""
                except StoreUnavailable as exc:
                    yield msgs + [{"role": "assistant", "content": f"向量库暂时无法连接，请稍后再试。（{exc}）"}], hist, question, ""
                    return
                hist.append((question, final.answer))
                yield _messages(hist), hist, "", _sources_html(final)

            send.click(on_ask, [q, history, docs_filter], [chat, history, q, sources], api_name="ask")
            q.submit(on_ask, [q, history, docs_filter], [chat, history, q, sources], api_name="ask_submit")
            clear.click(lambda: ([], [], ""), None, [chat, history, sources], api_name="clear")

        with gr.Tab("起草"):
            topic = gr.Textbox(label="主题", placeholder="例如：城市更新、招商引资、职业教育")
            regions = gr.Textbox(label="考察地区（可选，用逗号分隔）", placeholder="洛阳,开封")
            with gr.Row():
                b_outline = gr.Button("生成提纲", variant="primary")
                section = gr.Dropdown(label="展开一个部分", choices=["基本情况", "主要做法与经验", "差距与启示", "下一步打算和建议"],
                                      value="主要做法与经验")
                b_section = gr.Button("起草该部分")
            draft_md = gr.Textbox(label="稿子（可直接修改）", lines=18)
            with gr.Row():
                b_docx = gr.Button("导出 .docx")
                b_md = gr.Button("导出 .md")
            file_out = gr.File(label="下载")
            current = gr.State(None)

            def on_outline(t, r):
                o = outline(t, index=index, regions=[x for x in re.split(r"[,，、\s]+", r or "") if x])
                return to_markdown(o), o

            def on_section(t, s):
                o = draft_section(s, t, index=index)
                return to_markdown(o), o

            def on_export(md, o, kind):
                if not md:
                    raise gr.Error("还没有稿子：先生成提纲或起草一个部分")
                out = Path(tempfile.mkdtemp()) / f"考察报告草稿.{kind}"
                if kind == "md":
                    out.write_text(md, encoding="utf-8")
                else:
                    from .export import from_markdown
                    from .draft import Outline

                    parsed = from_markdown(md)
                    cits = o.citations if o else []
                    to_docx(Outline(parsed["title"] or "考察报告", parsed["sections"], cits), out)
                return str(out)

            b_outline.click(on_outline, [topic, regions], [draft_md, current], api_name="outline")
            b_section.click(on_section, [topic, section], [draft_md, current], api_name="draft_section")
            b_docx.click(lambda md, o: on_export(md, o, "docx"), [draft_md, current], file_out, api_name="export_docx")
            b_md.click(lambda md, o: on_export(md, o, "md"), [draft_md, current], file_out, api_name="export_md")

        with gr.Tab("资料库"):
            upload = gr.File(label="上传报告（可多选、可拖放：txt、md、docx、pdf、html）", file_count="multiple")
            result = gr.Dataframe(headers=["文件", "结果", "报告数", "段数", "说明"], label="处理结果", interactive=False)
            doc_table = gr.Dataframe(headers=["doc_id", "标题", "文件", "段数"], value=_doc_rows(index), label="已收录的报告",
                                     interactive=False)
            with gr.Row():
                target = gr.Textbox(label="要删除的 doc_id 或文件名")
                b_del = gr.Button("删除", variant="stop")
                b_reindex = gr.Button("重新建索引")
            status = gr.Markdown()

            def on_upload(files, progress=gr.Progress()):
                if not files:
                    return [], _doc_rows(index), "没有选择文件"
                store = Path(index.settings.data_dir) / "uploads"
                store.mkdir(parents=True, exist_ok=True)
                paths, names = [], {}
                for f in files:
                    src = Path(f if isinstance(f, str) else f.name)
                    display = re.sub(r"[\x00-\x1f/\\\\]", "_", src.name)[-120:] or "未命名"
                    safe = store / f"{uuid.uuid4().hex}{src.suffix.lower()[:10]}"
                    shutil.copyfile(src, safe)  # stored under a generated name: no path from the user is trusted
                    paths.append(safe)
                    names[str(safe)] = display
                reports = index.ingest(paths, names=names, progress=lambda i, n, m: progress((i, n), desc=f"处理 {m}"))
                word = {"added": "已加入", "updated": "已更新", "unchanged": "未变化", "error": "失败"}
                rows = [[r.source, word[r.status], r.documents, r.chunks, r.error] for r in reports]
                return rows, _doc_rows(index), f"共处理 {len(reports)} 个文件"

            def on_delete(t):
                try:
                    removed = index.remove((t or "").strip())
                    return _doc_rows(index), "已删除：" + "、".join(removed)
                except KeyError as exc:
                    return _doc_rows(index), str(exc.args[0])

            def on_reindex(progress=gr.Progress()):
                paths = [Path(s["path"]) for s in index.manifest.sources() if Path(s["path"]).exists()]
                names = {s["path"]: s["source"] for s in index.manifest.sources()}
                reports = index.ingest(paths, rebuild=True, names=names,
                                       progress=lambda i, n, m: progress((i, n), desc=f"重建 {m}"))
                bad = [r.error for r in reports if r.status == "error"]
                return _doc_rows(index), f"重建完成：{len(reports)} 个文件" + (f"，{len(bad)} 个失败" if bad else "")

            upload.upload(on_upload, upload, [result, doc_table, status], api_name="upload")
            b_del.click(on_delete, target, [doc_table, status], api_name="delete")
            b_reindex.click(on_reindex, None, [doc_table, status], api_name="reindex")

        with gr.Tab("设置"):
            s = index.settings
            base = gr.Textbox(label="大模型接口地址（OpenAI 兼容）", value=s.llm_base_url, placeholder="http://127.0.0.1:11434/v1")
            model = gr.Textbox(label="模型名", value=s.llm_model)
            key = gr.Textbox(label="API Key", type="password", value="")
            b_test = gr.Button("测试连接")
            test_out = gr.Markdown()
            gr.Markdown(f"向量模型：**{index.embedder.name}**；检索条数 top-k：{s.top_k}；数据目录：`{s.data_dir}`")

            def on_test(b, m, k):
                ok, msg = test_connection(s.model_copy(update={"llm_base_url": b, "llm_model": m, "llm_api_key": k}))
                return ("✅ " if ok else "❌ ") + msg

            b_test.click(on_test, [base, model, key], test_out, api_name="test_connection")
    return demo


def _messages(hist):
    out = []
    for u, a in hist:
        out += [{"role": "user", "content": u}, {"role": "assistant", "content": a}]
    return out


def _doc_choices(index: Index):
    return [(f"{d['title']}（{d['doc_id']}）", d["doc_id"]) for d in index.documents()]


def _doc_rows(index: Index):
    return [[d["doc_id"], d["title"], d["source"], d["chunks"]] for d in index.documents()]
