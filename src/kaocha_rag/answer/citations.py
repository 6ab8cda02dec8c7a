"""Parse and check citations and numbers in a generated answer.

A citation ``[n]`` must name a passage that was in the prompt; a sentence
without one is reported; a number (with its unit: 亿/万/%/元…) must appear in
one of the passages the sentence cites.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TypedDict

from ..ingest.chunk import match_heading
from ..ingest.clean import CLOSE_QUOTE, FULL_STOP, SENT_STOP, ngrams, normalize, shingles

# one marker as ``renumber`` writes them ("[3]"; "[1, 2]" becomes "[1][2]"): what exported drafts hold
MARK = re.compile(r"\[(\d{1,3})\]")
CITE = re.compile(r"\[(\d{1,3}(?:\s*[,，、]\s*\d{1,3})*)\]")
_SENT = re.compile(rf"[^{FULL_STOP}\n]+(?:[{FULL_STOP}]+[{CLOSE_QUOTE}]?)?(?:\s*(?:\[\d{{1,3}}(?:\s*[,，、]\s*\d{{1,3}})*\])+)?")
# a figure written with digits or Chinese numerals and a unit ("五千万吨", "二十一年")
HAS_NUMBER = re.compile(r"\d|[一二两三四五六七八九十百千万亿]+(?:[多余])?[个家条项万亿元吨人年次倍所座亩米公里]")
NUMBER = re.compile(r"\d+(?:[.,，]\d+)*(?:\s*[多余])?\s*(?:[万亿千百]+)?\s*(?:%|％|元|美元|人|家|条|项|个|亩|公里|米|平方米|吨|户|所|名|页|年|倍|次|标箱)?")


class Citation(TypedDict):
    """One cited passage: what [n] in an answer, an outline or the CLI's JSON resolves to."""
    n: int
    chunk_id: str
    title: str  # the report's title
    section: list[str]  # heading path
    text: str  # the passage as written (original script)
    doc_id: str
    source: str  # the file name
    score: float  # search relevance 0–1 (4 decimals)


@dataclass
class CitationCheck:
    text: str  # answer with invalid citations removed
    used: list[int] = field(default_factory=list)  # valid passage numbers, in order of first use
    invalid: list[int] = field(default_factory=list)
    uncited: list[str] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)
    supported: int = 0  # cited sentences that actually say what a cited passage says
    flagged: list[str] = field(default_factory=list)  # sentences holding an unsupported number


def overlap(sentence: str, passage: str) -> float:
    """Share of the sentence's character bigrams found in the passage: a sentence that restates
    its source scores ~0.6–1.0; "资料编号：[1]" or an invented claim scores near 0."""
    s = shingles(CITE.sub("", sentence), 2)
    return len(s & shingles(passage, 2)) / len(s) if len(s) >= 4 else 0.0


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENT.findall(join_broken_lines(text)) if s.strip()]


def join_broken_lines(text: str) -> str:
    """Mend a line break inside a sentence (a page break in the source file): “…累计固定资产投资\n1.65万亿元。”
    must not end at 投资. A line of at least 30 characters that ends without a stop, a colon, a closing
    quote or a citation runs on, unless the next line is a heading or list item; short lines are headings."""
    lines = text.split("\n")
    out = [lines[0]]
    for line in lines[1:]:
        prev = out[-1].rstrip()
        if len(prev) >= 30 and prev[-1] not in ENDS and line.strip() and \
                not match_heading(line) and not re.match(r"\s*[-*•#|]", line):
            out[-1] = prev + line.lstrip()
        else:
            out.append(line)
    return "\n".join(out)


ENDS = SENT_STOP + "：:" + CLOSE_QUOTE + "]）)】"


def renumber(text: str, remap, keep_unknown: bool = False) -> str:
    """Rewrite every [n] (and [n, m]) through ``remap`` (a dict or a function n → new n, None to drop):
    the one place answers, drafted sections and merged outlines renumber their citations."""
    get = remap.get if isinstance(remap, dict) else remap

    def one(m: re.Match) -> str:
        out = []
        for n in cited_numbers(m.group(0)):
            new = get(n)
            out.append(f"[{new}]" if new is not None else (f"[{n}]" if keep_unknown else ""))
        return "".join(out)
    return CITE.sub(one, text)


class FirstUse:
    """Numbers passages by first use across texts cited against different lists (a merged outline:
    the base outline's [1] and a drafted section's [1] are different passages). The same passage
    keeps one number: base [2] = section [1] = chunk c7 becomes one [n]. ``citations`` collects the
    passages in their new order, each with its new ``n``."""

    def __init__(self):
        self.order: dict[str, int] = {}
        self.citations: list[dict] = []

    def _new(self, by_n: dict[int, dict], n: int) -> int | None:
        c = by_n.get(n)
        if c is None:
            return None
        if c["chunk_id"] not in self.order:
            self.order[c["chunk_id"]] = len(self.citations) + 1
            self.citations.append({**c, "n": self.order[c["chunk_id"]]})
        return self.order[c["chunk_id"]]

    def text(self, text: str, citations: list[dict]) -> str:
        """``text`` with its [n] (numbers of ``citations``) renumbered; unknown [n] kept as written."""
        by_n = {c["n"]: c for c in citations}
        return renumber(text, lambda n: self._new(by_n, n), keep_unknown=True)

    def numbers(self, ns: list[int], citations: list[dict]) -> list[int]:
        by_n = {c["n"]: c for c in citations}
        return [m for m in (self._new(by_n, n) for n in ns) if m is not None]


def cited_numbers(s: str) -> list[int]:
    out = []
    for m in CITE.finditer(s):
        out.extend(int(x) for x in re.split(r"\s*[,，、]\s*", m.group(1)))
    return out


def _digits(num: str) -> str:
    return re.sub(r"[^\d.]", "", num.replace("，", ",").replace(",", ""))


def number_supported(num: str, passages: list[str]) -> bool:
    """"13.2亿" is supported by a passage holding "13.2亿"; "3000万元" by "3000 萬元"."""
    core = _digits(num)
    if not core:
        return True
    unit = re.sub(r"[\d.,，\s多余]", "", num)
    for p in passages:
        t = re.sub(r"\s+", "", normalize(p)).replace(",", "")
        for m in re.finditer(re.escape(core) + r"(?![\d.])", t):
            if m.start() > 0 and (t[m.start() - 1].isdigit() or t[m.start() - 1] == "."):
                continue
            after = t[m.end():m.end() + 6].lstrip("多余")
            if not unit or after.startswith(normalize(unit)[:1]):
                return True
    return False


def _han_bigrams(text: str) -> set[str]:
    t = re.sub(r"[^\u4e00-\u9fff]", "", normalize(text))
    return ngrams(t, 2) if len(t) >= 2 else set()


def number_bound(body: str, start: int, end: int, passages: list[str]) -> bool:
    """The words beside a number in the answer stand beside it in a passage too: “承德旅院开了10个专业”
    is not supported by “…语音室10个” although 10个 is in the passage, nor “建校的年份是1978年” by
    “始建于1935年,1978年即被确定为重点中学” (6 characters each side in the answer, 14 in the passage)."""
    near = _han_bigrams(body[max(0, start - 6):start] + " " + body[end:end + 6])
    core = _digits(body[start:end])
    if not near or not core:
        return True
    for p in passages:
        t = re.sub(r"\s+", "", normalize(p)).replace(",", "")
        for m in re.finditer(re.escape(core) + r"(?![\d.])", t):
            if near & _han_bigrams(t[max(0, m.start() - 14):m.end() + 14]):
                return True
    return False


def check(answer: str, passages: dict[int, str]) -> CitationCheck:
    """Drop citations that name no passage; report uncited sentences and unsupported numbers."""
    res = CitationCheck(text="")
    for s in sentences(answer):
        nums = cited_numbers(s)
        valid = [n for n in nums if n in passages]
        res.invalid.extend(n for n in nums if n not in passages and n not in res.invalid)
        body = CITE.sub("", s).strip()
        if not valid and len(re.sub(r"[\W_]", "", body)) >= 4:
            res.uncited.append(body)
        for n in valid:
            if n not in res.used:
                res.used.append(n)
        if valid and max(overlap(body, passages[n]) for n in valid) >= 0.3:
            res.supported += 1
        for m in NUMBER.finditer(body):
            num = m.group(0).strip()
            if len(_digits(num)) == 0:
                continue
            cited = [passages[n] for n in valid]
            if not number_supported(num, cited) or not number_bound(body, m.start(), m.end(), cited):
                res.unsupported.append(num)
                if s not in res.flagged:
                    res.flagged.append(s)
    # rewrite the citations in place so paragraphs and line breaks survive
    res.text = CITE.sub(lambda m: "".join(f"[{n}]" for n in cited_numbers(m.group(0)) if n in passages), answer)
    return res
