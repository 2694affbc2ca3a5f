"""REST API of the directory imports: counterparties and cost items from a 1C export (XLSX or CSV)."""

from __future__ import annotations

from flask import jsonify

from soglasie.services import directory_import
from webapp.api import parsing
from webapp.api.routes import bp
from webapp.errors import error_json
from webapp.runtime import actor_id, core, locale, now


@bp.post("/<any(counterparties, \"cost-items\"):kind>/import")
def import_directory(kind: str):
    """Import multipart `file` (admin); `?dry_run=1` only reports. 422 with the whole report when a row is invalid."""
    dry_run = parsing.flag("dry_run")
    try:
        report = directory_import.import_directory(core(), actor_id(), now(), directory_import.DIRECTORIES[kind],
                                                   parsing.upload("file"), dry_run=dry_run)
    except directory_import.RowsRefused as error:
        return error_json(error.message(locale()), error.field, error.http_status, error.code,
                          **error.report.view(locale()))
    return jsonify(report.view(locale()))
