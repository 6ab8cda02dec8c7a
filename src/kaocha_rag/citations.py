"""Parse and check citations and numbers in a generated answer.

A citation ``[n]`` must name a passage that was in the prompt; a sentence
without one is reported; a number (with its unit: 亿/万/%/元…) must appear in
one of the passages the sentence cites.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .clean import normalize

CITE = re.compile(r"\[(\d{1,3}(?:\s*[,，、]\s*\d{1,3})*)\]")
_SENT = re.compile(r"[^。！？!?\n]+(?:[。！？!?]+[”’」』]?)?(?:\s*(?:\[\d{1,3}(?:\s*[,，、]\s*\d{1,3})*\])+)?")
NUMBER = re.compile(r"\d+(?:[.,，]\d+)*(?:\s*[多余])?\s*(?:[万亿千百]+)?\s*(?:%|％|元|美元|人|家|条|项|个|亩|公里|米|平方米|吨|户|所|名|页|年|倍|次|标箱)?")


@dataclass
class CitationCheck:
    text: str  # answer with invalid citations removed
    used: list[int] = field(default_factory=list)  # valid passage numbers, in order of first use
    invalid: list[int] = field(default_factory=list)
    uncited: list[str] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENT.findall(text) if s.strip()]


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


def check(answer: str, passages: dict[int, str]) -> CitationCheck:
    """Drop citations that name no passage; report uncited sentences and unsupported numbers."""
    res = CitationCheck(text="")
    out_parts = []
    for s in sentences(answer):
        nums = cited_numbers(s)
        valid = [n for n in nums if n in passages]
        res.invalid.extend(n for n in nums if n not in passages and n not in res.invalid)
        clean_s = CITE.sub(lambda m: "".join(f"[{n}]" for n in cited_numbers(m.group(0)) if n in passages), s)
        out_parts.append(clean_s)
        body = CITE.sub("", s).strip()
        if not valid and len(re.sub(r"[\W_]", "", body)) >= 4:
            res.uncited.append(body)
        for n in valid:
            if n not in res.used:
                res.used.append(n)
        for m in NUMBER.finditer(body):
            num = m.group(0).strip()
            if len(_digits(num)) == 0:
                continue
            if not number_supported(num, [passages[n] for n in valid]):
                res.unsupported.append(num)
    res.text = "".join(p if p.endswith(("\n",)) else p for p in out_parts)
    return res
