"""Backups that restore: a consistent snapshot of the database plus every attachment, with a SHA-256 manifest.

- `backup(settings, target, now)` writes into an empty directory, while the portal and the
  sweeps keep running: SQLite through its online backup API (one step, so the copy is the
  database at one instant), PostgreSQL through `pg_dump` (one repeatable-read snapshot), then
  the attachments. Files are stored before their rows commit (services call
  `AttachmentStore.save` inside the transaction), so every file the snapshot refers to is
  already there when the files are copied; files added later may be copied too, unreferenced.
- `verify(directory)` checks every file against `manifest.json` and names the first bad one.
- `restore(settings, source)` verifies, then fills an empty database and attachments directory.
- `nightly(settings, root, now, keep)` is what the `backup` DAG runs: one directory per run
  instant (a retry finds it done), the newest `keep` kept.
"""

from __future__ import annotations

import datetime as dt
import glob
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from soglasie.db import Database
from soglasie.errors import Conflict, ValidationError
from soglasie.settings import Settings

MANIFEST = "manifest.json"
FORMAT = 1
SQLITE_FILE = "soglasie.db"
PG_DUMP_FILE = "soglasie.pgdump"
ATTACHMENTS = "attachments"
_CHUNK = 1 << 20
# A stored attachment is named by its SHA-256; an upload still being written is a temporary file beside it.
_STORED_NAME = re.compile(r"[0-9a-f]{64}")


class BackupError(Conflict):
    """A backup, restore or verification that cannot be done; the message says why and what to do."""

    def __init__(self, message: str, field: str = "backup"):
        super().__init__(message, field, code="backup")


@dataclass(frozen=True)
class BackupResult:
    """What a backup wrote: where, how many files, how many bytes, which database backend."""

    directory: Path
    backend: str
    files: int
    bytes: int


def backup(settings: Settings, target: Path, now: dt.datetime) -> BackupResult:
    """Write a snapshot of the database and every attachment into `target` (absent or empty) with its manifest."""
    target = Path(target)
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"{target} is not empty: a backup goes into a new or empty directory", "to")
    target.mkdir(parents=True, exist_ok=True)
    url = make_url(settings.database_url)
    backend = url.get_backend_name()
    if backend == "sqlite":
        _sqlite_copy(_sqlite_path(url), target / SQLITE_FILE)
    else:
        pg_dump_to(settings.database_url, target / PG_DUMP_FILE)
    _copy_tree(settings.attachments_dir, target / ATTACHMENTS, only=_STORED_NAME)
    files = _checksums(target)
    manifest = {"format": FORMAT, "created_at": now.isoformat(), "backend": backend,
                "database": SQLITE_FILE if backend == "sqlite" else PG_DUMP_FILE, "files": files}
    (target / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
    return BackupResult(target, backend, len(files), sum(entry["size"] for entry in files.values()))


def verify(directory: Path) -> str | None:
    """None when every file matches the manifest; else the first problem, naming the file."""
    directory = Path(directory)
    manifest = _read_manifest(directory)
    listed = manifest["files"]
    for name in sorted(listed):
        path = directory / name
        if not path.is_file():
            return f"{path}: missing"
        size, digest = _file_sum(path)
        if size != listed[name]["size"] or digest != listed[name]["sha256"]:
            return f"{path}: SHA-256 does not match the manifest"
    extra = sorted(set(_checksums(directory, hash_files=False)) - set(listed))
    return f"{directory / extra[0]}: not in the manifest" if extra else None


def restore(settings: Settings, source: Path) -> BackupResult:
    """Verify `source`, then restore it into the configured database and data directory, both empty."""
    source = Path(source)
    problem = verify(source)
    if problem is not None:
        raise BackupError(f"the backup does not verify: {problem}", "from")
    manifest = _read_manifest(source)
    url = make_url(settings.database_url)
    if manifest["backend"] != url.get_backend_name():
        raise BackupError(f"the backup holds a {manifest['backend']} database; DATABASE_URL is "
                          f"{url.get_backend_name()}: restore into the same kind of database", "from")
    _require_empty_target(settings)
    if manifest["backend"] == "sqlite":
        path = _sqlite_path(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        _sqlite_copy(source / SQLITE_FILE, path)
    else:
        _pg_restore(settings.database_url, source / PG_DUMP_FILE)
    _copy_tree(source / ATTACHMENTS, settings.attachments_dir)
    files = manifest["files"]
    return BackupResult(source, manifest["backend"], len(files), sum(entry["size"] for entry in files.values()))


def nightly(settings: Settings, root: Path, now: dt.datetime, keep: int) -> dict:
    """The `backup` DAG's task: `root/<run instant>` unless it is already there and verifies; keep the newest `keep`."""
    root = Path(root)
    name = now.astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    target = root / name
    written = 0
    if not (target / MANIFEST).exists() or verify(target) is not None:
        if target.exists():
            shutil.rmtree(target)  # a half-written or corrupt attempt of this very run
        result = backup(settings, target, now)
        written = result.bytes
    pruned = prune(root, keep)
    return {"backup": name, "bytes": written, "kept": min(keep, len(_backups(root))), "pruned": len(pruned)}


def prune(root: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` backups under `root` (only directories holding a manifest)."""
    if keep < 1:
        raise ValidationError("keep at least one backup", "keep")
    old = _backups(root)[:-keep]
    for path in old:
        shutil.rmtree(path)
    return old


def _backups(root: Path) -> list[Path]:
    return sorted(path for path in root.iterdir() if (path / MANIFEST).is_file()) if root.is_dir() else []


# --- databases -------------------------------------------------------------------------------


def _sqlite_path(url) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up or restored", "database")
    return Path(url.database)


def _sqlite_copy(source: Path, target: Path) -> None:
    """SQLite's online backup API in one step: the copy is the database at one instant, writers keep going."""
    if not source.is_file():
        raise BackupError(f"{source}: no such database file", "database")
    with closing(sqlite3.connect(source, timeout=30)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)  # pages=-1: the whole database in one step, under one read transaction


def postgres_tool(name: str) -> str:
    """The path of a PostgreSQL client program (`pg_dump`, `pg_restore`): PATH, else the newest /usr/lib/postgresql."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                        key=lambda path: int(Path(path).parent.parent.name) if Path(path).parent.parent.name.isdigit()
                        else 0)
    if candidates:
        return candidates[-1]
    raise BackupError(f"{name} not found (neither on PATH nor under /usr/lib/postgresql/*/bin): install the "
                      "PostgreSQL client programs (Debian: postgresql-client) to back up or restore PostgreSQL",
                      "database")


def _libpq(database_url: str) -> tuple[str, dict]:
    """A libpq URI without the password, and the environment carrying it (not on the command line)."""
    url = make_url(database_url)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False), env


def _run(command: list[str], env: dict, what: str) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{what} failed (exit {done.returncode}): {done.stderr.strip()[:500]}", "database")


def pg_dump_to(database_url: str, target: Path) -> None:
    """One consistent snapshot (pg_dump's own transaction), custom format, without owners."""
    uri, env = _libpq(database_url)
    _run([postgres_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={target}",
          f"--dbname={uri}"], env, "pg_dump")


def _pg_restore(database_url: str, source: Path) -> None:
    uri, env = _libpq(database_url)
    _run([postgres_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
          f"--dbname={uri}", str(source)], env, "pg_restore")


def _require_empty_target(settings: Settings) -> None:
    """Refuse to restore over anything: the database must have no tables, the attachments directory no files."""
    url = make_url(settings.database_url)
    if url.get_backend_name() != "sqlite" or _sqlite_path(url).exists():
        database = Database.from_url(settings.database_url)
        try:
            tables = inspect(database.engine).get_table_names()
        finally:
            database.dispose()
        if tables:
            raise BackupError(f"the database {url.render_as_string(hide_password=True)} is not empty "
                              f"({len(tables)} tables): restore only into an empty database", "database")
    attachments = settings.attachments_dir
    if attachments.exists() and any(path.is_file() for path in attachments.rglob("*")):
        raise BackupError(f"{attachments} is not empty: restore only into an empty data directory", "data_dir")


# --- files -----------------------------------------------------------------------------------


def _copy_tree(source: Path, target: Path, only: re.Pattern | None = None) -> None:
    """Copy every file under `source` (absent: nothing), or those whose name matches `only`, to `target`."""
    if not source.is_dir():
        return
    for path in sorted(source.rglob("*")):
        if path.is_file() and (only is None or only.fullmatch(path.name)):
            destination = target / path.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, destination)


def _file_sum(path: Path) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _checksums(directory: Path, hash_files: bool = True) -> dict[str, dict]:
    """`relative/path` → {size, sha256} of every file under `directory` except the manifest."""
    sums = {}
    for path in sorted(directory.rglob("*")):
        name = path.relative_to(directory).as_posix()
        if path.is_file() and name != MANIFEST:
            size, digest = _file_sum(path) if hash_files else (0, "")
            sums[name] = {"size": size, "sha256": digest}
    return sums


def _read_manifest(directory: Path) -> dict:
    path = directory / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{path}: missing (not a Soglasie backup directory)", "dir") from None
    except (OSError, ValueError) as error:
        raise BackupError(f"{path}: unreadable ({error})", "dir") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT \
            or not isinstance(manifest.get("files"), dict):
        raise BackupError(f"{path}: not a manifest of format {FORMAT}", "dir")
    return manifest
