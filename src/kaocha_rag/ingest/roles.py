"""A passage's role in its report: 概况 / 做法·经验 / 成效 / 启示·差距 / 问题 / 打算·建议.

A 考察报告 says what the visited places are like (概况), what they did (做法·经验) and
achieved (成效), what the delegation took from it (启示·差距), what is wrong at home (问题)
and what home will do next (打算·建议). The role comes from the heading path, top level
first ("一、深学:学到什么" → 做法·经验, "三、笃行:该怎么干" → 打算·建议); a top-level heading
that names two roles ("三、启示与下步打算") is settled by the deeper headings or the wording;
where headings say nothing (an untitled opening, "一、思想有多远,发展就能走多远") the
passage's own wording decides. Stored with every chunk (``Chunk.role``, the ``role`` column
of the manifest) and usable as a search filter (``retrieve.search(roles=…)``).
"""
from __future__ import annotations

import re

from .clean import normalize

OVERVIEW, PRACTICE, RESULT, LESSON, PROBLEM, PLAN = "概况", "做法·经验", "成效", "启示·差距", "问题", "打算·建议"
ROLES = (OVERVIEW, PRACTICE, RESULT, LESSON, PROBLEM, PLAN)

# heading words per role, tried on each heading of the path (Simplified; headings are normalised first)
HEADING = [
    (PLAN, r"建议|打算|怎么干|笃行|下步|下一步|措施|对策|思路|推进我|推动[*＊ⅹx某本我]|用好用足|结合我|做好|努力方向|今后"),
    (PROBLEM, r"问题|不足|短板|困难|制约|瓶颈"),
    (LESSON, r"启示|体会|感悟|思考|悟到|细悟|比较|差距|感想|收获|认识|借鉴意义|反思"),
    (RESULT, r"成效|成果|成绩|效果|成就"),
    (PRACTICE, r"做法|经验|学到|深学|举措|模式|路径|怎么做|如何做|先进"),
    (OVERVIEW, r"基本情况|概况|简况|整体印象|主要特点|鲜明特点|特点|主要内容|引言|前言|感受|印象|总体情况|考察行程"),
]
# wording: each hit counts one; the role with most hits wins (ties: the order of ROLES)
WORDING = [
    (PLAN, r"建议|要进一步|须进一步|必须|下一步|下步|我们将|将要|要加快|要坚持|要强化|要着力|拟|应当|应该|务必|力争|切实"),
    (PROBLEM, r"问题|不足|短板|差距较大|困难|制约|滞后|薄弱|不够"),
    (LESSON, r"启示|体会|感悟|深刻认识|认识到|感到|深感|对照|相比|差距|值得(?:学习|借鉴)|借鉴|反思|悟出"),
    (RESULT, r"成效|达到|实现了?|增长|同比|提高了|显著|突破|累计|位居|首位|榜首|荣获|获评|入选"),
    (PRACTICE, r"做法|经验|坚持|推行|实施|实行|建立|采取|通过|探索|创新|打造|推进|开展|引进|设立|出台|制定"),
    (OVERVIEW, r"位于|地处|面积|人口|辖|总人口|常住|概况|基本情况|根据.{0,12}安排|赴.{0,20}考察|考察团|一行"),
]


def _heading_roles(heading: str) -> list[str]:
    h = normalize(heading)
    return [role for role, pat in HEADING if re.search(pat, h)]


def role_of_wording(text: str) -> str:
    t = normalize(text)
    counts = {role: len(re.findall(pat, t)) for role, pat in WORDING}
    best = max(counts.values())
    if best == 0:
        return OVERVIEW
    # a result needs more than one figure word: "实现" alone in a passage on practices is no result
    if counts[RESULT] == best and counts[PRACTICE] >= best - 1 and best < 3:
        return PRACTICE
    return next(role for role in (PLAN, LESSON, PROBLEM, RESULT, PRACTICE, OVERVIEW) if counts[role] == best)


def role_of(section: list[str], text: str = "") -> str:
    """The role of a passage with heading path ``section`` (top level first) and body ``text``."""
    path = [s for s in section if s.strip()]
    if not path:
        return role_of_wording(text)
    top = _heading_roles(path[0])
    if top == [OVERVIEW] and len(path) > 1:
        # "一、学习考察的整体印象 › (一)环境宽松" / "二、…的几个鲜明特点 › （二）招商引资政策活": a chapter
        # of impressions lists, point by point, what the places did and achieved — the 做法 and 成效
        # a writer draws on. A deeper heading or the point's wording says which; plans or lessons
        # worded inside an overview stay 概况 (they describe the visited place, not home).
        deeper = [r for s in path[1:] for r in _heading_roles(s) if r in (PRACTICE, RESULT)]
        if deeper:  # ("（二）配套功能比较健全": 比较 there is "fairly", no comparison — only 做法/成效 count)
            return deeper[0]
        w = role_of_wording(" ".join(path[1:]) + " " + text)
        return w if w in (PRACTICE, RESULT) else OVERVIEW
    if len(top) == 1:
        return top[0]
    deeper = [r for s in path[1:] for r in _heading_roles(s)]
    if top:
        # "三、启示与下步打算" / "对照先进找差距，下一步拟采取的措施": the deeper heading or the wording chooses
        for r in deeper:
            if r in top:
                return r
        w = role_of_wording(" ".join(path[1:]) + " " + text)
        return w if w in top else top[0]
    if deeper:
        return deeper[0]
    return role_of_wording(" ".join(path) + " " + text)


def roles_of(chunk: dict) -> str:
    """The stored role, or (an index built before roles) the role computed now."""
    return chunk.get("role") or role_of(chunk.get("section") or [], chunk.get("text", ""))
