import io
import zipfile

import pytest

from kaocha_rag.errors import IngestError
from kaocha_rag.ingest.read import read_file

TEXT = "赴浙江考察报告\n一、基本情况\n樂清市有電氣企業6000多家，年產值超億元。"


@pytest.mark.parametrize("encoding, bom", [
    ("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("gbk", b""), ("gb18030", b""), ("utf-16", b""),
])
def test_encodings_round_trip(tmp_path, encoding, bom):
    text = TEXT.replace("樂清市有電氣企業", "乐清市有电气企业") if encoding == "gbk" else TEXT
    p = tmp_path / "r.txt"
    p.write_bytes(bom + text.encode(encoding))
    assert read_file(p).text == text


def test_gb18030_only_characters(tmp_path):
    text = "考察报告：𠮷字与㐀字都能读出来。" * 3
    p = tmp_path / "r.txt"
    p.write_bytes(text.encode("gb18030"))
    assert read_file(p).text == text


def test_docx_reads_back(tmp_path):
    import docx

    d = docx.Document()
    d.add_heading("关于赴天津学习考察的报告", 1)
    d.add_paragraph("一、基本情况")
    d.add_paragraph("滨海新区外贸进出口总额达到894亿美元。")
    p = tmp_path / "r.docx"
    d.save(p)
    assert read_file(p).text.splitlines() == ["关于赴天津学习考察的报告", "一、基本情况", "滨海新区外贸进出口总额达到894亿美元。"]


def _pdf(path, lines):
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path), pagesize=A4)
    c.setFont("STSong-Light", 12)
    y = 800
    for line in lines:
        c.drawString(50, y, line)
        y -= 20
    c.save()


def test_pdf_text_layer_reads_back(tmp_path):
    p = tmp_path / "r.pdf"
    _pdf(p, ["关于赴天津学习考察的报告", "滨海新区外贸进出口总额达到894亿美元。"])
    text = read_file(p).text
    assert "滨海新区外贸进出口总额达到894亿美元" in text.replace(" ", "")


@pytest.mark.parametrize("name, data, message", [
    ("empty.txt", b"", "文件是空的"),
    ("blank.txt", b"  \n\n ", "文件是空的"),
    ("bin.txt", bytes(range(256)) * 40, "二进制"),
    ("fake.docx", "这不是docx".encode(), "不是有效的 .docx"),
    ("old.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "旧版 Word"),
    ("fake.pdf", b"%PDF-1.4 truncated", "PDF"),
    ("x.exe", b"MZ....", "不支持的文件类型"),
])
def test_bad_files_get_a_clear_error(tmp_path, name, data, message):
    p = tmp_path / name
    p.write_bytes(data)
    with pytest.raises(IngestError) as e:
        read_file(p)
    assert name in str(e.value) and message in str(e.value)


def test_unreadable_path(tmp_path):
    d = tmp_path / "folder.txt"
    d.mkdir()
    with pytest.raises(IngestError, match="无法读取"):
        read_file(d)


def test_zip_bomb_docx_is_refused(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<x/>")
        z.writestr("word/document.xml", "0" * (50 * 1024 * 1024))
    p = tmp_path / "bomb.docx"
    p.write_bytes(buf.getvalue())
    with pytest.raises(IngestError, match="压缩炸弹"):
        read_file(p)


def test_50mb_text_gets_a_clear_error(tmp_path):
    p = tmp_path / "huge.txt"
    with open(p, "wb") as f:
        f.write(("考察报告正文。" * 1000 + "\n").encode() * 2500)
    with pytest.raises(IngestError, match="文件过大"):
        read_file(p)


def test_scanned_pdf_without_text_layer(tmp_path):
    from reportlab.pdfgen import canvas

    p = tmp_path / "scan.pdf"
    c = canvas.Canvas(str(p))
    c.rect(50, 50, 200, 200, fill=1)
    c.save()
    with pytest.raises(IngestError, match="OCR"):
        read_file(p)
