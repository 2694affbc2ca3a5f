"""Admin pages: departments and heads, users and roles, directories, the rules page."""

from __future__ import annotations

from sqlalchemy import select

from soglasie.models import CostItem, Department, User
from soglasie.services import admin


def _department(core, code):
    """(id, parent_id, head_id) of the department with `code`."""
    with core.db.read() as session:
        row = session.scalars(select(Department).where(Department.code == code)).one()
        return row.id, row.parent_id, row.head_id


def test_a_department_is_added_under_a_parent_with_a_head(auth, core):
    auth.login("admin")
    parent_id = _department(core, "marketing")[0]
    response = auth.post("/admin/departments", {"code": "smm", "name": "SMM", "parent_id": str(parent_id),
                                                "head": "memployee"})
    assert response.status_code == 303
    _id, smm_parent, smm_head = _department(core, "smm")
    assert smm_parent == parent_id and smm_head is not None
    page = auth.client.get("/admin/departments").get_data(as_text=True)
    assert "SMM" in page and "Максим Рекламов" in page


BAD_DEPARTMENTS = [
    ({"code": "Маркетинг!", "name": "x"}, "Код — латиница"),
    ({"code": "marketing", "name": "Дубль"}, "Отдел с таким кодом уже есть."),
    ({"code": "ok", "name": ""}, "Заполните поле."),
    ({"code": "ok2", "name": "x", "head": "nobody"}, "Нет такого активного пользователя."),
]


def test_bad_departments_are_refused_with_a_message(auth, core):
    auth.login("admin")
    for data, message in BAD_DEPARTMENTS:
        response = auth.post("/admin/departments", data)
        assert response.status_code in (409, 422), data
        assert message in response.get_data(as_text=True), data
    assert len(admin.list_departments(core, auth.users["admin"])) == 3


def test_a_department_cannot_move_under_its_own_child(auth, core, users):
    auth.login("admin")
    marketing = _department(core, "marketing")[0]
    child = admin.create_department(core, users["admin"], code="smm", name="SMM", parent_id=marketing)
    response = auth.post(f"/admin/departments/{marketing}", {"name": "Маркетинг", "parent_id": str(child)})
    assert response.status_code == 422
    assert "Отдел не может входить сам в себя." in response.get_data(as_text=True)


def test_changing_the_head_routes_new_requests_to_him(auth, core, users, invoice):
    from tests.helpers import file_request, open_task

    auth.login("admin")
    marketing = _department(core, "marketing")[0]
    auth.post(f"/admin/departments/{marketing}", {"name": "Маркетинг", "parent_id": "", "head": "phead"})
    card_id = file_request(core, users, invoice)
    assert open_task(core, users, card_id, "head_approval")["assignee"] == "phead"


def test_a_user_is_added_and_can_log_in(auth, client):
    auth.login("admin")
    response = auth.post("/admin/users/new", {"login": "newbie", "name": "Нина Новикова", "password": "secret-123",
                                              "roles": ["employee", "finance_manager"], "locale": "en",
                                              "department_id": ""})
    assert response.status_code == 303
    auth.login_with_form("newbie", "secret-123")
    assert "Hello, Нина" in auth.client.get("/").get_data(as_text=True)


BAD_USERS = [
    ({"login": "admin"}, "Такой логин уже занят."),
    ({"login": "Плохой"}, "Логин — латиница"),
    ({"password": "short"}, "Пароль — от 8"),
    ({"roles": ["emperor"]}, "Неизвестная роль."),
    ({"email": "not-an-email"}, ""),
]


def test_bad_users_are_refused(auth, core):
    auth.login("admin")
    for data, message in BAD_USERS:
        fields = {"login": "someone", "name": "Кто-то", "password": "long-enough", "roles": ["employee"],
                  "locale": "ru", **data}
        response = auth.post("/admin/users/new", fields)
        assert response.status_code in (409, 422), data
        assert message in response.get_data(as_text=True), data
    assert "someone" not in [user["login"] for user in admin.list_users(core, auth.users["admin"])]


def test_roles_are_changed_and_a_user_deactivated(auth, core, users):
    auth.login("admin")
    response = auth.post(f"/admin/users/{users['pemployee']}", {"name": "Полина", "roles": ["employee", "signer"],
                                                               "locale": "ru", "department_id": ""})
    assert response.status_code == 303
    with core.db.read() as session:
        user = session.get(User, users["pemployee"])
        assert user.roles == {"employee", "signer"} and not user.active


def test_the_admin_cannot_lock_himself_out(auth, users):
    auth.login("admin")
    response = auth.post(f"/admin/users/{users['admin']}", {"name": "Анна", "roles": ["employee"], "locale": "ru",
                                                           "active": "y"})
    assert response.status_code == 422
    assert "Нельзя отключить себя" in response.get_data(as_text=True)


def test_counterparties_are_added_and_corrected(auth, core):
    auth.login("admin")
    added = auth.post("/admin/counterparties", {"name": "ООО «Ромашка»", "inn": "7707083893"})
    assert added.status_code == 303
    bad = auth.post("/admin/counterparties/1", {"name": "ООО «Косметик Пак»", "bik": "044525225",
                                                 "account": "40702810281590830167", "active": "y"})
    assert bad.status_code == 422 and "контрольный ключ" in bad.get_data(as_text=True)
    hidden = auth.post("/admin/counterparties/1", {"name": "ООО «Косметик Пак»"})
    assert hidden.status_code == 303
    assert "7701526010" not in auth.client.get("/api/v1/counterparties").get_data(as_text=True)


def test_cost_items_are_added_and_deactivated(auth, core):
    auth.login("admin")
    assert auth.post("/admin/cost-items", {"code": "TRAVEL", "name": "Командировки"}).status_code == 303
    with core.db.read() as session:
        item_id = session.scalar(select(CostItem.id).where(CostItem.code == "TRAVEL"))
    assert auth.post(f"/admin/cost-items/{item_id}", {"name": "Поездки"}).status_code == 303
    codes = [item["code"] for item in auth.client.get("/api/v1/cost-items").json["items"]]
    assert "TRAVEL" not in codes


def test_non_admins_cannot_post_admin_forms(auth):
    auth.login("ops")
    for path in ("/admin/departments", "/admin/users/new", "/admin/counterparties", "/admin/cost-items",
                 "/admin/users/1", "/admin/cost-items/1", "/admin/departments/1", "/admin/counterparties/1"):
        response = auth.post(path, {"name": "x", "code": "zz", "login": "zz", "password": "long-enough"})
        assert response.status_code == 403, path


def test_the_rules_page_shows_the_version_and_status(auth, core):
    auth.login("admin")
    page = auth.client.get("/admin/rules").get_data(as_text=True)
    assert core.rulebook.version in page and "файлы без ошибок" in page and "payment.yaml" in page
    assert "Согласование заявок на оплату" in page


def test_the_rules_page_shows_errors_of_a_broken_change(auth, core, tmp_path):
    import shutil

    rules = tmp_path / "rules"
    shutil.copytree(core.settings.rules_dir, rules)
    from soglasie.rulebook.provider import RulesProvider

    core.rules = RulesProvider(rules, check_interval=0)
    (rules / "payment.yaml").write_text((rules / "payment.yaml").read_text() + "\nbroken: [\n")
    auth.login("admin")
    page = auth.client.get("/admin/rules").get_data(as_text=True)
    assert "payment.yaml:" in page and "действует версия" in page
