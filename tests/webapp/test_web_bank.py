"""Portal: the accounting page (export a selection, upload a statement) and the admin's company requisites."""

from __future__ import annotations

import io

from tests import exchange_reader
from tests.test_bank import at_payment, pay, statement_from


def test_the_chief_exports_a_selection_and_the_accountant_uploads_the_statement(auth, core, users, invoice):
    chosen, other = at_payment(core, users, invoice), at_payment(core, users, invoice)
    pay(core, users, chosen)
    auth.login("chief")
    page = auth.client.get("/bank").get_data(as_text=True)
    assert f'value="{chosen}"' in page and f'value="{other}"' in page
    response = auth.post("/bank/export", {"ids": [str(chosen)]})
    assert response.status_code == 200 and "attachment;" in response.headers["Content-Disposition"]
    assert [fields["НазначениеПлатежа"].endswith(f"SGL-{chosen}")
            for _, fields in exchange_reader.read(response.data).documents] == [True]
    assert "№ 1" in auth.client.get("/bank").get_data(as_text=True)
    auth.login("accountant")
    uploaded = auth.post("/bank/statements", {"file": (io.BytesIO(statement_from(response.data)), "st.txt")},
                         content_type="multipart/form-data")
    assert uploaded.status_code == 200
    assert f"SGL-{chosen}" in uploaded.get_data(as_text=True).split('data-testid="statement-report"')[1]
    assert auth.client.get(f"/requests/{chosen}").status_code == 200


def test_others_do_not_see_the_accounting_page_and_accountants_do_not_export(auth, core, users, invoice):
    card_id = at_payment(core, users, invoice)
    auth.login("memployee")
    assert auth.client.get("/bank").status_code == 403
    auth.login("accountant")
    assert 'name="ids"' not in auth.client.get("/bank").get_data(as_text=True)
    assert auth.post("/bank/export", {"ids": [str(card_id)]}).status_code == 403


def test_the_admin_edits_the_company_requisites(auth):
    auth.login("admin")
    page = auth.client.get("/admin/company").get_data(as_text=True)
    assert "7701230005" in page and "40702810938000012345" in page
    form = {"rows": "1", "name": "ООО «Новое»", "inn": "7701230005", "kpp": "770101001",
            "account_0": "40702810938000012345", "bank_name_0": "ПАО Сбербанк", "bik_0": "044525225",
            "corr_account_0": "30101810400000000225", "default": "0"}
    bad = auth.post("/admin/company", {**form, "account_0": "40702810938000012346"})
    assert bad.status_code == 422 and 'data-field="accounts[0].account"' in bad.get_data(as_text=True)
    assert auth.post("/admin/company", form).status_code == 303
    assert "ООО «Новое»" in auth.client.get("/admin/company").get_data(as_text=True)
    auth.login("chief")
    assert auth.client.get("/admin/company").status_code == 403
