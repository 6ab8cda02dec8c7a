"""The text that is indexed for a passage — one place for the embedder and the keyword index.

What the user sees is the passage's own text; what is searched also carries its context, because a
bare passage from the middle of a long document ("二是…", a list of application steps) does not say
what it is about: the report's title and heading path, or — where the file has no title line and
its name names nothing (a 32-hex id, 新建文档(3)) — the document's lead sentence, which is where a
notice states its issuing body, place and subject. A meaningless name is never indexed.
"""
from __future__ import annotations

from ..ingest.chunk import lead_line, meaningful_title


def passage_for_embedding(title: str, section: list[str], text: str, lead: str = "") -> str:
    """What the embedder sees: the title (or, without a meaningful one, the lead) and the heading path."""
    name = title if meaningful_title(title) else lead
    head = " › ".join([name, *section]) if name else " › ".join(section)
    return f"{head}\n{text}" if head else text


def indexed_text(title: str, section: list[str], text: str, *, headings: bool = True, lead: str = "") -> str:
    """The text embedded and keyword-indexed for a passage (``headings`` = settings.embed_headings;
    ``lead`` = ``doc_leads(...)[doc_id]``, used only when the title means nothing)."""
    return passage_for_embedding(title, section, text, lead) if headings else text


def doc_leads(chunks) -> dict[str, str]:
    """doc_id → the lead sentence of each document without a meaningful title ("" for the others).

    ``chunks`` in document order (a Document's chunks, or the manifest's rows, which come ordered by
    doc and position): a document's first passage holds its lead. Manifest rows and ``Chunk`` objects
    give the same lead, so the text embedded at ingest and the text keyword-indexed on read agree.
    """
    out: dict[str, str] = {}
    for c in chunks:
        get = c.get if isinstance(c, dict) else c.__getattribute__
        doc = get("doc_id")
        if doc not in out:
            out[doc] = "" if meaningful_title(get("title")) else lead_line(get("norm"))
    return out
