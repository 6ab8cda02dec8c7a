"""Read report files (txt, md, docx, pdf, html) into text.

Every failure is an ``IngestError`` whose message names the file and what was
tried, in Chinese (it is shown in the UI as is). Callers catch it per file so
one bad file never stops the others.
"""
from __future__ import annotations

import codecs
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import IngestError

SUFFIXES = (".txt", ".md", ".markdown", ".docx", ".pdf", ".html", ".htm")
MAX_FILE_MB = 20
# A .docx is a zip; refuse one whose parts would inflate past this (zip bomb).
MAX_UNZIPPED_MB = 200
MAX_ZIP_RATIO = 200

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .doc / .xls


@dataclass
class RawText:
    source: str  # file name as shown to the user
    text: str
    encoding: str  # what decoded it ("utf-8", "gb18030", "docx", ...)


def read_file(path: str | Path, *, display_name: str | None = None, max_mb: float = MAX_FILE_MB) -> RawText:
    path = Path(path)
    name = display_name or path.name
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise IngestError(f"{name}：不支持的文件类型“{suffix or '无后缀'}”，支持 {', '.join(SUFFIXES)}")
    try:
        size = path.stat().st_size
        if size > max_mb * 1024 * 1024:
            raise IngestError(f"{name}：文件过大（{size / 1024 / 1024:.1f} MB），上限 {max_mb:g} MB")
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(f"{name}：无法读取文件（{exc.strerror or exc}）") from exc
    if not data.strip():
        raise IngestError(f"{name}：文件是空的")
    reader = {".docx": _read_docx, ".pdf": _read_pdf, ".html": _read_html, ".htm": _read_html}.get(suffix)
    if reader:
        text, enc = reader(data, name)
    else:
        text, enc = decode_bytes(data, name)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise IngestError(f"{name}：没有可读的文字")
    return RawText(source=name, text=text, encoding=enc)


def decode_bytes(data: bytes, name: str = "文件") -> tuple[str, str]:
    """Decode text bytes: BOMs first, then strict UTF-8, then GB18030 (covers GBK).

    GB18030 accepts almost any byte string, so its result is kept only when it
    looks like Chinese text; otherwise the file is refused rather than shown as
    mojibake.
    """
    for bom, enc in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"),
                     (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(enc), enc
            except UnicodeDecodeError as exc:
                raise IngestError(f"{name}：带 {enc} 标记但解码失败（位置 {exc.start}）") from exc
    tried = []
    if b"\x00" in data[:4096]:
        # UTF-16 without BOM has a NUL in every other byte of ASCII text.
        for enc in ("utf-16-le", "utf-16-be"):
            tried.append(enc)
            try:
                text = data.decode(enc)
            except UnicodeDecodeError:
                continue
            if _looks_like_text(text):
                return text, enc
        raise IngestError(f"{name}：看起来是二进制文件，不是文本（已尝试 UTF-8、GB18030、{'、'.join(tried)}）")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        tried.append("UTF-8")
    try:
        text = data.decode("gb18030")
        if _looks_like_text(text):
            return text, "gb18030"
        tried.append("GB18030（解出的不像中文）")
    except UnicodeDecodeError:
        tried.append("GB18030")
    raise IngestError(f"{name}：无法识别文字编码（已尝试 {'、'.join(tried)}）")


_PRINTABLE = re.compile(r"[\u3400-\u4dbf\U00020000-\U0003134f\u2460-\u24ff\u2150-\u218f\u4e00-\u9fff\u3000-\u303f\uff00-\uffef\u2000-\u206f\x20-\x7e\n\t\u00a0-\u00ff]")


def _looks_like_text(text: str) -> bool:
    if not text:
        return False
    sample = text[:20000]
    ok = len(_PRINTABLE.findall(sample))
    return ok / len(sample) > 0.95


def _read_docx(data: bytes, name: str) -> tuple[str, str]:
    if data.startswith(_OLE_MAGIC):
        raise IngestError(f"{name}：这是旧版 Word（.doc）文件，请在 Word/WPS 中另存为 .docx 后再上传")
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise IngestError(f"{name}：不是有效的 .docx 文件（文件损坏或被截断）")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        infos = zf.infolist()
        total = sum(i.file_size for i in infos)
        packed = max(1, sum(i.compress_size for i in infos))
        if total > MAX_UNZIPPED_MB * 1024 * 1024 or total / packed > MAX_ZIP_RATIO:
            raise IngestError(f"{name}：压缩内容异常（解压后 {total / 1024 / 1024:.0f} MB，压缩比 {total / packed:.0f}），疑似压缩炸弹，已拒绝")
    import docx

    try:
        doc = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises KeyError/BadZipFile/... for broken parts
        raise IngestError(f"{name}：.docx 文件损坏，无法打开（{type(exc).__name__}）") from exc
    lines = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            lines.append("\t".join(cell.text for cell in row.cells))
    return "\n".join(lines), "docx"


def _read_pdf(data: bytes, name: str) -> tuple[str, str]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise IngestError(f"{name}：PDF 已加密，请先去除密码后再上传")
        pages = [(page.extract_text() or "") for page in reader.pages]
    except IngestError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise IngestError(f"{name}：PDF 文件损坏或被截断，无法读取（{type(exc).__name__}）") from exc
    except Exception as exc:  # pypdf raises many types for broken files (incl. missing crypto deps)
        raise IngestError(f"{name}：PDF 无法读取（{type(exc).__name__}: {exc}）") from exc
    text = "\n\n".join(pages)
    if not text.strip():
        raise IngestError(f"{name}：PDF 没有文字层（可能是扫描件），请先用 OCR 软件识别成文字后再上传")
    return text, "pdf"


def _read_html(data: bytes, name: str) -> tuple[str, str]:
    from bs4 import BeautifulSoup

    text, enc = decode_bytes(data, name)
    soup = BeautifulSoup(text, "html.parser")
    for tag in soup(["script", "style", "nav", "footer", "header", "noscript", "iframe", "form"]):
        tag.decompose()
    body = soup.body or soup
    out = body.get_text("\n")
    out = re.sub(r"\n[ \t\u3000]*(?=\n)", "\n", out)
    out = re.sub(r"\n{3,}", "\n\n", out)
    title = soup.title.get_text(strip=True) if soup.title else ""
    if title and title not in out[:500]:
        out = title + "\n" + out
    return out.strip(), f"html/{enc}"


def iter_files(paths) -> list[Path]:
    """Expand files and folders into the list of supported files (sorted, stable)."""
    out: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            out.extend(sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUFFIXES))
        else:
            out.append(p)
    return out
