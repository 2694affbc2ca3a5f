"""The whole payment path in a real browser (headless Debian Chromium), in Russian and once in English.

An employee files a request with an invoice → the head takes it into work and approves →
finance rejects with a reason → the employee restarts → ops approves on the head's behalf →
finance approves → the junior accountant uploads the payment order and both accountants
complete → the card says Paid and the employee's inbox shows it. Screenshots of the board
and the card at desktop width and at 375 px go to artifacts/ (git-ignored).

The contract path (in Russian): an employee files a contract with its document → the head and
finance approve → finance uploads version 2, which sends it back to head approval (the
timeline says the approvals start over) → both approve again → the signer attaches the scan
on the task card and completes → Signed; then a payment against it, warned as the amount
passes the remainder, shows the remainder on both cards. No page is wider than 375 px.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import threading
import time
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from soglasie.core import Core
from soglasie.settings import REPO_ROOT, Settings
from tests.conftest import RULES_DIR, T0
from tests.support.files import pdf_bytes
from webapp import create_app

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = REPO_ROOT / "artifacts"
TEXT = {
    "ru": {"head_approval": "Согласование руководителем", "finance_review": "Проверка финансовым менеджером",
           "payment": "Оплата", "paid": "Оплачено", "rejected": "Отклонено", "on_behalf": "от имени: Мария Маркетова",
           "filed": "подана и отправлена на согласование", "selected": "Выбран: ООО «Косметик Пак»",
           "round2": "Круг 2", "finished": "Оплачено"},
    "en": {"head_approval": "Head approval", "finance_review": "Finance review", "payment": "Payment",
           "paid": "Paid", "rejected": "Rejected", "on_behalf": "on behalf of Мария Маркетова",
           "filed": "is filed and on its way", "selected": "Selected: ООО «Косметик Пак»", "round2": "Round 2",
           "finished": "Paid"},
}


class TickingClock:
    """Company time that starts at T0 (a Tuesday morning) and runs with the wall clock."""

    def __init__(self, start: dt.datetime):
        self.start, self.origin = start, time.monotonic()

    def __call__(self) -> dt.datetime:
        return self.start + dt.timedelta(seconds=time.monotonic() - self.origin)


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium; a machine without it fails the suite loudly (it is never skipped)."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium; .ci/run does). "
                    "The browser suite is part of the tests and is never skipped.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def portal(sqlite_template, tmp_path):
    """The portal on a fresh demo database, served by werkzeug on a free 127.0.0.1 port.

    Yields (base URL, core): the core lets a test put other requests on the board.
    """
    database = tmp_path / "soglasie.db"
    shutil.copy(sqlite_template, database)
    settings = Settings(database_url=f"sqlite:///{database}", data_dir=tmp_path / "data", rules_dir=RULES_DIR,
                        secret_key="browser-tests-" + "k" * 32)
    core = Core.from_settings(settings)
    app = create_app({"SOGLASIE_CORE": core, "SOGLASIE_CLOCK": TickingClock(T0)})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", core
    server.shutdown()
    thread.join(timeout=10)
    core.db.dispose()


class Portal:
    """One browser tab driving the portal as different users; console errors are collected."""

    def __init__(self, browser, base: str, language: str, tmp_path: Path):
        self.browser, self.base, self.language = browser, base, language
        self.context = self.page = None
        self.errors: list[str] = []
        self.invoice = tmp_path / "invoice-42.pdf"
        self.invoice.write_bytes(pdf_bytes("invoice 42"))
        self.order = tmp_path / "payment-order.pdf"
        self.order.write_bytes(pdf_bytes("payment order 17"))

    def text(self, key: str) -> str:
        return TEXT[self.language][key]

    def _new_tab(self) -> None:
        """A fresh browser context per person: own cookies, nothing left in flight from before."""
        if self.context is not None:
            self.context.close()
        self.context = self.browser.new_context(viewport={"width": 1280, "height": 900},
                                                locale="ru-RU" if self.language == "ru" else "en-US")
        self.context.set_default_timeout(10_000)
        self.page = self.context.new_page()
        self.page.on("console", lambda message: self.errors.append(message.text) if message.type == "error" else None)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("dialog", lambda dialog: dialog.accept())  # the confirmations of approve-on-behalf etc.

    def close(self) -> None:
        if self.context is not None:
            self.context.close()

    def login(self, login: str) -> None:
        self._new_tab()
        self.page.goto(f"{self.base}/login")
        if self.language == "en":
            self.page.click("form.language button[value=en]")
        self.page.fill("#login", login)
        self.page.fill("#password", "demo")
        self.click("[data-testid=login-submit]")
        assert self.page.url == f"{self.base}/", self.page.url

    def card(self, card_id: int) -> None:
        self.page.goto(f"{self.base}/requests/{card_id}")

    def stage(self) -> str:
        return self.page.inner_text("[data-testid=stage]").strip()

    def click(self, selector: str) -> None:
        """Click and wait for the page the click leads to."""
        with self.page.expect_navigation():
            self.page.click(selector)

    def shoot(self, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        for width, label in ((1280, "desktop"), (375, "375px")):
            self.page.set_viewport_size({"width": width, "height": 900})
            self.page.reload()  # the page adapts itself on load (e.g. folded filters on a phone)
            self.page.screenshot(path=str(ARTIFACTS / f"portal-{name}-{label}-{self.language}.png"), full_page=True)
        self.page.set_viewport_size({"width": 1280, "height": 900})


def _file_request(portal: Portal) -> int:
    portal.login("memployee")
    page = portal.page
    page.goto(f"{portal.base}/requests/new")
    page.fill("#counterparty_inn", "7701526010")
    page.wait_for_selector(f"text={portal.text('selected')}")
    page.fill("#amount", "150 000")
    page.select_option("#cost_item", "PACK")
    page.set_input_files("#invoice", str(portal.invoice))
    page.fill("#comment", "Коробки для новой линейки")
    portal.click("form[data-new-request] button[type=submit]")
    assert portal.text("filed") in page.inner_text(".flashes")
    assert portal.stage() == portal.text("head_approval")
    return int(re.search(r"/requests/(\d+)$", page.url).group(1))


def _reject_with_a_reason(portal: Portal, card_id: int) -> None:
    portal.card(card_id)
    page = portal.page
    page.click("[data-testid=reject]")
    dialog = page.locator("dialog[open]")
    dialog.locator("button[type=submit]").click()  # empty: the browser keeps the dialog open
    assert dialog.is_visible()
    dialog.locator("textarea[name=reason]").fill("Нет подписанного договора — приложите его")
    with page.expect_navigation():
        dialog.locator("button[type=submit]").click()
    assert portal.stage() == portal.text("rejected")
    assert "Нет подписанного договора" in page.inner_text(".banner-danger")


def _pay(portal: Portal, card_id: int) -> None:
    portal.login("accountant")
    portal.click("[data-testid=my-tasks] a >> nth=0")
    portal.page.set_input_files("[data-testid=task-file]", str(portal.order))
    portal.click(".upload-form button[type=submit]")
    assert "payment-order.pdf" in portal.page.inner_text(".files")
    portal.click("[data-testid=complete]")
    portal.login("chief")
    portal.click("[data-testid=my-tasks] a >> nth=0")
    portal.click("[data-testid=complete]")
    portal.card(card_id)
    assert portal.stage() == portal.text("paid")


def _run_the_whole_path(portal: Portal) -> None:
    card_id = _file_request(portal)

    portal.login("mhead")
    portal.click(f"[data-testid=my-tasks] a[href='/requests/{card_id}']")
    portal.click("form[action$='/start'] button")
    portal.click("[data-testid=approve]")
    assert portal.stage() == portal.text("finance_review")

    portal.login("finance")
    _reject_with_a_reason(portal, card_id)

    portal.login("memployee")
    portal.card(card_id)
    portal.click("[data-testid=restart]")
    assert portal.stage() == portal.text("head_approval")
    assert portal.text("round2").lower() in portal.page.inner_text(".timeline").lower()  # shown in capitals

    portal.login("ops")
    portal.card(card_id)
    portal.click("[data-testid=approve]")  # "approve on behalf of Мария Маркетова", confirmed
    assert portal.stage() == portal.text("finance_review")
    assert portal.text("on_behalf") in portal.page.inner_text(".timeline")

    portal.login("finance")
    portal.card(card_id)
    portal.click("[data-testid=approve]")
    assert portal.stage() == portal.text("payment")

    _pay(portal, card_id)

    portal.login("memployee")
    portal.card(card_id)
    page = portal.page
    assert portal.stage() == portal.text("paid")
    assert page.inner_text("[data-testid=unread-count]").strip() != ""
    page.goto(f"{portal.base}/inbox")
    newest = page.inner_text("[data-testid=inbox] li >> nth=0")
    assert f"№{card_id}" in newest or f"#{card_id}" in newest
    assert portal.text("finished") in newest
    portal.card(card_id)
    portal.shoot("card")

    portal.seed()
    portal.login("ops")
    portal.page.goto(f"{portal.base}/board")
    portal.shoot("board")


def _other_requests(core) -> None:
    """A few more requests at other stages, one of them long overdue, so the board shows its parts."""
    from sqlalchemy import select

    from soglasie.models import User
    from soglasie.services import actions
    from soglasie.services.common import Upload
    from tests.helpers import file_request, open_task

    with core.db.read() as session:
        users = {user.login: user.id for user in session.scalars(select(User))}
    invoice = Upload(pdf_bytes(), "invoice.pdf")
    early = T0 - dt.timedelta(days=10)
    file_request(core, users, invoice, who="pemployee", amount="48200.00", now=early, counterparty_inn="7814131862",
                 cost_item="LOGISTICS")
    for who, amount, inn in (("memployee", "320000.00", "7728518190"), ("pemployee", "12750.50", "5024082467")):
        card_id = file_request(core, users, invoice, who=who, amount=amount, counterparty_inn=inn, cost_item="RAW")
        task = open_task(core, users, card_id, "head_approval")
        actions.approve(core, users[task["assignee"]], task["id"], T0)
    card_id = file_request(core, users, invoice, amount="9900.00", counterparty_inn="7709432317", cost_item="ADS")
    task = open_task(core, users, card_id, "head_approval")
    actions.reject(core, users["mhead"], task["id"], T0, "Дубликат заявки")


@pytest.mark.parametrize("language", ["ru", "en"])
def test_the_whole_payment_path_in_the_browser(browser, portal, tmp_path, language):
    base, core = portal
    tab = Portal(browser, base, language, tmp_path)
    tab.seed = lambda: _other_requests(core)
    try:
        _run_the_whole_path(tab)
    finally:
        tab.close()
    assert tab.errors == [], "the browser reported errors (CSP violations, failed scripts, 4xx/5xx loads)"


# --- contracts ---------------------------------------------------------------------------------


def _file_contract(portal: Portal, document: Path) -> int:
    portal.login("memployee")
    page = portal.page
    portal.click("[data-testid=new-contract]")
    page.fill("#counterparty_inn", "7701526010")
    page.wait_for_selector("text=Выбран: ООО «Косметик Пак»")
    page.fill("#subject", "Поставка банок для кремов, 2027")
    page.fill("#amount", "500 000")
    page.fill("#valid_from", "2026-11-01")
    page.fill("#valid_to", "2027-12-31")
    page.set_input_files("#document", str(document))
    page.fill("#comment", "Рамочный договор поставки")
    portal.click("form[data-new-request] button[type=submit]")
    assert "подан и отправлен на согласование" in page.inner_text(".flashes")
    assert portal.stage() == "Согласование руководителем"
    return int(re.search(r"/contracts/(\d+)$", page.url).group(1))


def _approve_contract(portal: Portal, login: str, card_id: int, next_stage: str) -> None:
    portal.login(login)
    portal.page.goto(f"{portal.base}/contracts/{card_id}")
    portal.click("[data-testid=approve]")
    assert portal.stage() == next_stage


def _upload_a_new_version(portal: Portal, card_id: int, document: Path) -> None:
    """Finance corrects the text after both approvals: the approvals start over."""
    portal.login("finance")
    page = portal.page
    page.goto(f"{portal.base}/contracts/{card_id}")
    assert page.is_visible("[data-testid=restart-warning]")
    page.set_input_files("[data-testid=version-form] input[type=file]", str(document))
    page.fill("[data-testid=version-form] textarea", "Юристы: исправлен п. 4.2 о сроках оплаты")
    portal.click("[data-testid=upload-version]")
    assert "Версия 2 загружена." in page.inner_text(".flashes")
    assert portal.stage() == "Согласование руководителем"
    timeline = page.inner_text("[data-testid=timeline]")
    assert "Согласования начинаются заново" in timeline and "версия 1" in timeline
    assert "исправлен п. 4.2" in timeline
    assert page.locator("[data-testid=versions] li").count() == 2


def _sign(portal: Portal, card_id: int, scan: Path) -> None:
    portal.login("signer")
    page = portal.page
    portal.click("[data-testid=my-tasks] a >> nth=0")  # the signing task card: the scan is uploaded there
    assert "Подписать договор и приложить скан" in page.inner_text("h1")
    page.set_input_files("[data-testid=task-file]", str(scan))
    portal.click(".upload-form button[type=submit]")
    portal.click("[data-testid=complete]")
    assert "Задача выполнена." in page.inner_text(".flashes")
    portal.click(".crumbs a")  # "Договор №N"
    assert page.url == f"{portal.base}/contracts/{card_id}"
    assert portal.stage() == "Подписан"
    approvals = page.locator("[data-testid=event-version]").all_inner_texts()
    # approved v1 twice, v2 uploaded, approved v2 twice, signed v2
    assert approvals == ["версия 1", "версия 1", "версия 2", "версия 2", "версия 2", "версия 2"]


def _pay_against(portal: Portal, card_id: int) -> None:
    portal.login("memployee")
    page = portal.page
    page.goto(f"{portal.base}/contracts/{card_id}")
    portal.click("[data-testid=pay-against]")
    assert page.input_value("#contract_id") == str(card_id)
    page.fill("#amount", "600 000")
    note = page.locator("[data-contract-note]")
    assert "больше остатка по договору" in note.inner_text()  # warned as the amount is typed
    page.fill("#amount", "200 000")
    assert "Остаток по договору: 500\u00a0000,00\u00a0₽" in note.inner_text()
    page.select_option("#cost_item", "PACK")
    page.set_input_files("#invoice", str(portal.invoice))
    portal.click("form[data-new-request] button[type=submit]")
    contract = page.inner_text("[data-testid=contract]")
    assert f"№{card_id}" in contract and "остаток 300\u00a0000,00\u00a0₽ из 500\u00a0000,00\u00a0₽" in contract
    portal.click("[data-testid=contract] a")
    assert page.inner_text("[data-testid=remaining]") == "300\u00a0000,00\u00a0₽"


def test_a_contract_from_draft_to_signed_and_paid_against_in_the_browser(browser, portal, tmp_path):
    base, _core = portal
    tab = Portal(browser, base, "ru", tmp_path)
    files = {name: tmp_path / f"{name}.pdf" for name in ("contract-v1", "contract-v2", "signed-scan")}
    for name, path in files.items():
        path.write_bytes(pdf_bytes(name))
    try:
        card_id = _file_contract(tab, files["contract-v1"])
        _approve_contract(tab, "mhead", card_id, "Юридическая и финансовая проверка")
        _approve_contract(tab, "finance", card_id, "Подписание")
        _upload_a_new_version(tab, card_id, files["contract-v2"])
        _approve_contract(tab, "mhead", card_id, "Юридическая и финансовая проверка")
        _approve_contract(tab, "finance", card_id, "Подписание")
        _sign(tab, card_id, files["signed-scan"])
        _pay_against(tab, card_id)
        for path in (f"/contracts/{card_id}", "/contracts/new", "/list?kind=contract", "/requests/new"):
            tab.page.set_viewport_size({"width": 375, "height": 800})
            tab.page.goto(base + path)
            width = tab.page.evaluate("document.documentElement.scrollWidth")
            assert width <= 375, f"{path} is {width} px wide at 375 px"
        tab.page.goto(f"{base}/contracts/{card_id}")
        tab.shoot("contract")
    finally:
        tab.close()
    assert tab.errors == [], "the browser reported errors (CSP violations, failed scripts, 4xx/5xx loads)"


# --- the test-only third process ---------------------------------------------------------------


def _file_requisition(portal: Portal) -> int:
    portal.login("memployee")
    page = portal.page
    portal.click("[data-testid=new-requisition]")
    assert page.locator("#counterparty_inn").count() == 0  # the requisition has no counterparty
    page.fill("#subject", "Кресла для переговорной")
    page.fill("#amount", "48 000")
    page.fill("#comment", "Шесть штук, серые")
    portal.click("form[data-new-request] button[type=submit]")
    assert portal.text("filed") in page.inner_text(".flashes")
    return int(re.search(r"/requisitions/(\d+)$", page.url).group(1))


def test_the_api_docs_render_the_contract_under_the_portals_csp(browser, portal, tmp_path):
    base, _core = portal
    tab = Portal(browser, base, "en", tmp_path)
    try:
        tab.login("memployee")
        tab.page.goto(f"{base}/api/docs")
        tab.page.wait_for_selector(".opblock")
        shown = {tab.page.inner_text(f"#{element.get_attribute('id')} .opblock-summary-path").strip()
                 for element in tab.page.query_selector_all(".opblock")}
        assert {"/openapi.json", "/cards/{card_id}", "/tasks/{task_id}/approve", "/{process}"} <= shown
        tab.shoot("api-docs")
    finally:
        tab.close()
    assert tab.errors == [], "the browser reported errors (CSP violations, failed scripts, 4xx/5xx loads)"


@pytest.mark.parametrize("language", ["ru", "en"])
def test_a_requisition_is_filed_shown_on_its_board_and_approved_in_the_browser(browser, portal, tmp_path, language):
    base, _core = portal
    tab = Portal(browser, base, language, tmp_path)
    stage_titles = {"ru": ("Решение руководителя", "Закупка"), "en": ("Manager's decision", "Procurement")}
    review, purchase = stage_titles[language]
    try:
        card_id = _file_requisition(tab)
        assert tab.stage() == review
        tab.shoot("requisition-card")
        tab.page.goto(f"{base}/board?kind=requisition")
        assert tab.page.inner_text("[data-testid=count-manager_review]").strip() == "1"
        assert f"/requisitions/{card_id}" in tab.page.inner_html("[data-testid=board]")
        tab.shoot("requisition-board")
        tab.login("mhead")
        tab.click(f"[data-testid=my-tasks] a[href='/requisitions/{card_id}']")
        tab.click("[data-testid=approve]")
        assert tab.stage() == purchase
        tab.shoot("requisition-approved")
    finally:
        tab.close()
    assert tab.errors == [], "the browser reported errors (CSP violations, failed scripts, 4xx/5xx loads)"


# --- the production calendar on the admin's rules page ------------------------------------------


@pytest.mark.parametrize("language", ["ru", "en"])
def test_the_production_calendar_on_the_rules_page_fits_a_phone(browser, portal, tmp_path, language):
    base, _core = portal
    tab = Portal(browser, base, language, tmp_path)
    try:
        tab.login("admin")
        tab.page.goto(f"{base}/admin/rules?year=2024#calendar")
        assert tab.page.locator("[data-testid=production-calendar] table.calendar-month").count() == 12
        assert "day-shortened" in tab.page.get_attribute("td[data-date='2024-11-02']", "class")
        tab.page.select_option("#calendar-year", "2026")
        tab.click(".year-picker button[type=submit]")
        assert tab.page.url.endswith("/admin/rules?year=2026#calendar")
        tab.page.set_viewport_size({"width": 375, "height": 800})
        width = tab.page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"the rules page is {width} px wide at 375 px"
        ARTIFACTS.mkdir(exist_ok=True)
        tab.page.locator("[data-testid=production-calendar]").screenshot(
            path=str(ARTIFACTS / f"portal-admin-rules-calendar-section-375px-{language}.png"))
        tab.shoot("admin-rules-calendar")
    finally:
        tab.close()
    assert tab.errors == [], "the browser reported errors (CSP violations, failed scripts, 4xx/5xx loads)"


@pytest.mark.parametrize("language", ["ru", "en"])
def test_the_admin_imports_counterparties_from_a_1c_export_on_a_phone(browser, portal, tmp_path, language):
    from tests.test_directory_import import RU_CSV, counterparties

    base, core = portal
    export = tmp_path / "контрагенты.csv"
    export.write_bytes(RU_CSV.encode("cp1251"))
    tab = Portal(browser, base, language, tmp_path)
    try:
        tab.login("admin")
        tab.page.set_viewport_size({"width": 375, "height": 800})
        tab.page.goto(f"{base}/admin/counterparties")
        tab.click("[data-testid=import-link]")
        tab.page.set_input_files("#file", str(export))
        tab.click("button[value=check]")
        assert tab.page.locator("[data-testid=import-rows] tbody tr").count() == 2
        width = tab.page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"the import report is {width} px wide at 375 px"
        assert "7707083893" not in counterparties(core)
        tab.shoot("admin-directory-import")  # reloads: the check is posted again, still writing nothing
        tab.page.set_viewport_size({"width": 375, "height": 800})
        tab.click("[data-testid=import-confirm] button[value=import]")
        assert tab.page.url == f"{base}/admin/counterparties"
        assert "ПАО «Ромашка»" in tab.page.inner_text("main")
        assert "7707083893" in counterparties(core)
    finally:
        tab.close()
    assert tab.errors == [], "the browser reported errors (CSP violations, failed scripts, 4xx/5xx loads)"
