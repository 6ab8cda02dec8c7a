"""Export drafts: Markdown (citations as footnotes) and .docx in official style.

.docx follows the GB/T 9704-2012 layout a 党政机关 writer expects:
A4, margins top 37 / bottom 35 / left 28 / right 26 mm; title 二号 (22 pt) 方正小标宋简体
centred with one blank line under it; body 三号 (16 pt) 仿宋_GB2312, exactly 28 pt line
spacing (22 lines a page), first line indented two characters; level-1 headings (一、…) 黑体
三号; level-2 headings (（一）…) 楷体_GB2312 三号, run in when the sentence continues after them
(“（一）以港兴城。周口港……”); page numbers “— 1 —” (a PAGE field between 一字线, 四号 宋体)
centred at the foot, 7 mm under the text block.

Every run carries its Chinese font in w:rFonts/@w:eastAsia: Word picks the font for CJK text
from that attribute, so ``font.name`` alone leaves the text in the theme's Latin font. The
fonts are named, not embedded; where 方正小标宋简体 / 仿宋_GB2312 / 楷体_GB2312 are not
installed Word and LibreOffice substitute by name, as they do for any 公文 template.

After the body: 资料来源, one line per cited passage, “[n] 报告标题 › 章节 › 小节”, numbered by
first use in the text (the [n] markers are rewritten to match); then, on its own page as an
attachment (附件说明 “附件：参考资料” under the body), 参考资料: the same [n] with a quote of
each passage so figures can be checked before the document is issued; a writer deletes that
last page to issue.
"""
from __future__ import annotations

import re
from pathlib import Path

from ..answer.citations import MARK
from .outline import Outline

# “（一）标题。正文……”: the run-in level-2 heading ends at the first 。！？ (or the line if none)
_LEVEL2 = re.compile(r"^[（(][一二三四五六七八九十]+[）)](?:[^。！？\n]{0,40}[。！？]|[^。！？\n]{0,40}$)")

TITLE_FONT, BODY_FONT, H1_FONT, H2_FONT, PAGE_FONT = "方正小标宋简体", "仿宋_GB2312", "黑体", "楷体_GB2312", "宋体"
TITLE_PT, BODY_PT, PAGE_PT, LINE_PT = 22, 16, 14, 28  # 二号, 三号, 四号; 28 pt fixed line pitch
TITLE_LINE_PT = 35  # exact, for 二号 titles: 28 pt clips the taller fallback CJK fonts
MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}
QUOTE_CHARS = 120  # the same excerpt length as the Markdown footnotes


def to_markdown(o: Outline) -> str:
    lines = [f"# {o.title}", ""]
    for n in o.notes:
        lines += [f"> {n}", ""]
    for s in o.sections:
        lines += [f"## {s['heading']}", ""]
        for p in s["points"]:
            text = MARK.sub(lambda m: f"[^{m.group(1)}]", p["text"])
            if is_table(p["text"]):  # a comparison table from the chat: its cells carry the markers
                lines += [text.strip(), ""]
                continue
            missing = [c for c in p["citations"] if f"[^{c}]" not in text]
            text += "".join(f"[^{c}]" for c in missing)
            lines += [f"- {text}", ""]
    for c in o.citations:
        where = " › ".join([c["title"], *c["section"]])
        quote = re.sub(r"\s+", " ", c["text"])[:QUOTE_CHARS]
        lines.append(f"[^{c['n']}]: 《{where}》（{c['chunk_id']}）：{quote}")
    return "\n".join(lines).rstrip() + "\n"


def from_markdown(md: str) -> dict:
    """Parse to_markdown's output back: {"title", "sections": [{"heading", "points"}], "citations": [chunk_id...]}.
    Consecutive lines in pipes are one point: a table (its text keeps the rows)."""
    out = {"title": "", "sections": [], "citations": []}
    table = None  # the table point being read
    for line in md.splitlines():
        if not line.startswith("|"):
            table = None
        if line.startswith("# "):
            out["title"] = line[2:]
        elif line.startswith("## "):
            out["sections"].append({"heading": line[3:], "points": []})
        elif line.startswith("|") and out["sections"]:
            row = re.sub(r"\[\^(\d+)\]", r"[\1]", line.rstrip())
            if table is None:
                table = {"text": row, "citations": []}
                out["sections"][-1]["points"].append(table)
            else:
                table["text"] += "\n" + row
            table["citations"] += [int(x) for x in re.findall(r"\[\^(\d+)\]", line)]
        elif line.startswith("- ") and out["sections"]:
            text = line[2:]
            cites = [int(x) for x in re.findall(r"\[\^(\d+)\]", text)]
            out["sections"][-1]["points"].append({"text": re.sub(r"\[\^(\d+)\]", r"[\1]", text), "citations": cites})
        elif m := re.match(r"\[\^(\d+)\]: 《.*?》（(.+?)）：", line):
            out["citations"].append({"n": int(m.group(1)), "chunk_id": m.group(2)})
    return out


_ROW = re.compile(r"^\s*\|.*\|\s*$")


def is_table(text: str) -> bool:
    """A Markdown table: at least a header, the --- row and one body row, each line in pipes."""
    rows = text.strip().splitlines()
    return len(rows) >= 3 and all(_ROW.match(r) for r in rows) and set(rows[1].replace("|", "").strip()) <= set("-: ")


def table_rows(text: str) -> list[list[str]]:
    """The cells of a Markdown table, the --- row left out."""
    rows = [[c.strip() for c in r.strip().strip("|").split("|")] for r in text.strip().splitlines()]
    return [rows[0], *rows[2:]]


# ---------------------------------------------------------------- .docx

def _set_fonts(rpr, name: str) -> None:
    """All four font slots on w:rFonts, theme attributes removed (a theme attribute overrides the name)."""
    from docx.oxml.ns import qn

    fonts = rpr.get_or_add_rFonts()  # python-docx keeps the schema order (after w:rStyle)
    for attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        fonts.attrib.pop(qn(f"w:{attr}"), None)
    for attr in ("ascii", "hAnsi", "eastAsia", "cs"):
        fonts.set(qn(f"w:{attr}"), name)


def _run(para, text: str, font: str, size: float, *, superscript: bool = False):
    from docx.shared import Pt

    run = para.add_run(text)
    run.font.size = Pt(size)
    run.bold = False
    _set_fonts(run._element.get_or_add_rPr(), font)
    if superscript:
        run.font.superscript = True
    return run


def _para(d, *, indent: bool = True, align=None, line_pt: float = LINE_PT, outline_level: int | None = None):
    from docx.enum.text import WD_LINE_SPACING
    from docx.shared import Pt

    p = d.add_paragraph()
    f = p.paragraph_format
    f.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    f.line_spacing = Pt(line_pt)
    f.space_before = f.space_after = Pt(0)
    if indent:
        f.first_line_indent = Pt(2 * BODY_PT)  # 首行缩进二字
    if align is not None:
        p.alignment = align
    if outline_level is not None:
        _outline_level(p, outline_level)
    return p


def _outline_level(p, level: int) -> None:
    """Headings get an outline level (Word's navigation pane) instead of the built-in Heading styles,
    whose theme fonts, colour and spacing would fight the 公文 format."""
    from docx.oxml.ns import qn

    ppr = p._p.get_or_add_pPr()
    ppr.append(ppr.makeelement(qn("w:outlineLvl"), {qn("w:val"): str(level)}))


def _body(p, text: str, font: str = BODY_FONT, known: set[int] | frozenset = frozenset(), size: float = BODY_PT) -> None:
    """Text with its [n] markers as superscript.

    Superscript, not inline text: the markers follow GB/T 7714's 顺序编码制 (上角标 [1]), the form
    Chinese writers know from 参考文献; they stay out of the 三号 reading line and the 28 pt grid,
    keep their brackets (so Find “[3]” works), and can be removed in one pass before 印发.
    A marker that names no listed passage stays inline text so the writer sees it is unresolved."""
    pos = 0
    for m in MARK.finditer(text):
        if int(m.group(1)) not in known:
            continue
        if m.start() > pos:
            _run(p, text[pos:m.start()], font, size)
        _run(p, m.group(0), font, size, superscript=True)
        pos = m.end()
    if pos < len(text):
        _run(p, text[pos:], font, size)


def _page_number_footer(section) -> None:
    """“— 1 —”: a PAGE field between 一字线, 四号 宋体, centred."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.oxml.ns import qn
    from docx.shared import Pt

    footer = section.footer
    footer.is_linked_to_previous = False
    p = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    p.paragraph_format.space_before = p.paragraph_format.space_after = Pt(0)
    _run(p, "— ", PAGE_FONT, PAGE_PT)
    for kind, text in (("begin", None), ("instr", " PAGE "), ("separate", None), ("text", "1"), ("end", None)):
        run = _run(p, "", PAGE_FONT, PAGE_PT)
        if kind == "instr":
            el = run._r.makeelement(qn("w:instrText"), {qn("xml:space"): "preserve"})
            el.text = text
        elif kind == "text":
            el = run._r.makeelement(qn("w:t"), {})
            el.text = text
        else:
            el = run._r.makeelement(qn("w:fldChar"), {qn("w:fldCharType"): kind})
        run._r.append(el)
    _run(p, " —", PAGE_FONT, PAGE_PT)


def _defaults(d) -> None:
    """Document defaults and Normal: 仿宋_GB2312 三号, zh-CN, exact 28 pt, no paragraph spacing —
    so anything typed into the file later looks like the body too."""
    from docx.enum.text import WD_LINE_SPACING
    from docx.oxml.ns import qn
    from docx.shared import Pt

    rpr = d.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _set_fonts(rpr, BODY_FONT)
    lang = rpr.find(qn("w:lang"))
    if lang is not None:
        lang.set(qn("w:eastAsia"), "zh-CN")
    normal = d.styles["Normal"]
    normal.font.size = Pt(BODY_PT)
    _set_fonts(normal.element.get_or_add_rPr(), BODY_FONT)
    f = normal.paragraph_format
    f.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    f.line_spacing = Pt(LINE_PT)
    f.space_before = f.space_after = Pt(0)


def _numbering(o: Outline) -> tuple[list[dict], dict[int, int]]:
    """The passages the text cites, renumbered by first use: (citations with new n, old n → new n).
    Points that list a citation without writing its marker get the marker appended."""
    by_n = {c["n"]: c for c in o.citations}
    order: dict[int, int] = {}
    for s in o.sections:
        for p in s["points"]:
            for n in [int(x) for x in MARK.findall(p["text"])] + list(p.get("citations") or []):
                if n in by_n and n not in order:
                    order[n] = len(order) + 1
    return [{**by_n[old], "n": new} for old, new in order.items()], order


def _point_text(p: dict, order: dict[int, int]) -> str:
    text = p["text"]
    missing = [] if is_table(text) else [n for n in p.get("citations") or [] if f"[{n}]" not in text]
    text += "".join(f"[{n}]" for n in missing)
    return MARK.sub(lambda m: f"[{order[int(m.group(1))]}]" if int(m.group(1)) in order else m.group(0), text)


TABLE_PT = 12  # 小四: a three-column table at 三号 would put four characters on a line of a cell


def _table(d, text: str, known: set[int]) -> None:
    """A Markdown table as a real Word table: grid lines, the header row in 黑体 and repeated on
    every page, cells in 仿宋 小四 with their [n] as superscript, single line spacing."""
    from docx.enum.text import WD_LINE_SPACING
    from docx.oxml.ns import qn
    from docx.shared import Pt

    rows = table_rows(text)
    width = max(len(r) for r in rows)
    t = d.add_table(rows=len(rows), cols=width)
    t.style = "Table Grid"
    for i, cells in enumerate(rows):
        for j in range(width):
            para = t.cell(i, j).paragraphs[0]
            f = para.paragraph_format
            f.line_spacing_rule = WD_LINE_SPACING.SINGLE
            f.space_before = f.space_after = Pt(0)
            _body(para, cells[j] if j < len(cells) else "", H1_FONT if i == 0 else BODY_FONT, known, TABLE_PT)
    head = t.rows[0]._tr.get_or_add_trPr()
    head.append(head.makeelement(qn("w:tblHeader"), {qn("w:val"): "true"}))
    _para(d)  # one empty line after the table, as after a paragraph block


def with_answer(base: Outline | None, answer: dict, section: str) -> Outline:
    """A chat answer put at the end of one section of the draft (“差距与启示”): a comparison
    table as one table, a list as one point per cited line; its passages join the draft's
    citations (merge_section renumbers by first use, one passage keeps one number)."""
    from .section import bare_heading, merge_section

    text, cites = answer.get("answer") or "", answer.get("citations") or []
    rows = [line for line in text.splitlines() if _ROW.match(line)]
    if is_table("\n".join(rows)):
        new = [{"text": "\n".join(rows), "citations": sorted({int(n) for n in MARK.findall("\n".join(rows))})}]
    else:
        new = [{"text": re.sub(r"^[-*]\s*", "", line), "citations": [int(n) for n in MARK.findall(line)]}
               for line in text.splitlines() if MARK.search(line)]
    if base is None or not base.sections:
        return Outline(answer.get("query") or "考察报告", [{"heading": section, "points": new}], list(cites))
    shift = max([c["n"] for c in base.citations] or [0])
    new = [{"text": MARK.sub(lambda m: f"[{int(m.group(1)) + shift}]", p["text"]),
            "citations": [n + shift for n in p["citations"]]} for p in new]
    old = next((s["points"] for s in base.sections if bare_heading(s["heading"]) == bare_heading(section)), [])
    part = Outline(base.title, [{"heading": section, "points": old + new}],
                   base.citations + [{**c, "n": c["n"] + shift} for c in cites])
    return merge_section(base, part)


def source_line(c: dict) -> str:
    """“[n] 报告标题 › 章节 › 小节” — one line of 资料来源."""
    return f"[{c['n']}] " + " › ".join([c["title"], *[s for s in c.get("section") or [] if s]])


def to_docx(o: Outline, path: str | Path) -> Path:
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
    from docx.shared import Mm

    d = docx.Document()
    _defaults(d)
    d.core_properties.title = o.title
    d.core_properties.language = "zh-CN"
    sec = d.sections[0]
    sec.orientation = WD_ORIENT.PORTRAIT
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.top_margin, sec.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
    sec.left_margin, sec.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
    # the page number's 一字线 sits 7 mm under the text block: footer bottom ≈ 35 − 7 − one 四号 line
    sec.footer_distance = Mm(MARGINS_MM["bottom"] - 7 - 5)
    sec.header_distance = Mm(15)
    _page_number_footer(sec)

    cites, order = _numbering(o)
    known = set(order.values())

    title = _para(d, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER, line_pt=TITLE_LINE_PT)
    _run(title, o.title, TITLE_FONT, TITLE_PT)
    _para(d)  # 标题下空一行
    for n in o.notes:
        _body(_para(d), n)
    for s in o.sections:
        _run(_para(d, outline_level=0), s["heading"], H1_FONT, BODY_PT)
        for pt in s["points"]:
            text = _point_text(pt, order)
            if is_table(text):
                _table(d, text, known)
                continue
            para = _para(d)
            if m := _LEVEL2.match(text):  # （一）… in 楷体, run in when the paragraph goes on
                head = m.group(0)
                if not text[len(head):].strip():
                    _outline_level(para, 1)
                _run(para, head, H2_FONT, BODY_PT)
                _body(para, text[len(head):], known=known)
            else:
                _body(para, text, known=known)
    if cites:
        _para(d)
        _run(_para(d, outline_level=0), "资料来源", H1_FONT, BODY_PT)
        for c in cites:
            _body(_para(d), source_line(c))
        # GB/T 9704 附件说明 (正文下空一行左空二字 “附件：名称”), then the attachment on a new page
        _para(d)
        _body(_para(d), "附件：参考资料（引文摘录）")
        brk = _para(d, indent=False)
        brk.add_run().add_break(WD_BREAK.PAGE)
        _run(_para(d, indent=False), "附件", H1_FONT, BODY_PT)  # 版心左上角顶格，黑体三号
        _para(d)
        head = _para(d, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER, line_pt=TITLE_LINE_PT)
        _run(head, "参考资料", TITLE_FONT, TITLE_PT)
        _para(d)
        for c in cites:
            where = " › ".join([c["title"], *[s for s in c.get("section") or [] if s]])
            quote = re.sub(r"\s+", " ", c.get("text") or "")[:QUOTE_CHARS]
            _body(_para(d), f"[{c['n']}] 《{where}》" + (f"：{quote}" if quote else ""))
    path = Path(path)
    d.save(path)
    return path

