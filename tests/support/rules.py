"""The rules the tests run on: a fixture directory, not the production `rules/`.

It holds copies of the shipped payment, contract and calendar files (so a finance lead's
edit of `rules/` breaks only tests/test_shipped_rules.py) and a third process, a purchase
requisition, that exists only here and must work on every surface with no code of its own.
"""

from pathlib import Path

RULES_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "rules"
