"""Follow-up questions (“那开封呢？” after “洛阳怎么发展文旅？”) made standalone before they are
understood: by the configured model when there is one (not the 0.5B local one), else by a rule."""
from __future__ import annotations

import re

from ..errors import LLMError
from ..ingest.clean import normalize
from ..llm import chat as llm_mod
from ..settings import Settings
from .lexicon import load_lexicon
from .prompts import render

_FOLLOW = re.compile(r"^(?:那么?|那|还有|另外|再问一下|都|然后|分别|具体)|[呢]？?$|^(?:这个|这些|这|它|他们|其|改完|以后)")


def rewrite_rule(question: str, history: list[tuple[str, str]], places=None) -> str:
    """Offline follow-up rule: "那开封呢？" after "洛阳怎么发展文旅？" → "开封怎么发展文旅？";
    "那经营户呢" (not a place) or "这个数字是哪一年的？" → the previous question with this
    one appended. ``places``: names known as places (the gazetteer); jieba's tags otherwise."""
    q = question.strip()
    if not history or len(q) > 30 or not (_FOLLOW.search(q) or len(q) <= 6):
        return q
    prev = history[-1][0]
    subject = re.sub(r"^(?:那么?|还有|另外)|呢?[？?]?$", "", q).strip("，, ")
    asks_about_other = bool(re.match(r"^(?:那么?|还有|另外)", q) or re.search(r"呢[？?]?$", q))
    if asks_about_other and subject and re.fullmatch(r"[\u4e00-\u9fffA-Za-z0-9]{1,12}", subject):
        import jieba.posseg as pseg

        prev_places = [w.word for w in pseg.cut(prev) if w.flag in ("ns", "nt", "nr", "nz")]
        if places is not None:
            prev_places = [p for p in prev_places if p in places] or [p for p in places_in(prev, places)]
        subject_is_place = places is None or normalize(subject) in places or any(
            normalize(subject).startswith(p) for p in places_in(normalize(subject), places))
        if prev_places and subject_is_place:
            return prev.replace(prev_places[0], subject, 1)
        if places is None:
            return subject + "：" + prev
    return f"{prev.rstrip('？?')}，{q}"


def places_in(text: str, places) -> list[str]:
    """Place names in text, longest first at each position (“深圳市” before “深圳”)."""
    out, i = [], 0
    while i < len(text):
        for n in range(min(8, len(text) - i), 1, -1):
            if text[i:i + n] in places:
                out.append(text[i:i + n])
                i += n - 1
                break
        i += 1
    return out


def standalone_question(question: str, history, settings: Settings, model) -> str:
    if not history:
        return question
    # a 0.5B local model rewrites follow-ups worse than the rule, and costs seconds per call
    if model is not None and settings.llm != "local":
        hist = "\n".join(f"用户：{u}\n助手：{a[:200]}" for u, a in history[-3:])
        try:
            out = llm_mod.complete(model, "", render("rewrite", settings, history=hist, question=question)).strip()
            if 2 <= len(out) <= 200:
                return out.splitlines()[0]
        except LLMError:
            pass
    return rewrite_rule(question, history, load_lexicon(settings.lexicon_dir).places)


