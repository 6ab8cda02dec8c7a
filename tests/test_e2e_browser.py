"""End to end in a real headless Chromium (Debian's, driven by Playwright), at desktop and phone sizes.

Screenshots of every step go to test-artifacts/e2e/<size>/ (look at them after a UI change).
Chromium comes from `apt-get install chromium fonts-noto-cjk` (.ci/run does it); this test fails
rather than skips when it is missing, unless KAOCHA_SKIP_BROWSER=1 says so on purpose.
"""
import os
import shutil
from pathlib import Path

import pytest

from conftest import ROOT

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage",
        # Chromium's own lookups of Google hosts never show in page.on("request"): stop them here.
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]
SHOTS = ROOT / "test-artifacts" / "e2e"
SIZES = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}

pytestmark = pytest.mark.skipif(os.environ.get("KAOCHA_SKIP_BROWSER") == "1", reason="KAOCHA_SKIP_BROWSER=1")


@pytest.fixture(scope="module")
def app_url(corpus_index):
    from kaocha_rag.app.ui import build, launch_kwargs

    demo = build(corpus_index)
    demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=None, **launch_kwargs())
    yield demo.local_url.rstrip("/")
    demo.close()


@pytest.fixture(scope="module")
def browser():
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} 不存在：请先 apt-get install -y chromium fonts-noto-cjk"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _page(browser, size, outside):
    ctx = browser.new_context(viewport=SIZES[size], accept_downloads=True)
    page = ctx.new_page()
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(("http://127.0.0.1", "data:", "blob:"))
            else None)
    return ctx, page


def _ask(page, question, n_answers):
    page.fill("#question textarea", question)
    page.click("#send")
    page.wait_for_function(
        "n => document.querySelectorAll('#chat .message-row.bot-row, #chat [data-testid=bot]').length >= n"
        " && document.querySelectorAll('#sources .turn').length >= n", arg=n_answers, timeout=60_000)


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_chat_citation_followup(browser, app_url, size):
    shots = SHOTS / size
    shutil.rmtree(shots, ignore_errors=True)
    shots.mkdir(parents=True)
    outside: list[str] = []
    ctx, page = _page(browser, size, outside)
    page.goto(app_url)
    page.wait_for_selector("#question textarea")
    page.screenshot(path=str(shots / "01-start.png"))

    _ask(page, "洛阳怎么发展文旅？", 1)
    assert "洛阳" in page.inner_text("#chat")
    page.screenshot(path=str(shots / "02-answer.png"))

    page.locator('#chat a[href="#cite-1-1"]').first.click()
    card = page.locator("#sources .cite.active")
    assert card.count() == 1 and card.get_attribute("id") == "cite-1-1"
    mark = card.locator("mark")  # the one sentence the answer took from this passage, highlighted
    assert mark.count() == 1 and card.is_visible() and mark.inner_text() in page.inner_text("#chat")
    assert "《" in card.inner_text()  # report title and heading path
    page.screenshot(path=str(shots / "03-citation.png"))

    _ask(page, "那开封呢？", 2)
    last = page.locator("#sources .turn").first.inner_text()
    assert "第 2 问" in last and "开封" in last
    page.screenshot(path=str(shots / "04-followup.png"))
    ctx.close()
    assert outside == [], f"页面请求了外部地址：{outside[:5]}"


def test_upload_list_delete_draft_download(browser, app_url, tmp_path, corpus_index):
    shots = SHOTS / "desktop-corpus"
    shutil.rmtree(shots, ignore_errors=True)
    shots.mkdir(parents=True)
    outside: list[str] = []
    ctx, page = _page(browser, "desktop", outside)
    page.goto(app_url)
    page.get_by_role("tab", name="资料库").click()
    # the catalogue (issue 16): places, date and leader per report, from the reports' own words
    page.wait_for_function("() => document.querySelector('#doc-table').innerText.includes('洛阳')", timeout=30_000)
    catalogue = page.inner_text("#doc-table")
    assert all(h in catalogue for h in ("考察地点", "时间", "带队")) and "青岛市" in catalogue
    good = tmp_path / "e2e上传测试.txt"
    good.write_text("关于赴丁地考察智慧农业的报告\n一、基本情况\n丁地建成智慧农场36个，亩均增收820元。", encoding="utf-8")
    bad = tmp_path / "坏文件.pdf"
    bad.write_bytes(b"%PDF-1.4 broken")
    try:
        page.locator("#upload input[type=file]").set_input_files([str(good), str(bad)])
        page.wait_for_function("() => document.querySelector('#corpus-status').innerText.includes('共处理 2 个文件')",
                               timeout=60_000)
        result = page.inner_text("#upload-result")
        assert "已加入" in result and "失败" in result and "坏文件.pdf" in result
        assert "关于赴丁地考察智慧农业的报告" in page.inner_text("#doc-table")
        page.screenshot(path=str(shots / "01-uploaded.png"))

        page.locator("#delete-target input").fill("e2e上传测试.txt")
        page.locator("#delete-target input").press("Enter")
        page.click("#delete")
        page.wait_for_function("() => document.querySelector('#corpus-status').innerText.includes('已删除')",
                               timeout=30_000)
        assert "丁地" not in page.inner_text("#doc-table")
        page.screenshot(path=str(shots / "02-deleted.png"))
    finally:
        if any(d["source"] == "e2e上传测试.txt" for d in corpus_index.documents()):
            corpus_index.remove("e2e上传测试.txt")

    page.get_by_role("tab", name="起草").click()
    page.fill("#topic textarea", "城市更新")
    page.click("#make-outline")
    page.wait_for_function("() => document.querySelector('#draft textarea').value.includes('二、主要做法与经验')",
                           timeout=60_000)
    page.click("#draft-section")
    # the drafted section's paragraphs start "（一）…" (outline points never do)
    page.wait_for_function("() => document.querySelector('#draft textarea').value.includes('- （一）')", timeout=60_000)
    page.wait_for_timeout(300)
    page.screenshot(path=str(shots / "03-draft.png"))
    page.click("#export-docx")
    link = page.locator("#download a").first
    link.wait_for(timeout=30_000)
    with page.expect_download() as dl:
        link.click()
    path = tmp_path / "draft.docx"
    dl.value.save_as(path)
    import docx

    d = docx.Document(str(path))
    text = "\n".join(p.text for p in d.paragraphs)
    assert "主要做法与经验" in text and "参考资料" in text
    page.screenshot(path=str(shots / "04-downloaded.png"))
    ctx.close()
    assert outside == [], f"页面请求了外部地址：{outside[:5]}"


def test_two_users_never_see_each_others_chat(browser, app_url):
    outside: list[str] = []
    (ca, a), (cb, b) = _page(browser, "desktop", outside), _page(browser, "desktop", outside)
    for p in (a, b):
        p.goto(app_url)
        p.wait_for_selector("#question textarea")
    _ask(a, "周口港的吞吐能力是多少？", 1)
    _ask(b, "厦门市共有多少个重点工业园区？", 1)
    _ask(a, "洛阳怎么发展文旅？", 2)
    chat_a, chat_b = a.inner_text("#chat"), b.inner_text("#chat")
    assert "厦门" not in chat_a and "周口" not in chat_b and "洛阳" not in chat_b
    ca.close()
    cb.close()


def test_comparison_table_renders_with_clickable_citations_and_goes_into_the_draft(browser, app_url, tmp_path):
    shots = SHOTS / "desktop-compare"
    shutil.rmtree(shots, ignore_errors=True)
    shots.mkdir(parents=True)
    outside: list[str] = []
    ctx, page = _page(browser, "desktop", outside)
    page.goto(app_url)
    page.wait_for_selector("#question textarea")
    _ask(page, "周口和开封的城市建设各有什么做法？", 1)
    table = page.locator("#chat table").last
    table.wait_for(timeout=10_000)
    heads = [t.strip() for t in table.locator("th").all_inner_texts()]
    assert heads[:3] == ["地方", "思路", "主要做法"]
    rows = table.locator("tbody tr")
    assert [rows.nth(i).locator("td").first.inner_text().strip() for i in range(rows.count())] == ["周口", "开封"]
    assert "资料未提及" in table.inner_text()  # no pipes or dashes shown as text: a real table
    links = table.locator('td a[href^="#cite-1-"]')
    assert links.count() >= 2
    href = links.nth(1).get_attribute("href")
    links.nth(1).click()
    card = page.locator("#sources .cite.active")
    assert card.count() == 1 and card.get_attribute("id") == href[1:]
    assert card.locator("mark").count() >= 1  # the cell's sentence highlighted in its passage
    page.screenshot(path=str(shots / "01-table.png"))

    page.get_by_role("tab", name="起草").click()
    page.locator("#insert-answer").click()
    page.wait_for_function("() => document.querySelector('#draft textarea').value.includes('| 周口 |')",
                           timeout=30_000)
    draft = page.locator("#draft textarea").input_value()
    assert "[^1]" in draft and "[^1]: 《" in draft  # the cells' sources come along as footnotes
    page.click("#export-docx")
    link = page.locator("#download a").first
    link.wait_for(timeout=30_000)
    with page.expect_download() as dl:
        link.click()
    path = tmp_path / "table.docx"
    dl.value.save_as(path)
    import docx

    d = docx.Document(str(path))
    assert len(d.tables) == 1 and [c.text for c in d.tables[0].rows[1].cells][0] == "周口"
    page.screenshot(path=str(shots / "02-draft.png"))
    ctx.close()
    assert outside == [], f"页面请求了外部地址：{outside[:5]}"
