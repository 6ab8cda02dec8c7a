"""Names in an LLM answer checked against the passages each sentence cites: places (alias-aware),
people and bodies. A sentence naming one its passages lack is taken out (ask._finish_llm, across.py)."""
from __future__ import annotations

import re

from ..index.index import Index
from ..ingest.clean import normalize
from .citations import CITE, cited_numbers, sentences
from .lexicon import corpus_view, load_lexicon
from .retrieve import Hit
from .understand import find_entities, resolve_entity


def unsupported_names(text: str, kept: list[Hit], index: Index) -> list[str]:
    """Places an LLM answer names that none of the passages its sentence cites (nor their
    titles/headings) mention: "洛阳的做法 [2]" where passage 2 is about 开封."""
    view, lex = corpus_view(index), load_lexicon(index.settings.lexicon_dir)
    out = []
    for s in sentences(text):
        nums = [n for n in cited_numbers(s) if 1 <= n <= len(kept)]
        if not nums:
            continue
        support = "\n".join(view.all_text.get(kept[n - 1].chunk["chunk_id"], kept[n - 1].chunk["norm"]) for n in nums)
        said = normalize(CITE.sub("", s))
        for _, _, name in find_entities(said, view, lex):
            # alias-aware: 周口港 is named by a passage that writes 周口中心港
            forms = (name, *resolve_entity(name, view, lex).variants)
            if not any(f in support for f in forms) and name not in out:
                out.append(name)
        out += [w for w in people_and_bodies(said) if w not in support and w not in out]
    return out


# who answered: a person (jieba nr, or the reports' anonymised “胡某”) or a body (“…小组”, “…办公室”)
# that the cited passage does not hold is made up — the 0.5B model answered “鲁苏六县考察团带队的是谁”
# with “胡某” where the passage says 县委书记张新. A body is checked by its suffix and the two
# characters before it (“研究小组”), so “由县委办公室负责” is not faulted for the 由.
BODY = re.compile(r"[\u4e00-\u9fff]{2}(?:领导小组|工作小组|小组|委员会|办公室|工作组|专班|指挥部|研究会|协会|研究院|研究所)")
PERSON_FLAGS = ("nr", "nrfg")


def people_and_bodies(text: str) -> list[str]:
    import jieba.posseg as pseg

    found = [m.group(0) for m in re.finditer(r"[\u4e00-\u9fff]某{1,2}(?![\u4e00-\u9fff])", text)]
    found += [w.word for w in pseg.cut(text) if w.flag in PERSON_FLAGS and 2 <= len(w.word) <= 4]
    found += [m.group(0) for m in BODY.finditer(text)]
    return list(dict.fromkeys(found))
