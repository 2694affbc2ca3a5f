"""Portal: recording and cancelling one's absence on the profile; the deputy's decision on the card's history."""

from __future__ import annotations

from soglasie.services import actions
from soglasie.services.absences import AbsenceInput, list_absences, record_absence
from tests.conftest import T0
from tests.helpers import open_task


def test_an_absence_is_recorded_shown_and_cancelled_on_the_profile(auth, core, users):
    auth.login("mhead")
    page = auth.client.get("/profile").get_data(as_text=True)
    assert 'data-testid="absence-form"' in page
    assert '<option value="phead">Павел Закупкин</option>' in page and '<option value="mhead">' not in page
    response = auth.post("/profile/absences", {"start": "2026-12-07", "end": "2026-12-11", "deputy": "phead",
                                               "processes": ["payment"]})
    assert response.status_code == 303
    [absence] = list_absences(core, users["mhead"], T0)
    assert (absence["deputy"], absence["processes"]) == ("phead", ["payment"])
    page = auth.client.get("/profile").get_data(as_text=True)
    assert 'data-testid="absences"' in page and "7 дек. 2026 – 11 дек. 2026" in page
    assert auth.post(f"/profile/absences/{absence['id']}/cancel").status_code == 303
    assert list_absences(core, users["mhead"], T0) == []


def test_a_bad_absence_shows_the_error_at_its_field(auth, core, users):
    auth.login("mhead")
    response = auth.post("/profile/absences", {"start": "2026-12-07", "end": "2026-12-05", "deputy": "phead"})
    assert response.status_code == 422
    assert "Дата окончания не может быть раньше даты начала." in response.get_data(as_text=True)
    assert list_absences(core, users["mhead"], T0) == []


def test_someone_elses_absence_cannot_be_cancelled_from_the_profile(auth, core, users):
    absence = record_absence(core, users["mhead"], T0, AbsenceInput("2026-12-07", "2026-12-08", "phead"))
    auth.login("memployee")
    assert auth.post(f"/profile/absences/{absence['id']}/cancel").status_code == 404
    assert len(list_absences(core, users["mhead"], T0)) == 1


def test_the_history_says_the_deputy_approved_for_the_absent_head(auth, core, users, filed):
    record_absence(core, users["admin"], T0, AbsenceInput("2026-12-01", "2026-12-14", "phead"), login="mhead")
    actions.approve(core, users["phead"], open_task(core, users, filed, "head_approval")["id"], T0)
    auth.login("ops")
    page = auth.client.get(f"/requests/{filed}").get_data(as_text=True)
    assert "как заместитель — отсутствует Мария Маркетова, 01.12–14.12, назначил(а) Анна Админова" in page
    assert auth.post("/profile/language", {"locale": "en"}).status_code == 303
    page = auth.client.get(f"/requests/{filed}").get_data(as_text=True)
    assert "for Мария Маркетова (deputy, absence 01.12–14.12, set by Анна Админова)" in page
    assert "task passed to the deputy" in page  # the move recorded when the absence was set today


def test_an_admin_records_and_cancels_a_users_absence_on_his_page(auth, core, users):
    auth.login("admin")
    page = auth.client.get(f"/admin/users/{users['mhead']}").get_data(as_text=True)
    assert f'action="/admin/users/{users["mhead"]}/absences"' in page
    bad = auth.post(f"/admin/users/{users['mhead']}/absences", {"start": "2026-12-07", "end": "2026-12-08",
                                                                 "deputy": "nobody"})
    assert bad.status_code == 422 and list_absences(core, users["mhead"], T0) == []
    response = auth.post(f"/admin/users/{users['mhead']}/absences", {"start": "2026-12-07", "end": "2026-12-08",
                                                                      "deputy": "phead"})
    assert response.status_code == 303
    [absence] = list_absences(core, users["mhead"], T0)
    page = auth.client.get(f"/admin/users/{users['mhead']}").get_data(as_text=True)
    cancel = f"/admin/users/{users['mhead']}/absences/{absence['id']}/cancel"
    assert cancel in page
    assert auth.post(cancel).status_code == 303 and list_absences(core, users["mhead"], T0) == []


def test_an_employee_cannot_reach_the_admins_absence_pages(auth, users):
    auth.login("memployee")
    response = auth.post(f"/admin/users/{users['mhead']}/absences", {"start": "2026-12-07", "end": "2026-12-08",
                                                                      "deputy": "phead"})
    assert response.status_code == 403
