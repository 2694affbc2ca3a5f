"""Live rules: a changed rule file is picked up without a restart, a broken one never is.

Broken-file rule (docs/rules.md): "A broken file is rejected with `file:line: what is wrong`, and the last good rules
stay in force." The provider looks at the files' mtime and size at most once per
`check_interval` seconds; when they changed, it reads the bytes, and only when their hash
(the rules version) changed does it validate and switch. Every process (portal, bot, DAG
tasks) holds one provider, so they converge on the same version by content. Each version that
goes live is stored in the database (soglasie/rules_archive.py); a process that starts while the
files are broken runs on the newest stored version, says so in its log, and switches to the files
as soon as they are fixed.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Callable

from soglasie.rulebook.errors import RuleBookError, RuleFileError
from soglasie.rulebook.loader import RULE_SUFFIXES, load_rulebook_from_texts, read_rule_texts, rules_version
from soglasie.rulebook.model import RuleBook

log = logging.getLogger(__name__)


class RulesProvider:
    """The rules in force for one rules directory, reloaded when its files change."""

    def __init__(self, rules_dir: str | Path, check_interval: float = 1.0,
                 clock: Callable[[], float] = time.monotonic, archive=None):
        """Load the rules now; broken files fall back on the archive's last good version, else raise RuleBookError.

        `archive` (soglasie/rules_archive.py: `record(version, texts)`, `last_good()`) keeps every
        version that went live, so a process started while the files are broken still has the
        last good rules; without one, a broken first load raises (nothing to fall back on).
        """
        self.rules_dir = Path(rules_dir)
        self.check_interval = check_interval
        self._clock = clock
        self.archive = archive
        self._lock = threading.Lock()
        self._rejected_version: str | None = None
        self.last_errors: tuple[RuleFileError, ...] = ()
        self.fallback = None  # the archive's StoredRules while running on it instead of the files
        self._signature = self._stat()
        self._rulebook = self._first_load()
        self._checked_at = clock()

    def _first_load(self) -> RuleBook:
        texts = None
        try:
            texts = read_rule_texts(self.rules_dir)
            rulebook = load_rulebook_from_texts(self.rules_dir, texts)
        except RuleBookError as error:
            return self._fall_back(error, texts)
        self._went_live(rulebook.version, texts)
        return rulebook

    def _fall_back(self, error: RuleBookError, texts) -> RuleBook:
        """The newest stored version instead of broken files; the files' errors are raised when there is none."""
        stored = self.archive.last_good() if self.archive is not None else None
        try:
            rulebook = load_rulebook_from_texts(self.rules_dir, stored.files) if stored is not None else None
        except RuleBookError:
            rulebook = None  # a stored version this code no longer accepts is no fallback
        if rulebook is None:
            raise error
        self.fallback, self.last_errors = stored, tuple(error.errors)
        self._rejected_version = rules_version(texts) if texts is not None else None
        log.error("rules in %s are broken (%d errors); running on the last good version %s stored in the "
                  "database (went live %s):\n%s", self.rules_dir, len(self.last_errors), stored.version,
                  stored.went_live_at.isoformat(), "\n".join(map(str, self.last_errors)))
        return rulebook

    def store_in_force(self) -> None:
        """Store the version in force now, read from its files (e.g. once `soglasie init` created the table)."""
        if self.archive is None or self.fallback is not None:
            return
        try:
            texts = read_rule_texts(self.rules_dir)
        except (OSError, RuleBookError):
            return
        if rules_version(texts) == self._rulebook.version:
            self.archive.record(self._rulebook.version, texts)

    def _went_live(self, version: str, texts) -> None:
        """The files are in force: no fallback any more, and the archive stores the version."""
        self.fallback = None
        if self.archive is not None:
            self.archive.record(version, texts)

    def current(self, now: float | None = None) -> RuleBook:
        """The rules in force; the files are looked at when `check_interval` has passed.

        `now` is a reading of the provider's clock (monotonic seconds by default), for tests.
        """
        moment = self._clock() if now is None else now
        if moment - self._checked_at >= self.check_interval:
            with self._lock:
                if moment - self._checked_at >= self.check_interval:
                    self._checked_at = moment
                    self._refresh()
        return self._rulebook

    def reload(self) -> RuleBook:
        """Look at the files right now (e.g. after `rules check` passed) and return the rules in force."""
        with self._lock:
            self._checked_at = self._clock()
            self._refresh()
        return self._rulebook

    def _stat(self) -> tuple | None:
        try:
            return tuple(sorted((path.name, stat.st_mtime_ns, stat.st_size)
                                for path in self.rules_dir.iterdir() if path.suffix in RULE_SUFFIXES
                                for stat in (path.stat(),)))
        except OSError:
            return None

    def _refresh(self) -> None:
        signature = self._stat()
        if signature == self._signature:
            return
        self._signature = signature  # taken before reading: a later write changes it again
        try:
            texts = read_rule_texts(self.rules_dir)
        except (OSError, RuleBookError) as error:
            self._reject(None, getattr(error, "errors", ()) or (RuleFileError(str(self.rules_dir), 1, str(error)),))
            return
        version = rules_version(texts)
        if version == self._rulebook.version:
            self.last_errors, self._rejected_version = (), None  # touched, or reverted to the good rules
            if self.fallback is not None:
                self._went_live(version, texts)  # the files now say what the stored version says
            return
        if version == self._rejected_version:
            return  # already rejected and logged
        try:
            rulebook = load_rulebook_from_texts(self.rules_dir, texts)
        except RuleBookError as error:
            self._reject(version, error.errors)
            return
        log.info("rules reloaded from %s: version %s replaces %s", self.rules_dir, version, self._rulebook.version)
        self._rulebook, self.last_errors, self._rejected_version = rulebook, (), None
        self._went_live(version, texts)

    def _reject(self, version: str | None, errors) -> None:
        """Keep the last good rules; log every error as `file:line: message`."""
        self._rejected_version = version
        self.last_errors = tuple(errors)
        log.error("rules in %s rejected (%d errors); version %s stays in force:\n%s", self.rules_dir,
                  len(self.last_errors), self._rulebook.version, "\n".join(map(str, self.last_errors)))
