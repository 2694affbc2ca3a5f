"""The demo company (`soglasie init --demo`): departments, users (password `demo`), counterparties, cost items."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from soglasie.models import Company, CompanyAccount, CostItem, Counterparty, Department, User, UserRole
from soglasie.passwords import hash_password

DEMO_PASSWORD = "demo"

# (code, name ru)
DEPARTMENTS = (
    ("marketing", "Маркетинг"),
    ("purchasing", "Снабжение"),
    ("production", "Производство"),
)
# (login, name, roles, department, heads department)
USERS = (
    ("admin", "Анна Админова", ("admin",), None, None),
    ("ops", "Олег Операционов", ("ops_manager", "employee"), None, None),
    ("finance", "Фаина Финансова", ("finance_manager", "employee"), None, None),
    ("chief", "Галина Главбухова", ("chief_accountant", "employee"), None, None),
    ("accountant", "Борис Бухгалтеров", ("junior_accountant", "employee"), None, None),
    ("signer", "Сергей Подписантов", ("signer", "employee"), None, None),
    ("mhead", "Мария Маркетова", ("employee",), "marketing", "marketing"),
    ("memployee", "Максим Рекламов", ("employee",), "marketing", None),
    ("phead", "Павел Закупкин", ("employee",), "purchasing", "purchasing"),
    ("pemployee", "Полина Снабженцева", ("employee",), "purchasing", None),
    ("prhead", "Пётр Производов", ("employee",), "production", "production"),
)
# Valid INN checksums; accounts match their banks' BIKs by the control key.
COUNTERPARTIES = (
    ("ООО «Косметик Пак»", "7701526010", "770101001", "044525225", "40702810281590830166"),
    ("ООО «Северная логистика»", "7814131862", "781401001", "044030653", "40702810909139099603"),
    ("АО «Химсырьё»", "5024082467", "502401001", "044525593", "40702810728194821993"),
    ("ООО «Маркетплейс Медиа»", "7728518190", "772801001", "044525974", "40702810009378657975"),
    ("ООО «ПечатьПро»", "7709432317", "770901001", "044525187", "40702810794875749118"),
)
# The banks of the demo BIKs: name and correspondent account, as a payment order names them.
BANKS = {
    "044525225": ("ПАО Сбербанк", "30101810400000000225"),
    "044030653": ("Северо-Западный банк ПАО Сбербанк", "30101810500000000653"),
    "044525593": ("АО «Альфа-Банк»", "30101810200000000593"),
    "044525974": ("АО «Т-Банк»", "30101810145250000974"),
    "044525187": ("Банк ВТБ (ПАО)", "30101810700000000187"),
}
# The paying company: valid INN checksum; each account matches its BIK by the control key; the first pays by default.
COMPANY = ("ООО «Согласие Косметикс»", "7701230005", "770101001")
COMPANY_ACCOUNTS = (("40702810938000012345", "044525225", True), ("40702810100000054321", "044525974", False))
COST_ITEMS = (
    ("ADS", "Реклама на маркетплейсах"),
    ("PACK", "Упаковка и тара"),
    ("RAW", "Сырьё и материалы"),
    ("LOGISTICS", "Логистика"),
    ("SERVICES", "Услуги подрядчиков"),
    ("OFFICE", "Офис и хозяйственные расходы"),
)


def load_demo(session: Session, now: dt.datetime) -> bool:
    """Create the demo company unless its users exist already; True when it was created."""
    if session.scalar(select(User.id).where(User.login == "admin")):
        return False
    departments = {code: Department(code=code, name=name) for code, name in DEPARTMENTS}
    session.add_all(departments.values())
    session.flush()
    password_hash = hash_password(DEMO_PASSWORD)  # one hash for all: the demo password is shared
    for login, name, roles, department, heads in USERS:
        user = User(login=login, name=name, password_hash=password_hash, locale="ru", active=True,
                    department_id=departments[department].id if department else None, created_at=now)
        user.role_rows = [UserRole(role=role) for role in roles]
        session.add(user)
        session.flush()
        if heads:
            departments[heads].head_id = user.id
    for name, inn, kpp, bik, account in COUNTERPARTIES:
        bank_name, corr_account = BANKS[bik]
        session.add(Counterparty(name=name, inn=inn, kpp=kpp, bik=bik, account=account, bank_name=bank_name,
                                 corr_account=corr_account, active=True, created_at=now))
    session.add(_demo_company())
    session.add_all(CostItem(code=code, name=name, active=True) for code, name in COST_ITEMS)
    session.flush()
    return True


def _demo_company() -> Company:
    """The paying company with its two accounts."""
    name, inn, kpp = COMPANY
    accounts = [CompanyAccount(account=account, bik=bik, bank_name=BANKS[bik][0], corr_account=BANKS[bik][1],
                               is_default=default) for account, bik, default in COMPANY_ACCOUNTS]
    return Company(name=name, inn=inn, kpp=kpp, accounts=accounts)
