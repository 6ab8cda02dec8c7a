"""Remove web junk from report text while keeping a map back to the file.

Cleaning is a series of *edits* (mostly deletions) on a ``Mapped`` text: each
character remembers its offset in the decoded file, so a chunk can always point
at the exact span it came from (``start``/``end`` in ``kaocha-rag chunks``).

``normalize`` gives the search form (Traditional→Simplified, full-width→half-
width) with the *same length* as the display form, so one set of offsets serves
both.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK_PUNCT = "\u3000-\u303f\uff00-\uffef“”‘’〞〝—…·•"
NUM_ZH = "一二三四五六七八九十百零〇两"  # digits of heading numbers: 第十二篇, 二十、, （一百）
ORDINALS = "一二三四五六七八九十"  # what we write: ORDINALS[2] = "三" for the third section
FULL_STOP = "。！？!?"  # ends a sentence
SENT_STOP = FULL_STOP + "；;"  # ends a clause a reader can quote on its own
CLOSE_QUOTE = "”’」』〞"  # belongs to the sentence it closes: 他说：“好。”


@dataclass
class Mapped:
    text: str
    offs: list[int]  # offs[i] = offset in the file of text[i]
    hints: dict = field(default_factory=dict)  # e.g. {"title": "..."} learnt from junk

    @classmethod
    def of(cls, text: str) -> "Mapped":
        return cls(text, list(range(len(text))))

    def span(self, i: int, j: int) -> tuple[int, int]:
        """File offsets [start, end) of text[i:j]."""
        if j <= i:
            k = self.offs[i] if i < len(self.offs) else (self.offs[-1] + 1 if self.offs else 0)
            return k, k
        return self.offs[i], self.offs[j - 1] + 1


def edit(m: Mapped, spans: list[tuple[int, int, str]]) -> Mapped:
    """Replace text[s:e] by r for each (s, e, r); spans must not overlap.

    Inserted characters take the offset of the character they stand before.
    """
    if not spans:
        return m
    out, offs, pos = [], [], 0
    n = len(m.text)
    for s, e, r in sorted(spans):
        if s < pos:
            continue  # overlapping edit: keep the first
        out.append(m.text[pos:s])
        offs.extend(m.offs[pos:s])
        if r:
            anchor = m.offs[e] if e < n else (m.offs[-1] + 1 if m.offs else 0)
            out.append(r)
            offs.extend([anchor] * len(r))
        pos = e
    out.append(m.text[pos:])
    offs.extend(m.offs[pos:])
    return Mapped("".join(out), offs, m.hints)


def delete(m: Mapped, pattern: re.Pattern, group: int = 0) -> Mapped:
    return edit(m, [(x.start(group), x.end(group), "") for x in pattern.finditer(m.text)])


# --- junk lines -----------------------------------------------------------
# Patterns are written once, in Simplified: they are matched against ``normalize(text)`` (OpenCC
# t2s, same length), so "已閱讀3頁" is found by 已阅读 and the same span is cut from the original.
_LINE = r"(?m)^[ \t\u3000]*{}[^\n]*(?:\n|$)"
_JUNK_LINES = [re.compile(_LINE.format(p)) for p in (
    r"已阅读\d+页[,，]?还剩",
    r"下载本文档[ \t]*$",
    r"版权说明[:：]",
    r"文档简介[ \t]*$",
    r"时间[:：].{0,40}来源[:：]",
    r"推荐访问[:：]",
    r"网站客服[:：]",
    r"(?:评论|\d+/150|提交评论)[ \t]*$",
    r"温馨提示[:：]?[ \t]*$",
)]
# The "温馨提示" block of download sites: header, numbered notes, customer service,
# comment box. Numbered lines are dropped only directly under the header.
_TIP_BLOCK = re.compile(
    r"(?m)^[ \t\u3000]*温馨提示[:：]?[ \t]*(?:\n|$)"
    r"(?:[ \t\u3000]*(?:(?:•[ \t]*)?\d+[.、．][^\n]*|网站客服[:：][^\n]*|评论|\d+/150|提交评论)?[ \t]*(?:\n|$))*"
)
_PAGE_TITLE = re.compile(r"(?m)^[ \t]*(.{2,40}?)_第\d+页[ \t]*(?:\n|$)")
_EDITOR = re.compile(r"(?m)^[ \t]*下面是小编为大家整理的(.{2,60}?)(?:【[^】\n]*】)?[,，]?供大家参考[。.]?[ \t]*(?:\n|$)")


def delete_folded(m: Mapped, pattern: re.Pattern) -> Mapped:
    """Delete what ``pattern`` (Simplified) matches in the folded text, from the original."""
    return edit(m, [(x.start(), x.end(), "") for x in pattern.finditer(normalize(m.text))])


def remove_junk(m: Mapped) -> Mapped:
    for pat in (_PAGE_TITLE, _EDITOR):
        found = pat.search(normalize(m.text))
        if found and "title" not in m.hints:
            m.hints["title"] = m.text[found.start(1):found.end(1)].strip()  # as written
        m = delete_folded(m, pat)
    m = delete_folded(m, _TIP_BLOCK)
    for pat in _JUNK_LINES:
        m = delete_folded(m, pat)
    return m


# --- page markers ---------------------------------------------------------
# A PDF-to-text site numbers its pages "\n\nN、" in the middle of sentences:
# "思想的盛\n\n2、宴". Real list items "1、" sit on their own line after one
# newline and end a sentence before them, so we require a run of >= 3
# consecutive numbers behind blank lines, most of them cutting a sentence.
_PAGE_MARK = re.compile(r"(?:\A|\n[ \t]*\n)[ \t]*(\d{1,3})、")
_SENT_END = "。！？!?；;：:”」』)）"


def join_page_markers(m: Mapped) -> Mapped:
    marks = list(_PAGE_MARK.finditer(m.text))
    best: list[re.Match] = []
    run: list[re.Match] = []
    for x in marks:
        if run and int(x.group(1)) == int(run[-1].group(1)) + 1:
            run.append(x)
        else:
            run = [x]
        if len(run) > len(best):
            best = list(run)
    if len(best) < 3:
        return m
    cut = sum(1 for x in best if x.start() > 0 and m.text[x.start() - 1] not in _SENT_END)
    if cut * 2 < len(best):
        return m
    return edit(m, [(x.start(), x.end(), "") for x in best])


# --- stray spaces ---------------------------------------------------------
_ZH = f"[{CJK}{CJK_PUNCT}()（）,，]"
_SPACES = re.compile(rf"(?<={_ZH})[ \t\u3000\u00a0]+(?={_ZH}|\d)|(?<=\d)[ \t\u3000\u00a0]+(?={_ZH})")


def remove_stray_spaces(m: Mapped) -> Mapped:
    """"精 神的洗禮" → "精神的洗禮", "2800 余公里" → "2800余公里" (leading indents stay)."""
    spans = []
    for x in _SPACES.finditer(m.text):
        s = x.start()
        if s == 0 or m.text[s - 1] == "\n":
            continue
        spans.append((s, x.end(), ""))
    return edit(m, spans)


# --- broken title lines ---------------------------------------------------
_SHORT_LINE = re.compile(r"[^\n。，,；;：:！？!?]{1,12}")


_HEADING_START = re.compile(rf"(?:[{NUM_ZH}]{{1,3}}[、是]|[（(][{NUM_ZH}\d]{{1,3}}[）)]|第[{NUM_ZH}\d]{{1,3}}[篇章部分]|\d{{1,2}}[、.．](?!\d))")


def join_broken_title(m: Mapped) -> Mapped:
    """Seed 003 opens with "2023" / "年赴鲁苏六县" / "市区" / "城市建设" / "考察报告"."""
    lead = len(m.text) - len(m.text.lstrip())
    lines, pos = [], lead
    while pos < len(m.text):
        end = m.text.find("\n", pos)
        end = len(m.text) if end < 0 else end
        line = m.text[pos:end]
        if not _SHORT_LINE.fullmatch(line.strip()) or len(lines) >= 8 or _HEADING_START.match(line.strip()):
            break  # a numbered heading ("一、基本情况") starts the body, it is never part of the title
        lines.append((pos, end))
        pos = end + 1
    if len(lines) < 3:
        return m
    return edit(m, [(e, e + 1, "") for _, e in lines[:-1]])


# --- run-in headings inside long lines -------------------------------------
_INLINE_HEAD = re.compile(rf"(?<=[。；;])(?=[{NUM_ZH}]{{1,3}}、)")
# a converted PDF's table leftovers between a sentence and the next heading: “…发展。60%以3-5個三、從某種
# 意義上看” (a digit within 12 characters, then X、 not followed by another numeral: “3个三、四线城市” is text);
# draft/points.py strips the same from a point
TABLE_LEFTOVER = r"[^。，,；;：:！？\n]{0,12}?\d[^。，,；;：:！？\n]{0,8}?"
HEAD_ORDINAL = rf"[{NUM_ZH}]{{1,3}}、(?![{NUM_ZH}])"
_JUNK_BEFORE_HEAD = re.compile(rf"(?<=[。；;]){TABLE_LEFTOVER}(?={HEAD_ORDINAL})")


def split_inline_headings(m: Mapped) -> Mapped:
    """"…供領導同志參閱。一、思想有多遠…" puts 一、 on a line of its own (long lines only), dropping a
    table's leftovers in front of it."""
    spans = []
    pos = 0
    for line in m.text.split("\n"):
        if len(line) > 200:
            spans += [(pos + x.start(), pos + x.end(), "\n") for x in _JUNK_BEFORE_HEAD.finditer(line)]
            spans += [(pos + x.start(), pos + x.start(), "\n") for x in _INLINE_HEAD.finditer(line)]
        pos += len(line) + 1
    return edit(m, spans)


def title_on_own_line(m: Mapped) -> Mapped:
    """"赴外地考察報告最近,根據…": the title learnt from page banners runs into the body."""
    title = m.hints.get("title")
    body = m.text.lstrip()
    if title and body.startswith(title) and not body[len(title):].startswith("\n"):
        at = len(m.text) - len(body) + len(title)
        return edit(m, [(at, at, "\n")])
    return m


def clean(text: str) -> Mapped:
    m = Mapped.of(text.replace("\ufeff", ""))
    for step in (remove_junk, join_page_markers, title_on_own_line, remove_stray_spaces,
                 join_broken_title, split_inline_headings):
        m = step(m)
    return m


# --- normalised search form -------------------------------------------------
@functools.lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


@functools.lru_cache(maxsize=8192)
def _width(c: str) -> str:
    n = unicodedata.normalize("NFKC", c)
    return n if len(n) == 1 else c


def normalize(text: str) -> str:
    """Search form: Traditional→Simplified (OpenCC t2s), full-/half-width unified, same length.

    OpenCC converts phrases; the rare conversion that changes the length falls
    back to character-by-character so that offsets stay shared.
    """
    simp = _t2s().convert(text)
    if len(simp) != len(text):
        simp = "".join(_t2s().convert(c) if len(_t2s().convert(c)) == 1 else c for c in text)
    return "".join(_width(c) for c in simp).lower()


def ngrams(text: str, n: int) -> set[str]:
    """Character n-grams of text as it is; a text shorter than n is its own single gram."""
    return {text[i : i + n] for i in range(max(1, len(text) - n + 1))}


def shingles(text: str, n: int = 5) -> set[str]:
    """n-grams of the search form without punctuation or spaces: 發展，经济 and 发展经济 share all."""
    return ngrams(re.sub(r"[^\w]", "", normalize(text)), n)


def containment(a: set[str], b: set[str]) -> float:
    """Share of the smaller set inside the larger: 1.0 when one text repeats the other."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))
