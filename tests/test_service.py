"""The service layer: one function per user action, shared by the CLI and the app."""
import pytest

from kaocha_rag.app import service
from kaocha_rag.draft import STRUCTURE
from kaocha_rag.errors import KaochaError, NotFoundError

@pytest.mark.parametrize("text, regions", [
    ("洛阳、开封", ["洛阳", "开封"]),
    ("洛阳,开封", ["洛阳", "开封"]),
    ("洛阳，开封 周口", ["洛阳", "开封", "周口"]),
    ("", []),
    (None, []),
    (["洛阳、开封", "周口"], ["洛阳", "开封", "周口"]),
])
def test_regions_split_one_way(text, regions):
    assert service.split_regions(text) == regions


def test_sections_are_the_drafting_structure():
    assert service.SECTIONS == ["基本情况", "主要做法与经验", "差距与启示", "下一步打算和建议"]
    assert service.SECTIONS == [s[0] for s in STRUCTURE]


def test_delete_unknown_names_what_exists(corpus_index):
    with pytest.raises(NotFoundError) as err:
        service.delete(corpus_index, "没有这个文件.txt")
    assert str(err.value).startswith("没有找到文档或文件 '没有这个文件.txt'（已有文件：000_d688bad86ca44f67.txt")


@pytest.mark.parametrize("call, message", [
    (lambda ix: service.outline(ix, "  "), "请先填写主题，例如：城市更新"),
    (lambda ix: service.delete(ix, ""), "请先选择要删除的报告或文件"),
    (lambda ix: service.export("# 稿子", None, "pdf"), "不支持的导出格式 'pdf'，可选：md、docx"),
    (lambda ix: service.export("  ", None, "md"), "还没有稿子：先生成提纲或起草一个部分"),
])
def test_bad_input_gets_a_chinese_message(corpus_index, call, message):
    with pytest.raises(KaochaError) as err:
        call(corpus_index)
    assert str(err.value) == message
