"""Stage 5 — outlines and sections in the genre's structure; Markdown and .docx export.

topic.py (what a request is about, passages per section) → points.py (one cited sentence per
point) → outline.py (the whole outline) / section.py (one section as paragraphs) → export.py.
"""
from .outline import Outline, outline
from .section import bare_heading, draft_section, merge_section
from .topic import SECTION_ROLES, STRUCTURE, understand_topic

__all__ = ["Outline", "SECTION_ROLES", "STRUCTURE", "bare_heading", "draft_section", "merge_section", "outline",
           "understand_topic"]
