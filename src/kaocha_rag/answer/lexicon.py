"""What the question-understanding step knows about words: user-editable word lists, a
gazetteer of Chinese places, and a per-generation view of the corpus' own text.

- ``lexicon/synonyms.txt`` (文旅 = 文化旅游 …; ≈ marks near words that an answer names;
  交通 > 道路 > 机场 gives a broad topic its narrower words, one way only),
  ``soft_words.txt`` (咋/啥/门道/路子…: asking words that never block an answer),
  ``metrics.txt`` (人口, GDP, 吞吐量…: a number question must find the metric it asks for),
  ``places.txt`` (regions that are not administrative units: 珠三角, 雄安 …).
  Checked on load: a malformed line is reported with its file and line number.
- Administrative places (3,500 provinces, cities, counties with adcodes) come from the data
  file that ships inside the ``cpca`` wheel; it is read directly because importing cpca
  needs ``pkg_resources``, which setuptools ≥ 81 no longer has.
- ``CorpusView``: the normalised text of every live passage, its character bigrams and a
  pinyin → characters map, rebuilt when the manifest generation changes (cached here, keyed
  by the manifest file and generation, not on the Index).
"""
from __future__ import annotations

import csv
import functools
import importlib.util
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import LexiconError  # noqa: F401  (re-exported for callers)
from ..ingest.clean import normalize

ADMIN_SUFFIX = re.compile(r"(?:特别行政区|维吾尔自治区|壮族自治区|回族自治区|自治区|自治州|自治县|地区|省|市|县|区|盟|旗|新区|镇|乡)$")
# Short forms that are ordinary words: "东方市" must not turn 东方 into a place.
_COMMON = {"东方", "江山", "和平", "城区", "郊区", "矿区", "长安", "太平", "新华", "永安", "光明", "红旗", "解放", "胜利",
           "青山", "白云", "开发", "中山", "人民", "新城", "城关", "市中", "河口", "高新", "经济", "南山", "北京路", "吉利",
           "安全", "大同", "平安", "兴业", "通道", "宁安", "合作", "龙华", "华容", "普陀", "永和", "文安", "安定"}


@dataclass(frozen=True)
class Lexicon:
    equal: dict[str, tuple[str, ...]]  # word → every word of its "=" groups (itself first)
    near: dict[str, tuple[str, ...]]  # word → words joined to it by "≈" (and its narrower words)
    soft: frozenset[str]
    metrics: tuple[str, ...]  # longest first
    places: dict[str, str]  # name or short form → adcode ("" for regions from places.txt)
    place_names: dict[str, str] = field(default_factory=dict)  # adcode → full name
    # broad word → its narrower words (交通 > 机场): looked for like near words, but a passage on 机场
    # is about 交通, so an answer does not add “不完全等同于” for them
    narrower: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def is_narrower(self, word: str, broad: str) -> bool:
        return word in self.narrower.get(broad, ())

    def variants(self, word: str, near: bool = True) -> list[str]:
        out = list(self.equal.get(word, (word,)))
        if near:
            out += [w for w in self.near.get(word, ()) if w not in out]
        return out

    def within(self, place: str, region: str) -> bool:
        """安吉 lies in 浙江: adcode prefixes (province 2 digits, city 4)."""
        a, r = self.places.get(place, ""), self.places.get(region, "")
        if not a or not r or a == r:
            return False
        level = 2 if r[2:] == "0" * 10 else 4 if r[4:] == "0" * 8 else 6
        return a[:level] == r[:level]


def _words(path: Path) -> list[tuple[int, str]]:
    if not path.exists():
        raise LexiconError(f"词表文件不存在：{path}（应在 lexicon/ 目录下）")
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if line:
            out.append((n, line))
    return out


def _synonyms(path: Path) -> tuple[dict, dict, dict]:
    equal: dict[str, list[str]] = {}
    near: dict[str, list[str]] = {}
    narrower: dict[str, list[str]] = {}

    def add(table: dict, word: str, others: list[str]) -> None:
        row = table.setdefault(word, [word] if table is equal else [])
        row.extend(x for x in others if x not in row and x != word)

    for n, line in _words(path):
        if ">" in line:  # 交通 > 道路 > 机场: asked for 交通, look for 机场 too; asked for 机场, not for 交通
            words = [normalize(w.strip()) for w in line.split(">")]
            if len(words) < 2 or any(not w or re.search(r"\s|=|≈", w) for w in words):
                raise LexiconError(f"{path.name} 第 {n} 行格式不对：{line!r}（应为“上位词 > 下位词 > 下位词”，词中不能有空格）")
            add(near, words[0], words[1:])
            narrower.setdefault(words[0], []).extend(words[1:])
            continue
        groups = [[normalize(w.strip()) for w in part.split("=")] for part in line.split("≈")]
        if any(not w or re.search(r"\s", w) for g in groups for w in g) or sum(len(g) for g in groups) < 2:
            raise LexiconError(f"{path.name} 第 {n} 行格式不对：{line!r}（应为“词 = 词 ≈ 词”，词中不能有空格）")
        for gi, g in enumerate(groups):
            others = [w for gj, h in enumerate(groups) if gj != gi for w in h]
            for w in g:
                add(equal, w, g)
                add(near, w, others)
    return ({k: tuple(v) for k, v in equal.items()}, {k: tuple(v) for k, v in near.items() if v},
            {k: tuple(v) for k, v in narrower.items()})


def _split_words(path: Path) -> list[str]:
    return [normalize(w) for _, line in _words(path) for w in line.split()]


def _admin_places() -> tuple[dict[str, str], dict[str, str]]:
    spec = importlib.util.find_spec("cpca")
    if spec is None or not spec.submodule_search_locations:
        raise LexiconError("缺少地名数据：请安装 cpca（pip install cpca==0.5.5）")
    data = Path(list(spec.submodule_search_locations)[0]) / "resources" / "adcodes.csv"
    places: dict[str, str] = {}
    names: dict[str, str] = {}
    with data.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            name, code = row["name"], row["adcode"]
            names[code] = name
            if name not in _COMMON:  # 山西's districts called 城区/郊区 are no reason to read 城区 as a place
                places.setdefault(name, code)
            short = ADMIN_SUFFIX.sub("", name)
            # "崂山区"→"崂山" is too ambiguous for districts in general (和平区, 新华区…):
            # districts keep their full name; provinces, cities and counties get the short form.
            if len(short) >= 2 and short != name and short not in _COMMON and not name.endswith("区"):
                places.setdefault(short, code)
    return places, names


@functools.lru_cache(maxsize=4)
def _load(folder: str, stamp: tuple) -> Lexicon:
    d = Path(folder)
    equal, near, narrower = _synonyms(d / "synonyms.txt")
    soft = frozenset(_split_words(d / "soft_words.txt"))
    metrics = tuple(sorted(set(_split_words(d / "metrics.txt")), key=len, reverse=True))
    places, names = _admin_places()
    for w in _split_words(d / "places.txt"):
        places.setdefault(w, "")
    return Lexicon(equal, near, soft, metrics, places, names, narrower)


def load_lexicon(folder: str | Path) -> Lexicon:
    """The word lists of ``folder`` (reloaded when a file changes: users edit them)."""
    d = Path(folder)
    stamp = tuple((p.name, p.stat().st_mtime_ns) for p in sorted(d.glob("*.txt"))) if d.is_dir() else ()
    if not d.is_dir():
        raise LexiconError(f"词表目录不存在：{d}（设置 KAOCHA_LEXICON_DIR）")
    return _load(str(d), stamp)


# -- the corpus' own words ------------------------------------------------------------------------
@dataclass
class CorpusView:
    text: str  # every passage (title › headings + text), normalised, one per line
    all_text: dict[str, str]  # chunk_id → its title, headings and text, normalised
    bigrams: frozenset[str]
    by_pinyin: dict[str, str]  # toneless pinyin → the corpus characters that sound so
    doc_head: dict[str, str]  # doc_id → title + opening passage (where a report says where it went)

    def has(self, word: str) -> bool:
        return bool(word) and word in self.text

    def count_chunks(self, word: str) -> int:
        return sum(word in t for t in self.all_text.values())


_views: dict[str, tuple[str, CorpusView]] = {}
_views_lock = threading.Lock()


def corpus_view(index) -> CorpusView:
    """The view for the index's current generation (built once per generation)."""
    key = str(index.manifest.path)
    gen = index.manifest.generation()
    with _views_lock:
        cached = _views.get(key)
        if cached and cached[0] == gen:
            return cached[1]
    view = build_view(index.keyword()[1])
    with _views_lock:
        _views[key] = (gen, view)
    return view


def build_view(chunks: list[dict]) -> CorpusView:
    from pypinyin import Style, pinyin

    rows, heads = [], {}
    for c in chunks:
        all_text = normalize(" ".join([c["title"], *c["section"]])) + "\n" + c["norm"]
        rows.append(all_text)
        if c["doc_id"] not in heads:
            heads[c["doc_id"]] = normalize(c["title"]) + "\n" + c["norm"][:400]
    text = "\n".join(rows)
    bigrams = frozenset(text[i:i + 2] for i in range(len(text) - 1))
    chars = {ch for ch in text if "\u4e00" <= ch <= "\u9fff"}
    by_pinyin: dict[str, str] = {}
    for ch in sorted(chars):
        # every reading: 调 is both tiao and diao, so "空掉" can be repaired to 空调
        for reading in pinyin(ch, style=Style.NORMAL, heteronym=True)[0]:
            by_pinyin[reading] = by_pinyin.get(reading, "") + ch
    all_text = {c["chunk_id"]: r for c, r in zip(chunks, rows)}
    return CorpusView(text, all_text, bigrams, by_pinyin, heads)
