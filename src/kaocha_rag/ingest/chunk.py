"""Section-aware chunking: a heading tree from Chinese official numbering.

Families (each may nest in any order; the stack pops back to a family already
open): 第X篇/章 › 一、 › （一） › 1. / 1、 › (1) › a、 and run-in 一是/二要, plus
"——感悟与思考：". A chunk is section text within a token budget.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .clean import CLOSE_QUOTE, NUM_ZH, SENT_STOP, Mapped, clean, containment, normalize, shingles
from .read import read_file
from .roles import role_of
from .split import split_documents
from ..tokens import count_tokens

_N = f"[{NUM_ZH}]"
FAMILIES: list[tuple[str, re.Pattern]] = [
    ("pian", re.compile(rf"第{_N}{{1,3}}[篇章部分]+[：:、\s]?")),
    ("zh", re.compile(rf"{_N}{{1,3}}、")),
    ("zh_paren", re.compile(rf"[（(]{_N}{{1,3}}[）)]")),
    ("num", re.compile(r"\d{1,2}(?:[、．]|\.(?!\d))")),
    ("num_paren", re.compile(r"[（(]\d{1,2}[）)]")),
    ("alpha", re.compile(r"[a-zA-Z][、．.](?![a-zA-Z\d])")),
    ("shi", re.compile(rf"{_N}{{1,2}}[是要](?=[^\s，,。])")),
    ("ganwu", re.compile(r"——[^\n：:]{2,10}[：:]")),
]
HEAD_MAX = 40  # a heading longer than this is a numbered paragraph, labelled by its start
_SENT = re.compile(rf"[^{SENT_STOP}\n]*(?:[{SENT_STOP}]+[{CLOSE_QUOTE}]?|\n|$)")


@dataclass
class Chunk:
    chunk_id: str
    doc_id: str
    title: str
    source: str
    section: list[str]
    text: str  # display text (original script), cleaned
    start: int  # offsets in the decoded file
    end: int
    norm: str = ""  # search form of text
    hash: str = ""
    duplicate_of: str | None = None
    role: str = ""  # 概况 / 做法·经验 / 成效 / 启示·差距 / 问题 / 打算·建议 (roles.py)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Document:
    doc_id: str
    title: str
    source: str
    duplicate_of: str | None
    chunks: list[Chunk] = field(default_factory=list)


# A file name that names nothing, which the splitter would otherwise use as the title of a file with
# no title line: ids (a 32-hex id, a uuid, the seeds' 000_d688bad86ca44f67, a date or scan number;
# at least one digit, so "cafe" stays a word) and the names editors give new files (新建文档(3),
# 新建 Microsoft Word 文档, 文档1). Indexed, it only adds noise: no question holds "d41d8cd9…".
_NAMELESS = re.compile(r"(?i)[\da-f_\-\s.]*\d[\da-f_\-\s.]*|(?:新建|未命名|无标题)[^/\\]{0,30}"
                       r"|(?:文档|文件|副本|document|doc|file|scan|img|image)[\s_\-]*\d*")
_COPY = re.compile(r"(?i)\s*(?:[(（]\d+[)）]|-\s*副本|copy)\s*$")
_SALUTATION = re.compile(r".{1,15}[：:]")  # 各有关单位： / 各位代表： opens a text, says nothing of it
LEAD_MAX = 60  # characters: the issuing body and subject fit (海淀区人力资源和社会保障局关于开展…的通知 is ~35)


def meaningful_title(title: str) -> bool:
    """False for an empty title or a file name that names nothing (see ``_NAMELESS``)."""
    t = _COPY.sub("", (title or "").strip())
    return bool(t) and not _NAMELESS.fullmatch(t)


def lead_line(text: str) -> str:
    """A document's first sentence (its first line up to 。！？；, at most ``LEAD_MAX`` characters),
    skipping an addressee line: where a notice states its issuing body, place, date and subject."""
    for line in text.splitlines():
        line = line.strip()
        if line and not _SALUTATION.fullmatch(line):
            return re.split(r"[。！？!?；;]", line, maxsplit=1)[0].strip()[:LEAD_MAX]
    return ""


def match_heading(line: str) -> tuple[str, str, bool] | None:
    """(family, label, whole_line) for a heading line, else None.

    "（一）环境宽松。这次学习…" → ("zh_paren", "（一）环境宽松", False): run-in, the
    heading ends at the first 。 and the body follows on the same line.
    """
    s = line.strip()
    for fam, pat in FAMILIES:
        x = pat.match(s)
        if not x or len(s) == x.end():
            continue
        rest = s[x.end():]
        if fam == "ganwu":
            return fam, s[: x.end()].rstrip("：:"), not rest.strip()
        stop = re.search(r"[。！？!?；;]", rest)
        if stop is None and len(s) <= HEAD_MAX:
            return fam, s.rstrip("：:"), True
        if stop is not None and x.end() + stop.start() <= HEAD_MAX:
            return fam, s[: x.end() + stop.start()], False
        cut = re.split(r"[，,：:、]", rest, maxsplit=1)[0]
        label = s[: x.end()] + (cut if len(cut) <= 20 else cut[:20] + "…")
        return fam, label, False
    return None


@dataclass
class _Section:
    path: list[str]
    start: int  # indices into the cleaned text
    end: int


def sections_of(text: str, start: int, end: int) -> list[_Section]:
    """Split text[start:end] into sections, each the lines under one heading path."""
    stack: list[tuple[str, str]] = []
    out: list[_Section] = []
    pos = start
    for line in text[start:end].splitlines(keepends=True):
        head = match_heading(line)
        if head:
            fam, label, _ = head
            fams = [f for f, _ in stack]
            if fam in fams:
                del stack[fams.index(fam):]
            stack.append((fam, label))
            out.append(_Section([lab for _, lab in stack], pos, pos + len(line)))
        elif out and line.strip():
            out[-1].end = pos + len(line)
        elif line.strip():
            out.append(_Section([], pos, pos + len(line)))
        elif out:
            out[-1].end = pos + len(line)
        pos += len(line)
    return out


def _sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans = []
    for x in _SENT.finditer(text, start, end):
        if x.end() > x.start():
            spans.append((x.start(), x.end()))
    return spans


def _pieces(text: str, sec: _Section, max_tokens: int, overlap: int) -> list[tuple[int, int]]:
    """Long sections split at sentence ends, consecutive pieces sharing `overlap` sentences."""
    if count_tokens(text[sec.start:sec.end]) <= max_tokens:
        return [(sec.start, sec.end)]
    sents = _sentences(text, sec.start, sec.end)
    pieces, i = [], 0
    while i < len(sents):
        j, tokens = i, 0
        while j < len(sents):
            t = count_tokens(text[sents[j][0]:sents[j][1]])
            if j > i and tokens + t > max_tokens:
                break
            tokens += t
            j += 1
        pieces.append((sents[i][0], sents[j - 1][1]))
        if j >= len(sents):
            break
        i = max(i + 1, j - overlap)
    return pieces


def chunk_spans(text: str, start: int, end: int, *, max_tokens: int, min_tokens: int, overlap: int):
    """Yield (path, i, j): chunks of text[start:end]; tiny sections merge with the next one."""
    pending: list[tuple[list[str], int, int, int]] = []  # path, i, j, chars of real text
    for sec in sections_of(text, start, end):
        for i, j in _pieces(text, sec, max_tokens, overlap):
            if pending:
                merged = text[pending[0][1]:j]
                if count_tokens(text[pending[0][1]:pending[-1][2]]) < min_tokens and count_tokens(merged) <= max_tokens:
                    pending.append((sec.path, i, j, j - i))
                    continue
                yield _flush(pending)
            pending = [(sec.path, i, j, j - i)]
    if pending:
        yield _flush(pending)


def _flush(pending):
    path = max(pending, key=lambda p: (p[3], len(p[0])))[0]
    return path, pending[0][1], pending[-1][2]


def _strip_span(text: str, i: int, j: int) -> tuple[int, int]:
    while i < j and text[i].isspace():
        i += 1
    while j > i and text[j - 1].isspace():
        j -= 1
    return i, j


def chunk_text(raw_text: str, source: str, *, max_tokens: int = 420, min_tokens: int = 60,
               overlap: int = 1) -> list[Document]:
    """Clean, split into reports and chunk one file's decoded text."""
    m: Mapped = clean(raw_text)
    stem = Path(source).stem
    spans = split_documents(m, fallback_title=stem)
    docs: list[Document] = []
    for k, span in enumerate(spans):
        doc_id = f"{stem}-{k + 1}"
        dup = f"{stem}-{span.duplicate_of + 1}" if span.duplicate_of is not None else None
        doc = Document(doc_id, span.title, source, dup)
        for path, i, j in chunk_spans(m.text, span.body_start, span.end, max_tokens=max_tokens,
                                      min_tokens=min_tokens, overlap=overlap):
            i, j = _strip_span(m.text, i, j)
            if i >= j or not re.search(r"\w", m.text[i:j]):
                continue  # nothing but punctuation ("。"): not a passage anyone can search for
            text = m.text[i:j]
            norm = normalize(text)
            s, e = m.span(i, j)
            doc.chunks.append(Chunk(f"{doc_id}-{len(doc.chunks) + 1}", doc_id, span.title, source, path,
                                    text, s, e, norm, hashlib.sha1(norm.encode()).hexdigest()[:16],
                                    role=role_of(path, text)))
        if doc.chunks and not meaningful_title(doc.title):
            # indexed under its lead sentence instead of the file name (index/passage.py): the hash,
            # and with it the vector id, covers that context, so a changed lead is re-embedded
            lead = lead_line(doc.chunks[0].norm)
            for c in doc.chunks:
                c.hash = hashlib.sha1(f"{lead}\n{c.norm}".encode()).hexdigest()[:16]
        docs.append(doc)
    mark_duplicate_chunks([c for d in docs for c in d.chunks])
    return docs


def mark_duplicate_chunks(chunks: list[Chunk], threshold: float = 0.8) -> None:
    """Record on each passage the earlier passage of another report it repeats.

    Within one report, neighbouring chunks share an overlap sentence by design,
    so only passages of different documents are compared.
    """
    sets = [shingles(c.norm) for c in chunks]
    for j, cj in enumerate(chunks):
        for i in range(j):
            if chunks[i].doc_id != cj.doc_id and chunks[i].duplicate_of is None and containment(sets[i], sets[j]) >= threshold \
                    and min(len(sets[i]), len(sets[j])) > 10:
                cj.duplicate_of = chunks[i].chunk_id
                break


def chunk_file(path: str | Path, *, display_name: str | None = None, **kw) -> list[Document]:
    raw = read_file(path, display_name=display_name)
    return chunk_text(raw.text, raw.source, **kw)
