"""Drafting one section of the report (起草该部分) as cited paragraphs by theme, offline or with the
model, and merging it into the outline being written.
"""
from __future__ import annotations

import re

from ..errors import EMPTY_LIBRARY, LLMError
from ..llm import chat as llm_mod
from ..ingest import roles
from ..ingest.clean import NUM_ZH, ORDINALS
from ..answer.ask import context_block, pack
from ..answer.citations import FirstUse, check, cited_numbers, overlap, renumber
from ..index.index import Index
from ..answer.prompts import render
from ..settings import Settings
from .outline import LESSONS, PLANS, PRACTICES, Cites, Outline, grounded, place_lessons, refusal_notes
from .points import Point, make_points, pick, to_simplified
from .topic import SECTION_ROLES, SLOT, STRUCTURE, section_hits, understand_topic


def section_name(section: str) -> str:
    bare = bare_heading(section)
    for name, _, _ in STRUCTURE:
        if name == bare or name in bare or bare in name:
            return name
    heads = roles._heading_roles(bare)
    for name, want in SECTION_ROLES.items():
        if heads and heads[0] in want:
            return name
    return "主要做法与经验"


def paragraphs(points: list[Point], cites: "Cites", own: bool, max_paras: int = 4) -> list[dict]:
    """Points grouped by theme (the heading they stand under; one report's section stays together),
    each group one paragraph: the theme as its lead, then its sentences, each cited."""
    groups: list[list[Point]] = []
    for p in points:
        for g in groups:
            q = g[0]
            same_section = q.hit.chunk["doc_id"] == p.hit.chunk["doc_id"] and q.hit.chunk["section"][:2] == p.hit.chunk["section"][:2]
            if same_section or (q.theme and p.theme and overlap(q.theme, p.theme) >= 0.5):
                g.append(p)
                break
        else:
            groups.append([p])
    groups.sort(key=lambda g: -len(g))
    out = []
    for gi, g in enumerate(groups[:max_paras]):
        lead = g[0].theme or g[0].hit.chunk["title"]
        body, said = [], ""
        for p in g[:4]:
            text = p.text
            if p.place and text.startswith(p.place + "："):
                # “在杭州市，” once: the next sentences of the paragraph about the same place go on without it
                text = (f"在{p.place}，" if p.place != said else "") + text[len(p.place) + 1:]
                said = p.place
            body.append(f"{text}[{cites.n(p.hit)}]")
        ns = sorted({cites.by_id[p.hit.chunk["chunk_id"]] for p in g[:4]})
        out.append({"text": f"（{ORDINALS[gi]}）{to_simplified(lead).rstrip('。')}。" + "".join(body), "citations": ns})
    return out


def draft_section(section: str, topic: str, *, index: Index, model=None, k: int = 8,
                  settings: Settings | None = None) -> Outline:
    """One section written out: offline, paragraphs grouped by theme with every sentence cited,
    from the passages whose role fits the section; with an LLM, the same evidence as prose."""
    settings = llm_mod.budget(settings or index.settings)
    name = section_name(section)
    if index.empty():
        return Outline(f"{section}（{topic}）", [], [], False, [EMPTY_LIBRARY])
    t = understand_topic(topic, index)
    hits = section_hits(t, index, name, k)
    # a lesson passage's sentence on a visited place's practice, or home's plan, belongs here (place_lessons)
    lessons = section_hits(t, index, LESSONS, k) if name in (PRACTICES, PLANS) and topic.strip() else []
    title = f"{section}（{topic}）"
    ok, reason = grounded(t, hits + lessons, index) if topic.strip() else (False, "主题为空")
    if not ok:
        return Outline(title, [], [], False, refusal_notes(t, reason, index))
    notes = []
    if model is None:
        model = llm_mod.configured_model(settings, notes)
    if model is not None:
        kept, _ = pack(hits, settings, section + topic)
        try:
            text = llm_mod.complete(model, render("answer_system", settings),
                                    render("draft_section", settings, context=context_block(kept), topic=topic, section=section))
            res = check(text, {n: h.chunk["text"] for n, h in enumerate(kept, 1)})
            if res.used and res.supported:
                cites = Cites()
                remap = {n: cites.n(kept[n - 1]) for n in res.used}
                paras = [p.strip() for p in res.text.split("\n") if p.strip()]
                points = [{"text": renumber(p, remap),
                           "citations": sorted({remap[n] for n in cited_numbers(p) if n in remap})}
                          for p in paras]
                if res.unsupported:
                    notes.append("以下数字在所引资料中找不到：" + "、".join(res.unsupported))
                return Outline(title, [{"heading": section, "points": points}], cites.items, True, notes)
            notes.append("大模型的稿子没有有效引用，已改用离线拼写")
        except LLMError as exc:
            notes.append(f"{exc}，已改用离线拼写")
    cites = Cites()
    found = {LESSONS: make_points(t, lessons, index, LESSONS), name: make_points(t, hits, index, name)}
    chosen = pick(place_lessons(found, index)[name], 10, [], [], per_passage=3)
    if not chosen:
        notes.append(f"资料中没有{name}方面关于“{topic}”的内容。")
        return Outline(title, [{"heading": section, "points": [{"text": SLOT.format(f"{name}（{topic}）"), "citations": []}]}],
                       [], True, notes)
    points = paragraphs(chosen, cites, name == "下一步打算和建议")
    return Outline(title, [{"heading": section, "points": points}], cites.items, True, notes)


def bare_heading(heading: str) -> str:
    return re.sub(rf"^[{NUM_ZH}]+、", "", heading).strip()


def merge_section(base: Outline | None, part: Outline) -> Outline:
    """Put a drafted section into the outline in place of the section of the same name,
    renumbering citations by first use (the same passage keeps one number)."""
    if base is None or not base.sections:
        return part
    if not part.sections:
        return Outline(base.title, base.sections, base.citations, base.grounded, base.notes + part.notes)
    new = part.sections[0]
    # (heading, points, the citation list their [n] refer to)
    sections, replaced = [], False
    for s in base.sections:
        if bare_heading(s["heading"]) == bare_heading(new["heading"]):
            sections.append((s["heading"], new["points"], part.citations))
            replaced = True
        else:
            sections.append((s["heading"], s["points"], base.citations))
    if not replaced:
        sections.append((f"{ORDINALS[len(sections) % 10]}、{new['heading']}", new["points"], part.citations))
    first = FirstUse()
    out = [{"heading": heading, "points": [{"text": first.text(p["text"], cites),
                                            "citations": first.numbers(p["citations"], cites)} for p in points]}
           for heading, points, cites in sections]
    return Outline(base.title, out, first.citations, base.grounded, base.notes + part.notes)
