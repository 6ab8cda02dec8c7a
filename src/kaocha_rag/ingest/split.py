"""Split one cleaned file into reports, give each its title, flag near-duplicates.

A file downloaded from a document site often holds several reports: "第一篇：…",
"篇三：…" (even in the middle of a line: "…工业园区篇三：对标先进学习考察报告"),
or a bare, indented title line (" 赴珠三角地区学习考察报告").
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .clean import NUM_ZH, Mapped, containment, shingles

# how a collection numbers its reports: 第二篇, 篇三 (also what a user calls one by)
ORDINAL = rf"第[{NUM_ZH}]{{1,3}}篇|(?<![{NUM_ZH}])篇[{NUM_ZH}]{{1,3}}"
_MARKER = re.compile(rf"(?:{ORDINAL})[：:][ \t]*([^\n]{{2,60}})")
# An indented line that is nothing but a report title starts a new report.
_BARE_TITLE = re.compile(r"(?m)^[ \t\u3000]+([^\s。，,；;！？]{4,40}(?:报告|報告|总结|總結))[ \t]*$")
_TITLE_LINE = re.compile(r"[^\n。；;！？!?]{2,40}")


@dataclass
class DocSpan:
    title: str
    start: int  # index into the cleaned text where the document (with its title line) starts
    body_start: int  # where the body starts (after the title line)
    end: int
    duplicate_of: int | None = None  # index of the document this one repeats


def _line_end(text: str, i: int) -> int:
    j = text.find("\n", i)
    return len(text) if j < 0 else j + 1


def split_documents(m: Mapped, fallback_title: str) -> list[DocSpan]:
    text = m.text
    starts: list[tuple[int, int, str]] = []  # (doc start, body start, title)
    for x in _MARKER.finditer(text):
        # The marker stays in the title: users say "第一篇报告" to mean this report.
        title = re.sub(r"[ \t]+", "", x.group(0).split("：")[0].split(":")[0]) + "：" + x.group(1).strip()
        starts.append((x.start(), _line_end(text, x.start()), title))
    for x in _BARE_TITLE.finditer(text):
        if not any(s <= x.start(1) < b for s, b, _ in starts):
            starts.append((x.start(1), _line_end(text, x.start(1)), x.group(1).strip()))
    starts.sort()
    docs: list[DocSpan] = []
    first = starts[0][0] if starts else len(text)
    head = text[:first]
    # a short head before the first marker is the file's collection title (“考察报告范文3篇”) and is
    # dropped; one holding a sentence (“前言一段话。”) is text and becomes a document of its own
    if head.strip() and (len(head.strip()) > 40 or not starts or re.search(r"[。！？!?；;]", head)):
        title, body = _lead_title(text, first, m.hints.get("title"), fallback_title)
        docs.append(DocSpan(title, 0, body, first))
    for k, (s, b, title) in enumerate(starts):
        end = starts[k + 1][0] if k + 1 < len(starts) else len(text)
        docs.append(DocSpan(title, s, min(b, end), end))
    mark_duplicates(docs, text)
    return docs


def _lead_title(text: str, end: int, hint: str | None, fallback: str) -> tuple[str, int]:
    """Title of a document with no marker: its first line when that reads as a title."""
    lead = len(text[:end]) - len(text[:end].lstrip())
    line_end = _line_end(text, lead)
    first_line = text[lead:line_end].strip()
    # "各位代表：" / "同志们：" open a speech; they are not its title
    salutation = first_line.endswith(("：", ":")) and len(first_line) <= 12
    if first_line and not salutation and _TITLE_LINE.fullmatch(first_line) and (not hint or hint in first_line or first_line in hint or len(first_line) <= 40):
        return first_line, min(line_end, end)
    return (hint or fallback), lead


def mark_duplicates(docs: list[DocSpan], text: str, threshold: float = 0.8) -> None:
    """A later document whose 5-gram set mostly lies inside an earlier one repeats it.

    Seed 000 holds the industrial-park report twice; the two copies share 95%+
    of their 5-grams while unrelated reports share under 5%.
    """
    sets = [shingles(text[d.body_start : d.end]) for d in docs]
    for j in range(len(docs)):
        for i in range(j):
            if docs[i].duplicate_of is None and containment(sets[i], sets[j]) >= threshold:
                docs[j].duplicate_of = i
                break
