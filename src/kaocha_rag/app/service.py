"""Every user action, once: the CLI and the Gradio app only parse and render, then call here.

ask · search · outline · draft a section · merge it into the outline · export · upload ·
list · delete · re-index · catalogue. Rules that both front ends need (how regions are
split, the genre's section names, where uploads are stored) live here and nowhere else.
"""
from __future__ import annotations

import re
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Callable, Iterator

from ..answer import ask as answer_mod
from .. import draft as draft_mod
from ..index.catalog import Report, catalogue
from ..errors import KaochaError
from ..draft.export import from_markdown, to_docx, to_markdown, with_answer
from ..index.index import FileReport, Index
from ..llm.chat import configured_model
from ..answer.retrieve import Hit, search as _search
from ..settings import Settings

Progress = Callable[[int, int, str], None]
# The genre's structure, as the drafting tab offers it: 基本情况 / 主要做法与经验 / 差距与启示 / 下一步打算和建议.
SECTIONS = [name for name, *_ in draft_mod.STRUCTURE]
EXPORT_KINDS = ("md", "docx")


def split_regions(text: str | list[str] | None) -> list[str]:
    """"洛阳、开封" / "洛阳,开封" / "洛阳 开封" → ["洛阳", "开封"] (the CLI and the app split alike)."""
    if isinstance(text, list):
        text = ",".join(text)
    return [r for r in re.split(r"[,，、;；\s]+", text or "") if r]


# -- questions ----------------------------------------------------------------------------------
def ask_stream(index: Index, question: str, *, history=None, settings: Settings | None = None,
               doc_ids: list[str] | None = None, k: int | None = None) -> Iterator[tuple[str, answer_mod.Answer | None]]:
    return answer_mod.ask_stream(question, index=index, history=history, settings=settings, doc_ids=doc_ids, k=k)


def ask(index: Index, question: str, **kw) -> answer_mod.Answer:
    final = None
    for _, a in ask_stream(index, question, **kw):
        if a is not None:
            final = a
    return final


def search(index: Index, query: str, k: int = 5, *, mode: str = "hybrid", doc_ids=None, sources=None,
           dedup: bool = True) -> list[Hit]:
    return _search(query, k, index=index, mode=mode, doc_ids=doc_ids or None, sources=sources or None, dedup=dedup)


# -- drafting -----------------------------------------------------------------------------------
def outline(index: Index, topic: str, regions: str | list[str] | None = None) -> draft_mod.Outline:
    topic = (topic or "").strip()
    if not topic:
        raise KaochaError("请先填写主题，例如：城市更新")
    return draft_mod.outline(topic, index=index, regions=split_regions(regions))


def draft_section(index: Index, section: str, topic: str, *, settings: Settings | None = None) -> draft_mod.Outline:
    topic = (topic or "").strip()
    if not topic:
        raise KaochaError("请先填写主题，例如：城市更新")
    if not (section or "").strip():
        raise KaochaError(f"请选择要起草的部分：{'、'.join(SECTIONS)}")
    settings = settings or index.settings
    notes: list[str] = []
    model = configured_model(settings, notes)
    part = draft_mod.draft_section(section, topic, index=index, model=model, settings=settings)
    part.notes = notes + part.notes
    return part


def merge_section(base: draft_mod.Outline | None, part: draft_mod.Outline) -> draft_mod.Outline:
    return draft_mod.merge_section(base, part)


def export(markdown: str, drafted: draft_mod.Outline | None, kind: str, path: str | Path | None = None) -> Path:
    """Write the (possibly user-edited) Markdown as .md, or as an official .docx whose citations
    come from the drafted outline: the user's edits to the text win."""
    if kind not in EXPORT_KINDS:
        raise KaochaError(f"不支持的导出格式 {kind!r}，可选：{'、'.join(EXPORT_KINDS)}")
    if not (markdown or "").strip():
        raise KaochaError("还没有稿子：先生成提纲或起草一个部分")
    out = Path(path) if path else Path(tempfile.mkdtemp(prefix="kaocha-export-")) / f"考察报告草稿.{kind}"
    if kind == "md":
        out.write_text(markdown, encoding="utf-8")
    else:
        parsed = from_markdown(markdown)
        to_docx(draft_mod.Outline(parsed["title"] or "考察报告", parsed["sections"],
                                  drafted.citations if drafted else []), out)
    return out


def answer_to_draft(base: draft_mod.Outline | None, answer: dict | None, section: str) -> draft_mod.Outline:
    """The last chat answer (a comparison table, a list) put at the end of a section of the draft."""
    if not (answer or {}).get("citations"):
        raise KaochaError("还没有可以放入稿子的回答：请先在“问答”中提问，得到带出处的回答")
    return with_answer(base, answer, section or "差距与启示")


def markdown(o: draft_mod.Outline) -> str:
    """An outline or drafted section as the Markdown shown in the chat, the CLI and the editor."""
    return to_markdown(o)


def export_outline(o: draft_mod.Outline, kind: str, path: str | Path) -> Path:
    """An outline as drafted (no user edits in between): written directly, no Markdown round trip."""
    if kind not in EXPORT_KINDS:
        raise KaochaError(f"不支持的导出格式 {kind!r}，可选：{'、'.join(EXPORT_KINDS)}")
    out = Path(path)
    if kind == "md":
        out.write_text(to_markdown(o), encoding="utf-8")
    else:
        to_docx(o, out)
    return out


# -- the corpus ---------------------------------------------------------------------------------
def safe_upload_name(name: str) -> str:
    """What the user sees of an uploaded file's name: no folders, no control characters, ≤ 120 chars."""
    base = re.split(r"[/\\]", name or "")[-1]
    base = re.sub(r"[\x00-\x1f\x7f]", "_", base).strip(" .")
    return (base[:60] + "…" + base[-59:] if len(base) > 120 else base) or "未命名"


def upload(index: Index, files: list[str | Path], *, progress: Progress | None = None) -> list[FileReport]:
    """Copy each file under a generated name into data/uploads (no path from the user is trusted),
    index them, and keep nothing that could not be indexed."""
    store = Path(index.settings.data_dir) / "uploads"
    store.mkdir(parents=True, exist_ok=True)
    paths, names = [], {}
    for f in files:
        src = Path(f)
        safe = store / f"{uuid.uuid4().hex}{src.suffix.lower()[:10]}"
        shutil.copyfile(src, safe)
        paths.append(safe)
        names[str(safe)] = safe_upload_name(src.name)
    reports = index.ingest(paths, names=names, progress=progress)
    for p, r in zip(paths, reports):
        if r.status == "error":
            p.unlink(missing_ok=True)
    return reports


def ingest(index: Index, paths: list[str | Path], *, rebuild: bool = False,
           progress: Progress | None = None) -> list[FileReport]:
    return index.ingest(paths, rebuild=rebuild, progress=progress)


def documents(index: Index) -> list[dict]:
    return index.documents()


def delete(index: Index, target: str) -> list[str]:
    target = (target or "").strip()
    if not target:
        raise KaochaError("请先选择要删除的报告或文件")
    return index.remove(target)  # NotFoundError names the files that exist


def reindex(index: Index, *, progress: Progress | None = None) -> list[FileReport]:
    """Rebuild every indexed file from where it was read (uploads included)."""
    sources = index.sources()
    paths = [Path(s["path"]) for s in sources if Path(s["path"]).exists()]
    names = {s["path"]: s["source"] for s in sources}
    return index.ingest(paths, rebuild=True, names=names, progress=progress)


def reports(index: Index) -> list[Report]:
    return catalogue(index)
