"""The rules the tests run on: a fixture directory, not the production `rules/`.

It holds copies of the shipped payment, contract and calendar files (so a finance lead's
edit of `rules/` breaks only tests/test_shipped_rules.py) and a third process, a purchase
requisition, that exists only here and must work on every surface with no code of its own.
"""

import shutil
from pathlib import Path

RULES_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "rules"


def rules_with(tmp_path: Path, level: str = "warn", required: bool = False, extra: dict | None = None) -> Path:
    """A copy of the fixture rules with the duplicate check at `level` (and the invoice number and date required).

    `extra`: more replacements {old text: new text} in payment.yaml (each must be there).
    """
    rules = tmp_path / f"rules-{level}-{required}-{len(extra or {})}"
    shutil.copytree(RULES_DIR, rules)
    path = rules / "payment.yaml"
    text = path.read_text().replace("duplicates:\n  level: off", f"duplicates:\n  level: {level}")
    if required:
        text = text.replace("invoice_number: optional", "invoice_number: required").replace(
            "invoice_date: optional", "invoice_date: required")
    for old, new in (extra or {}).items():
        assert old in text, old
        text = text.replace(old, new)
    path.write_text(text)
    return rules
