"""Drafting: outlines and sections of a new 考察报告, every point cited.

The genre's structure (seed 000's 第二篇 spells it out): 基本情况 → 主要做法与经验 →
差距与启示 → 下一步打算和建议. Experience points come from the reports, grouped by
the heading they stand under; points about the user's own locality can't come
from other regions' reports, so they are marked slots (【待补充：…】), never invented.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import llm as llm_mod
from .answer import answer_sentence, citation_dict, context_block, is_grounded, pack
from .citations import check, cited_numbers, renumber
from .index import Index
from .prompts import render
from .retrieve import Hit, search
from .settings import Settings

ZH_NUM = "一二三四五六七八九十"
SLOT = "【待补充：{}】"
STRUCTURE = [
    ("基本情况", r"基本情况|概况|整体印象|主要内容|特点|感受", "本次考察的目的、时间、地点和参加人员"),
    ("主要做法与经验", None, None),
    ("差距与启示", r"启示|体会|感悟|思考|悟|比较|差距", "对照先进，本地存在的差距和不足"),
    ("下一步打算和建议", r"建议|打算|措施|笃行|怎么干|下步|下一步", "本地下一步工作安排（责任单位、时间节点）"),
]


@dataclass
class Outline:
    title: str
    sections: list[dict] = field(default_factory=list)  # {"heading", "points": [{"text", "citations"}]}
    citations: list[dict] = field(default_factory=list)
    grounded: bool = True
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"title": self.title, "sections": self.sections, "citations": self.citations,
                "grounded": self.grounded, "notes": self.notes}


class _Cites:
    """Numbers passages in order of first use."""

    def __init__(self):
        self.by_id: dict[str, int] = {}
        self.items: list[dict] = []

    def n(self, hit: Hit) -> int:
        cid = hit.chunk["chunk_id"]
        if cid not in self.by_id:
            self.by_id[cid] = len(self.items) + 1
            self.items.append(citation_dict(self.by_id[cid], hit))
        return self.by_id[cid]


def theme_of(hit: Hit) -> str:
    """"（一）突出产业强市 转型升级大气魄" → "突出产业强市 转型升级大气魄"."""
    label = hit.chunk["section"][-1] if hit.chunk["section"] else hit.chunk["title"]
    label = re.sub(rf"^(?:第[{ZH_NUM}]+[篇章]|[{ZH_NUM}]+[、是要]|[（(][{ZH_NUM}\d]+[）)]|\d+[、.．]|——)", "", label)
    return label.strip("：:。 ")


def _hits(topic: str, index: Index, regions: list[str], k: int) -> list[Hit]:
    queries = [f"{r}{topic}" for r in regions] or [topic]
    seen, out = set(), []
    for q in queries + ([topic] if regions else []):
        for h in search(q, k, index=index):
            if h.chunk["chunk_id"] not in seen and h.score >= index.settings.min_score:
                seen.add(h.chunk["chunk_id"])
                out.append(h)
    return sorted(out, key=lambda h: -h.score)


def outline(topic: str, *, index: Index, regions: list[str] | None = None, k: int = 12) -> Outline:
    topic = (topic or "").strip()
    regions = [r.strip() for r in regions or [] if r.strip()]
    where = "、".join(regions)
    title = f"关于赴{where}学习考察{topic}工作的报告" if where else f"关于{topic}的学习考察报告"
    hits = _hits(topic, index, regions, k)
    ok, reason = is_grounded(topic, hits, index)
    if not topic or not ok:
        return Outline(title, [], [], False, [f"资料中没有找到关于“{topic}”的内容（{reason or '主题为空'}），无法据此起草提纲。"])
    cites = _Cites()
    used: set[str] = set()
    sections = []
    for i, (name, pattern, slot) in enumerate(STRUCTURE):
        points = []
        if slot:
            points.append({"text": SLOT.format(slot), "citations": []})
        if pattern:
            pool = [h for h in hits if re.search(pattern, " ".join(h.chunk["section"])) and h.chunk["chunk_id"] not in used]
            pool = pool[:3]
        else:
            pool = [h for h in hits if h.chunk["chunk_id"] not in used and
                    not any(re.search(p, " ".join(h.chunk["section"])) for _, p, _ in STRUCTURE if p)][:6]
            if not pool:
                pool = [h for h in hits if h.chunk["chunk_id"] not in used][:4]
        for h in pool:
            used.add(h.chunk["chunk_id"])
            sent = answer_sentence(topic, h, index)
            theme = theme_of(h)
            text = f"{theme}：{sent}" if theme and theme not in sent else sent
            points.append({"text": text, "citations": [cites.n(h)]})
        sections.append({"heading": f"{ZH_NUM[i]}、{name}", "points": points})
    return Outline(title, sections, cites.items, True)


def draft_section(section: str, topic: str, *, index: Index, model=None, k: int = 8,
                  settings: Settings | None = None) -> Outline:
    """One section written out as paragraphs; offline: composed of cited sentences."""
    settings = llm_mod.budget(settings or index.settings)
    hits = _hits(f"{topic} {section}", index, [], k)
    ok, reason = is_grounded(topic, hits, index)
    title = f"{section}（{topic}）"
    if not ok:
        return Outline(title, [], [], False, [f"资料中没有找到关于“{topic}”的内容（{reason}），无法起草。"])
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
                cites = _Cites()
                remap = {n: cites.n(kept[n - 1]) for n in res.used}
                paras = [p.strip() for p in res.text.split("\n") if p.strip()]
                points = [{"text": renumber(p, remap),
                           "citations": sorted({remap[n] for n in cited_numbers(p) if n in remap})}
                          for p in paras]
                if res.unsupported:
                    notes.append("以下数字在所引资料中找不到：" + "、".join(res.unsupported))
                return Outline(title, [{"heading": section, "points": points}], cites.items, True, notes)
            notes.append("大模型的稿子没有有效引用，已改用离线拼写")
        except llm_mod.LLMError as exc:
            notes.append(f"{exc}，已改用离线拼写")
    cites = _Cites()
    points = []
    for i, h in enumerate(hits[:6]):
        sents = [answer_sentence(f"{topic} {section}", h, index, rank=r) for r in (0, 1)]
        sents = list(dict.fromkeys(s for s in sents if s))
        n = cites.n(h)
        body = "".join(f"{s}[{n}]" for s in sents)
        points.append({"text": f"（{ZH_NUM[i]}）{theme_of(h)}。{body}", "citations": [n]})
    return Outline(title, [{"heading": section, "points": points}], cites.items, True, notes)


def _bare(heading: str) -> str:
    return re.sub(rf"^[{ZH_NUM}]+、", "", heading).strip()


def merge_section(base: Outline | None, part: Outline) -> Outline:
    """Put a drafted section into the outline in place of the section of the same name,
    renumbering citations by first use (the same passage keeps one number)."""
    if base is None or not base.sections:
        return part
    if not part.sections:
        return Outline(base.title, base.sections, base.citations, base.grounded, base.notes + part.notes)
    new = part.sections[0]
    sections, replaced = [], False
    for s in base.sections:
        if _bare(s["heading"]) == _bare(new["heading"]):
            sections.append({"heading": s["heading"], "points": new["points"], "_from": part})
            replaced = True
        else:
            sections.append({**s, "_from": base})
    if not replaced:
        sections.append({"heading": f"{ZH_NUM[len(sections) % 10]}、{new['heading']}", "points": new["points"],
                         "_from": part})
    order: dict[str, int] = {}
    cites: list[dict] = []
    out = []
    for s in sections:
        by_n = {c["n"]: c for c in s.pop("_from").citations}

        def renum(n: int) -> int:
            c = by_n[n]
            if c["chunk_id"] not in order:
                order[c["chunk_id"]] = len(cites) + 1
                cites.append({**c, "n": order[c["chunk_id"]]})
            return order[c["chunk_id"]]

        points = []
        for p in s["points"]:
            text = renumber(p["text"], lambda n: renum(n) if n in by_n else None, keep_unknown=True)
            points.append({"text": text, "citations": [renum(n) for n in p["citations"] if n in by_n]})
        out.append({"heading": s["heading"], "points": points})
    return Outline(base.title, out, cites, base.grounded, base.notes + part.notes)
