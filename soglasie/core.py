"""The runtime every entry point builds once: settings, database, rules and file store."""

from __future__ import annotations

from dataclasses import dataclass

from soglasie.attachments import AttachmentStore
from soglasie.db import Database
from soglasie.rulebook.model import RuleBook
from soglasie.rulebook.provider import RulesProvider
from soglasie.rules_archive import RulesArchive
from soglasie.settings import Settings


@dataclass
class Core:
    """What services need besides their arguments; passed down, never global."""

    settings: Settings
    db: Database
    rules: RulesProvider
    store: AttachmentStore

    @classmethod
    def from_settings(cls, settings: Settings) -> "Core":
        """Connect to the configured database and rules directory (no schema changes).

        The rules version in force is stored in the database; broken files at start fall back on
        the newest stored version (soglasie/rules_archive.py).
        """
        db = Database.from_url(settings.database_url)
        return cls(
            settings=settings,
            db=db,
            rules=RulesProvider(settings.rules_dir, archive=RulesArchive(db)),
            store=AttachmentStore(settings.attachments_dir, settings.max_upload_bytes),
        )

    @classmethod
    def from_env(cls) -> "Core":
        """Build from the process environment (entry points only)."""
        return cls.from_settings(Settings.from_env())

    @property
    def rulebook(self) -> RuleBook:
        """The rules in force now (reloaded when the files change; never a broken set)."""
        return self.rules.current()

    @property
    def channels(self) -> tuple[str, ...]:
        """External notification channels that are switched on (the inbox is always on)."""
        return ("telegram",) if self.settings.telegram_enabled else ()

    def session(self):
        """A read session (for commands that only query)."""
        return self.db.read()
