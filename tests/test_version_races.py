"""Versions of one contract uploaded at once (issue 11, point 2): numbered under the run lock.

Before: the number was taken before the run was locked, so two uploads at once both chose the
same number and one of them failed the unique constraint — a 500 on PostgreSQL.
"""

from __future__ import annotations

import threading

from sqlalchemy import select

from soglasie.errors import Conflict
from soglasie.models import Attachment, ContractVersion
from soglasie.services.common import Upload
from tests.conftest import T0
from tests.helpers import add_contract_version, file_contract
from tests.support.files import pdf_bytes

THREADS = 8


def test_versions_uploaded_at_once_are_numbered_one_after_another_or_refused_as_a_conflict(core, users):
    card_id = file_contract(core, users)
    barrier = threading.Barrier(THREADS)
    results: list[str] = []

    def upload(index: int) -> None:
        barrier.wait()
        try:
            add_contract_version(core, users["memployee"], card_id, Upload(pdf_bytes(f"v{index}"), f"v{index}.pdf"), T0)
            results.append("ok")
        except Conflict:
            results.append("conflict")
        except Exception as error:  # anything else (an IntegrityError: a 500) is the defect
            results.append(repr(error))

    threads = [threading.Thread(target=upload, args=(index,)) for index in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(results) <= {"ok", "conflict"}, results
    with core.db.read() as session:
        numbers = sorted(session.scalars(select(ContractVersion.number).where(ContractVersion.card_id == card_id)))
        attachments = session.scalars(select(Attachment.id).where(Attachment.card_id == card_id)).all()
    assert numbers == list(range(1, 2 + results.count("ok")))
    assert len(attachments) == len(numbers)  # a refused upload left no attachment behind
