"""Export drafts: Markdown (citations as footnotes) and .docx in official style.

.docx: title in 方正小标宋简体 (falls back to 宋体/SimSun where not installed — Word
substitutes by the eastAsia font name), 一级 headings 黑体, 二级 楷体, body 仿宋
三号-ish 16pt; citations as a numbered 参考资料 list (report title › section).
"""
from __future__ import annotations

import re
from pathlib import Path

from .draft import Outline

_FOOT = re.compile(r"\[(\d+)\]")


def to_markdown(o: Outline) -> str:
    lines = [f"# {o.title}", ""]
    for n in o.notes:
        lines += [f"> {n}", ""]
    for s in o.sections:
        lines += [f"## {s['heading']}", ""]
        for p in s["points"]:
            text = _FOOT.sub(lambda m: f"[^{m.group(1)}]", p["text"])
            missing = [c for c in p["citations"] if f"[^{c}]" not in text]
            text += "".join(f"[^{c}]" for c in missing)
            lines += [f"- {text}", ""]
    for c in o.citations:
        where = " › ".join([c["title"], *c["section"]])
        quote = re.sub(r"\s+", " ", c["text"])[:120]
        lines.append(f"[^{c['n']}]: 《{where}》（{c['chunk_id']}）：{quote}")
    return "\n".join(lines).rstrip() + "\n"


def from_markdown(md: str) -> dict:
    """Parse to_markdown's output back: {"title", "sections": [{"heading", "points"}], "citations": [chunk_id...]}."""
    out = {"title": "", "sections": [], "citations": []}
    for line in md.splitlines():
        if line.startswith("# "):
            out["title"] = line[2:]
        elif line.startswith("## "):
            out["sections"].append({"heading": line[3:], "points": []})
        elif line.startswith("- ") and out["sections"]:
            text = line[2:]
            cites = [int(x) for x in re.findall(r"\[\^(\d+)\]", text)]
            out["sections"][-1]["points"].append({"text": re.sub(r"\[\^(\d+)\]", r"[\1]", text), "citations": cites})
        elif m := re.match(r"\[\^(\d+)\]: 《.*?》（(.+?)）：", line):
            out["citations"].append({"n": int(m.group(1)), "chunk_id": m.group(2)})
    return out


def _font(run, name: str, size: float | None = None, bold: bool = False):
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.name = name
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), name)
    if size:
        run.font.size = Pt(size)
    run.bold = bold


def to_docx(o: Outline, path: str | Path) -> Path:
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    d = docx.Document()
    p = d.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(p.add_run(o.title), "方正小标宋简体", 22)
    for n in o.notes:
        _font(d.add_paragraph().add_run(n), "仿宋", 16)
    for s in o.sections:
        h = d.add_heading(level=1)
        _font(h.add_run(s["heading"]), "黑体", 16)
        for pt in s["points"]:
            para = d.add_paragraph()
            para.paragraph_format.first_line_indent = docx.shared.Pt(32)
            text = pt["text"]
            if not _FOOT.search(text) and pt["citations"]:
                text += "".join(f"[{c}]" for c in pt["citations"])
            _font(para.add_run(text), "仿宋", 16)
    if o.citations:
        h = d.add_heading(level=2)
        _font(h.add_run("参考资料"), "楷体", 16)
        for c in o.citations:
            where = " › ".join([c["title"], *c["section"]])
            _font(d.add_paragraph().add_run(f"[{c['n']}] 《{where}》（{c['source'] if 'source' in c else c['chunk_id']}）"), "仿宋", 12)
    path = Path(path)
    d.save(path)
    return path
