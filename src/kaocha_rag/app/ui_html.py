"""HTML and Markdown the app shows: chat messages with clickable citations, and the source
panel with each cited passage highlighted inside its surrounding text.

Everything that comes from a user or a document is escaped first (HTML and Markdown
syntax), and only then are our own links and <mark> tags added: a report holding
"<script>" or "**粗体**" shows those characters, never runs or renders them.
"""
from __future__ import annotations

import html
import re

from ..answer.citations import CITE, cited_numbers, overlap, sentences
from ..index.index import Index

# Markdown syntax characters that could turn document text into markup in the Chatbot.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+|~!>-])")
CONTEXT_CHARS = 160  # how much of the neighbouring passages to show around a cited one

CSS = """
.sources .turn summary {cursor: pointer; font-weight: 600; margin: 4px 0;}
.sources .cite {border: 1px solid #e5e7eb; border-radius: 6px; padding: 8px 10px; margin: 8px 0;}
.sources .cite.active {border: 2px solid #d97706; background: #fffbeb;}
.sources .cite-head {font-weight: 600; margin-bottom: 4px;}
.sources .ctx {color: #6b7280; font-size: 0.9em; white-space: pre-wrap;}
.sources .passage {background: #fefce8; border-left: 3px solid #eab308; padding: 4px 8px; white-space: pre-wrap;}
.sources mark {background: #fde047; padding: 0 1px;}
.sources .warn {color: #b91c1c; font-weight: 600;}
#chat a[href^="#cite-"] {color: #2563eb; font-weight: 600; text-decoration: none;}
#chat table {border-collapse: collapse; font-size: 0.92em; margin: 6px 0;}
#chat th, #chat td {border: 1px solid #d1d5db; padding: 4px 6px; vertical-align: top; text-align: left;}
#chat th {background: #f3f4f6;}
"""

# Chatbot links have no click event of their own: catch clicks on citation anchors,
# open the answer's group in the source panel and highlight the passage.
HEAD = """<script>
document.addEventListener('click', function (e) {
  var a = e.target.closest && e.target.closest('a[href^="#cite-"]');
  if (!a) return;
  e.preventDefault(); e.stopPropagation();
  var el = document.getElementById(a.getAttribute('href').slice(1));
  if (!el) return;
  document.querySelectorAll('.sources .cite.active').forEach(function (x) { x.classList.remove('active'); });
  var d = el.closest('details'); if (d) d.open = true;
  el.classList.add('active');
  el.scrollIntoView({block: 'center'});
}, true);
</script>"""


def escape_md(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def _linked(text: str, turn: int) -> str:
    """Escaped text with each [n] a link to its card in the panel."""
    out = []
    pos = 0
    for m in CITE.finditer(text):
        out.append(escape_md(text[pos:m.start()]))
        out.append("".join(f"[\\[{n}\\]](#cite-{turn}-{n})" for n in cited_numbers(m.group(0))))
        pos = m.end()
    out.append(escape_md(text[pos:]))
    return "".join(out)


_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_TABLE_RULE = re.compile(r"^\s*\|(?:\s*:?-{3,}:?\s*\|)+\s*$")


def _cells(row: str) -> list[str]:
    return [c.strip() for c in row.strip().strip("|").split("|")]


def chat_markdown(text: str, turn: int) -> str:
    """Escape an answer for the Chatbot and make each [n] a link to its card in the panel.

    A comparison table (answer/across_table.py: a header row, a --- row, one row per side) is
    kept a table: its pipes and rule stay Markdown, each cell is escaped and linked on its own —
    a pipe inside a cell was written ｜ by the answer, so it cannot split a cell here."""
    lines = text.split("\n")
    out, i = [], 0
    while i < len(lines):
        if i + 1 < len(lines) and _TABLE_ROW.match(lines[i]) and _TABLE_RULE.match(lines[i + 1]):
            width = len(_cells(lines[i]))
            block = ["| " + " | ".join(_linked(c, turn) for c in _cells(lines[i])) + " |", "|" + "---|" * width]
            i += 2
            while i < len(lines) and _TABLE_ROW.match(lines[i]):
                block.append("| " + " | ".join(_linked(c, turn) for c in _cells(lines[i])) + " |")
                i += 1
            # a table needs a blank line before and after it to be one
            out.append(("\n" if out else "") + "\n".join(block) + "\n")
            continue
        # keep line breaks of lists ("- 《…》") readable: Markdown needs two spaces or a blank line
        out.append(_linked(lines[i], turn) + "  ")
        i += 1
    return "\n".join(out).rstrip()


def quoted_sentences(sents: list[str], claims: list[str]) -> set[int]:
    """Indexes of the passage sentences that best support each claim: the one holding the largest
    share of the claim's bigrams (``citations.overlap``, the same measure the answer check uses),
    if that share is ≥ 30 %."""
    chosen = set()
    for claim in claims:
        if not sents:
            break
        share = [overlap(claim, s) for s in sents]
        best = max(range(len(sents)), key=share.__getitem__)
        if share[best] >= 0.3:
            chosen.add(best)
    return chosen


def highlight(passage: str, claims: list[str]) -> str:
    sents = sentences(passage)
    marks = quoted_sentences(sents, claims)
    out, pos = [], 0
    for i, s in enumerate(sents):
        at = passage.find(s, pos)
        if at < 0:
            continue
        out.append(html.escape(passage[pos:at]))
        out.append(f"<mark>{html.escape(s)}</mark>" if i in marks else html.escape(s))
        pos = at + len(s)
    out.append(html.escape(passage[pos:]))
    return "".join(out)


def _claims_for(answer_text: str, n: int) -> list[str]:
    """The answer's sentences that cite [n] — a table's cells each on their own, so one row citing
    three passages highlights the right sentence in each."""
    parts = []
    for line in answer_text.splitlines():
        parts += _cells(line) if _TABLE_ROW.match(line) else [line]
    return [s for p in parts for s in sentences(p) if n in cited_numbers(s)] or [answer_text]


def _context(index: Index | None, chunk_id: str) -> tuple[str, str]:
    if index is None:
        return "", ""
    rows = index.neighbours(chunk_id)
    here = next((i for i, r in enumerate(rows) if r["chunk_id"] == chunk_id), None)
    if here is None:
        return "", ""
    text = rows[here]["text"]
    before = rows[here - 1]["text"] if here > 0 else ""
    after = rows[here + 1]["text"] if here + 1 < len(rows) else ""
    # Long sections are chunked with one sentence of overlap: do not show it twice.
    sents = sentences(text)
    if sents and before and sents[0] in before:
        before = before[:before.rfind(sents[0])]
    if sents and after and sents[-1] in after:
        after = after[after.find(sents[-1]) + len(sents[-1]):]
    before, after = before.rstrip()[-CONTEXT_CHARS:], after.lstrip()[:CONTEXT_CHARS]
    return ("…" + before if before else ""), (after + "…" if after else "")


def turn_html(answer, turn: int, index: Index | None = None) -> str:
    """The source cards of one answer: ids cite-{turn}-{n}, matching chat_markdown's links."""
    if answer is None:
        return ""
    items = answer.citations or answer.leads
    head = "引用的资料" if answer.citations else "没有找到答案，最接近的资料（供查阅）"
    parts = [f"<details class='turn' id='turn-{turn}' open><summary>第 {turn} 问：{html.escape(answer.query[:40])}"
             f" —— {head}</summary>"]
    for c in items:
        where = html.escape(" › ".join([c["title"], *c["section"]]))
        before, after = _context(index, c["chunk_id"])
        body = highlight(c["text"], _claims_for(answer.answer, c["n"])) if answer.citations else html.escape(c["text"])
        parts.append(f"<div class='cite' id='cite-{turn}-{c['n']}'><div class='cite-head'>[{c['n']}] 《{where}》</div>"
                     + (f"<div class='ctx'>{html.escape(before)}</div>" if before else "")
                     + f"<div class='passage'>{body}</div>"
                     + (f"<div class='ctx'>{html.escape(after)}</div>" if after else "") + "</div>")
    if answer.unsupported:
        parts.append("<p class='warn'>⚠ 以下数字在所引资料中找不到，请核对：" + html.escape("、".join(answer.unsupported)) + "</p>")
    for n in answer.notes:
        parts.append(f"<p class='note'>注意：{html.escape(n)}</p>")
    parts.append("</details>")
    return "\n".join(parts)


def panel(turns: list[str]) -> str:
    """Newest answer first, older ones folded."""
    if not turns:
        return "<div class='sources'><p>提问后，这里显示每条引用的原文段落及其上下文。点击回答中的 [1] 可定位。</p></div>"
    shown = [turns[-1]] + [t.replace("' open>", "'>", 1) for t in reversed(turns[:-1])]
    return "<div class='sources'>" + "\n".join(shown) + "</div>"


def mark_unsupported(text: str, unsupported: list[str]) -> str:
    """Flag numbers the cited passages do not hold, right where they stand in the answer."""
    for num in sorted(set(unsupported), key=len, reverse=True):
        text = text.replace(num, f"{num}⚠")
    return text
