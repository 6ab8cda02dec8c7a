"""The text that is indexed for a passage — one place for the embedder and the keyword index.

What the user sees is the passage's own text; what is searched also carries its context (report
title and heading path), because a bare passage from the middle of a report ("二是…") does not say
what it is about.
"""
from __future__ import annotations


def passage_for_embedding(title: str, section: list[str], text: str) -> str:
    """What the embedder sees: the report title and heading path give a bare passage its topic."""
    head = " › ".join([title, *section]) if title else " › ".join(section)
    return f"{head}\n{text}" if head else text


def indexed_text(title: str, section: list[str], text: str, *, headings: bool = True) -> str:
    """The text embedded and keyword-indexed for a passage (``headings`` = settings.embed_headings)."""
    return passage_for_embedding(title, section, text) if headings else text
