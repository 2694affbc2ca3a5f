"""The paying company's requisites: read by everyone who exports, written by the admin, validated like a counterparty's.

Name, INN (checksum), KPP and one or more accounts — each with its bank's name, BIK, the
correspondent account and the account checked against the BIK by the control key; exactly one
account is the default, the one that pays a request unless a routing rule names another.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from soglasie.core import Core
from soglasie.errors import Conflict, PermissionDenied, ValidationError
from soglasie.i18n import _
from soglasie.models import Card, Company, CompanyAccount, PaymentOrder
from soglasie.process.facts import card_facts
from soglasie.rulebook.errors import RuleFileError
from soglasie.rulebook.model import RuleBook
from soglasie.rulebook.routing import paying_account_rule
from soglasie.services.common import load_actor
from soglasie.validation import clean_bank_details, clean_corr_account, clean_inn, clean_kpp, clean_text

MAX_ACCOUNTS = 20


def company_view(company: Company | None) -> dict | None:
    """The requisites as JSON (None before the admin has entered them)."""
    if company is None:
        return None
    return {"name": company.name, "inn": company.inn, "kpp": company.kpp,
            "accounts": [{"account": row.account, "bank_name": row.bank_name, "bik": row.bik,
                          "corr_account": row.corr_account, "default": row.is_default} for row in company.accounts]}


def load_company(session: Session) -> Company | None:
    """The one company row, if entered."""
    return session.scalars(select(Company).order_by(Company.id).limit(1)).first()


def get_company(core: Core) -> dict | None:
    """The company's requisites (anyone signed in may read them: they are printed on every order)."""
    with core.db.read() as session:
        return company_view(load_company(session))


def _texts(raw: dict, names: tuple[str, ...], where: str = "") -> dict:
    """The named values as text (absent: empty); any other JSON type is refused naming its field."""
    values = {}
    for name in names:
        value = raw.get(name)
        if value is not None and not isinstance(value, str):
            raise ValidationError(_("This field must be text."), f"{where}{name}")
        values[name] = value or ""
    return values


def clean_account(raw: dict, index: int) -> CompanyAccount:
    """One account of the form: account against BIK, the correspondent account 20 digits starting 30101."""
    where = f"accounts[{index}]"
    raw = {**_texts(raw, ("account", "bank_name", "bik", "corr_account"), where + "."), "default": raw.get("default")}
    try:
        bik, account = clean_bank_details(raw.get("bik"), raw.get("account"))
    except ValidationError as error:
        raise ValidationError(error.text, f"{where}.{error.field}") from None
    if account is None:
        raise ValidationError(_("BIK must be 9 digits."), f"{where}.bik")
    corr = clean_corr_account(raw.get("corr_account"), bik, f"{where}.corr_account")
    bank_name = clean_text(raw.get("bank_name"), f"{where}.bank_name", required=True, max_length=300)
    return CompanyAccount(account=account, bank_name=bank_name, bik=bik, corr_account=corr,
                          is_default=bool(raw.get("default")))


def clean_company(raw: dict) -> Company:
    """The requisites of `raw` checked (every error names its field); nothing is stored."""
    rows = raw.get("accounts")
    raw = _texts(raw, ("name", "inn", "kpp"))
    name = clean_text(raw.get("name"), "name", required=True, max_length=300)
    inn = clean_inn(raw.get("inn"))
    kpp = clean_kpp(raw.get("kpp"))
    if not isinstance(rows, list) or not rows or len(rows) > MAX_ACCOUNTS or \
            not all(isinstance(row, dict) for row in rows):
        raise ValidationError(_("Give from 1 to %(count)d accounts.", count=MAX_ACCOUNTS), "accounts")
    accounts = [clean_account(row, index) for index, row in enumerate(rows)]
    if len({row.account for row in accounts}) != len(accounts):
        raise ValidationError(_("An account is listed twice."), "accounts")
    defaults = [row for row in accounts if row.is_default]
    if len(defaults) > 1:
        raise ValidationError(_("Only one account may be the default."), "accounts")
    if not defaults:
        accounts[0].is_default = True
    return Company(name=name, inn=inn, kpp=kpp, accounts=accounts)


def save_company(core: Core, actor_id: int, raw: dict) -> dict:
    """Replace the requisites (admin only); accounts already used by exported orders are kept, updated in place."""
    cleaned = clean_company(raw)
    with core.db.write() as session:
        if not load_actor(session, actor_id).has_role("admin"):
            raise PermissionDenied(_("Only an administrator edits the company's requisites."))
        company = load_company(session)
        if company is None:
            session.add(cleaned)
            session.flush()
            return company_view(cleaned)
        company.name, company.inn, company.kpp = cleaned.name, cleaned.inn, cleaned.kpp
        _merge_accounts(session, company, cleaned.accounts)
        session.flush()
        return company_view(company)


def _merge_accounts(session: Session, company: Company, accounts: list[CompanyAccount]) -> None:
    """Keep rows by account number (orders point at them); a removed account still paying an order stays."""
    existing = {row.account: row for row in company.accounts}
    wanted = {row.account for row in accounts}
    for account, row in existing.items():
        if account not in wanted:
            if session.scalar(select(PaymentOrder.id).where(PaymentOrder.account_id == row.id).limit(1)):
                raise ValidationError(_("Account %(account)s pays exported orders and cannot be removed.",
                                        account=account), "accounts")
            company.accounts.remove(row)
    for new in accounts:
        row = existing.get(new.account)
        if row is None:
            company.accounts.append(new)
        else:
            row.bank_name, row.bik, row.corr_account, row.is_default = (new.bank_name, new.bik, new.corr_account,
                                                                      new.is_default)


def paying_account(session: Session, rulebook: RuleBook, card: Card, company: Company | None = None,
                   order: PaymentOrder | None = None) -> CompanyAccount:
    """The account that pays `card`: its payment order's once numbered (kept, whatever changes later);
    before that the first matching `paying_account:` rule of its process, else the company's default.

    Conflict before the requisites are entered, or when a rule names an account the company no longer has.
    """
    if order is not None:
        return order.account
    company = company or load_company(session)
    if company is None or not company.accounts:
        raise Conflict(_("The company's requisites are not entered yet: the administrator enters them first."),
                       code="no_requisites")
    process = rulebook.process(card.kind)
    rule = paying_account_rule(process, card_facts(session, card)) if process.paying_account else None
    if rule is None:
        return next(row for row in company.accounts if row.is_default)
    chosen = next((row for row in company.accounts if row.account == rule.account), None)
    if chosen is None:
        raise Conflict(_("The rule at %(where)s chooses the paying account %(account)s, which is not among the "
                         "company's accounts: the administrator adds it back or the rule is changed.",
                         where=f"{rule_file(rulebook, card.kind)}:{rule.line}", account=rule.account),
                       code="unknown_paying_account")
    return chosen


def rule_file(rulebook: RuleBook, process_id: str) -> str:
    """The file name of a process's rule file, as `rules check` prints it."""
    return Path(rulebook.process(process_id).source).name


def check_paying_account(session: Session, rulebook: RuleBook, card: Card) -> None:
    """At filing: a rule choosing an account the company does not have is refused now, not at the export.

    Before the requisites are entered nothing is checked (the export asks for them).
    """
    company = load_company(session)
    if company is not None and company.accounts and rulebook.process(card.kind).paying_account:
        paying_account(session, rulebook, card, company)


def unknown_paying_accounts(session: Session, rulebook: RuleBook) -> list[RuleFileError]:
    """`file:line` errors for `paying_account:` rules naming an account the company does not have
    (none before the requisites are entered: there is nothing to check against yet)."""
    company = load_company(session)
    if company is None:
        return []
    known = {row.account for row in company.accounts}
    return [RuleFileError(process.source, rule.line,
                          f"paying account {rule.account!r} is not among the company's accounts "
                          f"({', '.join(sorted(known))})")
            for process in rulebook.processes.values() for rule in process.paying_account
            if rule.account not in known]


def account_view(account: CompanyAccount) -> dict:
    """The card's `paying_account` key: the account, its bank, whether it is the default one."""
    return {"account": account.account, "bank_name": account.bank_name, "bik": account.bik,
            "default": account.is_default}
