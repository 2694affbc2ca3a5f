"""Every page × every role: who gets it (200), who is refused (403) and who cannot see it (404)."""

from __future__ import annotations


from tests.helpers import open_task

ROLES = ["memployee", "mhead", "pemployee", "phead", "finance", "ops", "chief", "accountant", "signer", "admin"]
COMMON_PAGES = ["/", "/requests/new", "/board", "/list", "/inbox", "/profile", "/list.csv", "/list.xlsx",
                "/board?mine=1&department=marketing&cost_item=PACK&counterparty=7701526010",
                "/list?search=Косметик&stage=head_approval&sort=-amount&page=2", "/inbox?unread=1",
                "/contracts/new", "/list?kind=contract", "/board?kind=contract&mine=1",
                "/list?kind=contract&stage=signing&search=банки&sort=-amount"]
ADMIN_PAGES = ["/admin", "/admin/departments", "/admin/departments/1", "/admin/users", "/admin/users/new",
               "/admin/users/1", "/admin/counterparties", "/admin/counterparties/1", "/admin/cost-items",
               "/admin/cost-items/1", "/admin/rules", "/admin/users?search=m", "/admin/counterparties?search=77"]
# Who sees a request filed by memployee (marketing): the visibility rule (docs/architecture.md).
SEES_MARKETING_REQUEST = {"memployee", "mhead", "finance", "ops", "chief", "accountant", "admin"}


def test_everyone_gets_the_common_pages(auth, filed):
    for login in ROLES:
        auth.login(login)
        for path in COMMON_PAGES:
            response = auth.client.get(path)
            assert response.status_code == 200, (login, path, response.status_code)


def test_only_the_admin_gets_the_admin_pages(auth):
    for login in ROLES:
        auth.login(login)
        expected = 200 if login == "admin" else 403
        for path in ADMIN_PAGES:
            assert auth.client.get(path).status_code == expected, (login, path)


def test_who_sees_the_card_its_task_and_its_files(auth, core, users, filed):
    task_id = open_task(core, users, filed, "head_approval")["id"]
    for login in ROLES:
        auth.login(login)
        expected = 200 if login in SEES_MARKETING_REQUEST else 404
        assert auth.client.get(f"/requests/{filed}").status_code == expected, login
        assert auth.client.get(f"/tasks/{task_id}").status_code == expected, login
        assert auth.client.get(f"/requests/{filed}/files/1").status_code == expected, login
        listed = auth.client.get("/list").get_data(as_text=True)
        assert (f'href="/requests/{filed}"' in listed) == (expected == 200), login


def test_who_sees_a_contract_its_task_and_its_versions(auth, core, users):
    from tests.helpers import file_contract

    card_id = file_contract(core, users)
    task_id = open_task(core, users, card_id, "head_approval")["id"]
    for login in ROLES:
        auth.login(login)
        expected = 200 if login in SEES_MARKETING_REQUEST else 404
        assert auth.client.get(f"/contracts/{card_id}").status_code == expected, login
        assert auth.client.get(f"/tasks/{task_id}").status_code == expected, login
        assert auth.client.get(f"/contracts/{card_id}/files/1").status_code == expected, login
        listed = auth.client.get("/list?kind=contract").get_data(as_text=True)
        assert (f'href="/contracts/{card_id}"' in listed) == (expected == 200), login


ANONYMOUS = ["/", "/requests/new", "/board", "/list", "/inbox", "/profile", "/admin", "/requests/1", "/tasks/1",
             "/list.csv", "/requests/check-counterparty", "/contracts", "/contracts/new", "/contracts/1",
             "/contracts/1/files/1"]
UNKNOWN = ["/requests/999999", "/requests/99999999999", "/requests/abc", "/tasks/999999", "/requests/1/files/999",
           "/contracts/999999", "/contracts/abc", "/contracts/999999/files/1",
           "/admin/users/99999", "/inbox/99999", "/nowhere"]


def test_anonymous_visitors_are_sent_to_log_in(client):
    for path in ANONYMOUS:
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login"), path


def test_unknown_things_are_a_404_page(auth):
    auth.login("admin")
    for path in UNKNOWN:
        response = auth.client.get(path)
        assert response.status_code == 404, path
        assert '<p class="error-code">404</p>' in response.get_data(as_text=True), path


def test_someone_elses_attachment_through_my_card_is_404(auth, core, users, invoice, filed):
    from tests.helpers import file_request

    other = file_request(core, users, invoice, who="pemployee")
    auth.login("memployee")
    other_file = auth.client.get(f"/requests/{filed}/files/2")  # attachment 2 belongs to the other card
    assert other_file.status_code == 404
    assert auth.client.get(f"/requests/{other}/files/2").status_code == 404


def test_a_download_is_an_attachment_with_its_stored_type(auth, filed):
    auth.login("memployee")
    response = auth.client.get(f"/requests/{filed}/files/1")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert response.data.startswith(b"%PDF-")


def test_a_cyrillic_file_name_is_encoded_in_the_header(auth, core, users):
    from soglasie.services.common import Upload
    from tests.helpers import file_request
    from tests.support.files import pdf_bytes

    card_id = file_request(core, users, Upload(pdf_bytes(), 'Счёт №5 "срочно".pdf'))
    auth.login("memployee")
    disposition = auth.client.get(f"/requests/{card_id}/files/1").headers["Content-Disposition"]
    assert "filename*=UTF-8''" in disposition and "\n" not in disposition
