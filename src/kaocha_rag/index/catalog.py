"""The catalogue of the reports: for each report its title, the places and units visited, the
date of the trip, the delegation, the host file and its top-level sections.

Extraction is deterministic and reads only the report's own text; a field the text does not
give stays empty — nothing is guessed:

- **places**: enumerations after a visit word in the title or the opening paragraph
  (“赴青岛市、黄岛开发区…等11个县市区”, “相继到三河市第一中学…”, “本次考察的…”, “在天台县考察时”),
  each item checked against the gazetteer of Chinese administrative units (the ``adcodes.csv``
  that ships in the ``cpca`` wheel) or jieba.posseg's ``ns``; province abbreviations in a title
  (“赴鲁苏六县市区” → 山东、江苏); and, when the opening names the places only as “*、*、*” or
  “三市”, the one sentence that names exactly that many places together with “三地/三市”.
  Anonymised names (X市, ⅹⅹ县, *) are skipped. Everything is shown in Simplified script.
- **units**: the organisations in the same visit enumerations (“…承德一中等院校”, “参观的邹城市新一中”).
- **date**: the first date range in the sentence that describes the trip (“2024年11月23日至30日”);
  a year stated only in the title or a dated header line (“2023年赴鲁苏…”, “（2024年12月）”)
  is put in front of a date that has none. A year inside a statistic is never used.
- **delegation**: the 考察团/代表团/培训班 named in the title or the trip sentence and who led it
  (“在…带领下”, “县委书记张新带着…”).

``catalogue(index)`` is cached in ``<data_dir>/catalogue.json`` per manifest generation, and
per report by the hash of its passages, so an upload re-extracts only the new reports.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import threading
from pathlib import Path

from .places import ADMIN_SUFFIX, region_prefix, resolve, show
from .trip import EXTRACT_VERSION, Report, extract

log = logging.getLogger(__name__)

# --------------------------------------------------------------------------------------------
# The catalogue of an index, cached per manifest generation
# --------------------------------------------------------------------------------------------
_lock = threading.Lock()
_memo: dict[str, tuple[str, list[dict]]] = {}


def _doc_key(doc: dict, chunks: list[dict]) -> str:
    h = hashlib.sha1()
    for part in (EXTRACT_VERSION, doc["doc_id"], doc.get("title") or "", doc.get("source") or "",
                 doc.get("duplicate_of") or "", *(c.get("hash") or c["text"] for c in chunks)):
        h.update(part.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()


def catalogue(index) -> list[Report]:
    """The catalogue of every report in the index, in the index's order."""
    manifest = index.manifest
    path = Path(index.settings.data_dir) / "catalogue.json"
    where = str(Path(manifest.path).resolve())
    with _lock:
        gen = manifest.generation()
        memo = _memo.get(where)
        if memo and memo[0] == gen:
            return [Report(**r) for r in memo[1]]
        cached = _read_cache(path)
        if cached.get("version") == EXTRACT_VERSION and cached.get("generation") == gen:
            rows = [e["report"] for e in cached["reports"]]
        else:
            old = {e["report"]["doc_id"]: e for e in cached.get("reports", [])
                   if cached.get("version") == EXTRACT_VERSION}
            entries = []
            for doc in index.documents():
                chunks = manifest.chunks("WHERE doc_id=?", (doc["doc_id"],))
                key = _doc_key(doc, chunks)
                prev = old.get(doc["doc_id"])
                report = prev["report"] if prev and prev.get("key") == key else extract(doc, chunks).to_dict()
                entries.append({"key": key, "report": report})
            _write_cache(path, {"version": EXTRACT_VERSION, "generation": gen, "reports": entries})
            rows = [e["report"] for e in entries]
        _memo[where] = (gen, rows)
        return [Report(**r) for r in rows]


def _read_cache(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) and isinstance(data.get("reports"), list) else {}
    except (OSError, ValueError):
        return {}


def _write_cache(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:  # a read-only data dir still answers, from memory
        log.warning("目录缓存写入失败（%s），本次在内存中使用", exc)
        tmp.unlink(missing_ok=True)


# --------------------------------------------------------------------------------------------
# Filtering: "只看去浙江的报告"
# --------------------------------------------------------------------------------------------
def filter_docs(catalogue: list[Report], place: str) -> list[str]:
    """doc_ids of the reports that went to ``place``: a province or city matches the reports
    whose places lie in it (浙江 → the report on 嘉善县、奉化市…); any other name matches by text."""
    query = show(place).strip()
    query = re.sub(r"^(?:去|到|赴|在)|(?:的报告|的考察|的那次|那次|的)$", "", query)
    if not query:
        return []
    regions = [region_prefix(c) for c in resolve(query)]
    qshort = ADMIN_SUFFIX.sub("", query) or query
    out = []
    for r in catalogue:
        hit = False
        for p in r.places:
            codes = resolve(p, r.places)
            if regions and any(c.startswith(reg) for c in codes for reg in regions):
                hit = True
            elif qshort in p or (len(p) >= 2 and p in query):
                hit = True
            if hit:
                break
        if hit:
            out.append(r.doc_id)
    return out
