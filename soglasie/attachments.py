"""Attachment storage: files checked by content (not by name) and kept by their SHA-256."""

from __future__ import annotations

import hashlib
import os
import tempfile
import zipfile
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from soglasie.errors import ValidationError
from soglasie.i18n import Message, _

MAX_NAME_LENGTH = 255

# (magic prefix, content type, what users call it). Office files are ZIPs, told apart below.
_SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/x-ole-storage"),  # .doc/.xls
)
_ZIP_TYPES = {
    "word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
ALLOWED_DESCRIPTION = "PDF, PNG, JPEG, TIFF, DOC/DOCX, XLS/XLSX"
# A DOCX or XLSX has tens of entries, rarely hundreds; sniffing refuses a ZIP declaring more.
MAX_ZIP_ENTRIES = 2000


@dataclass(frozen=True)
class StoredFile:
    """What the database records about a stored upload."""

    sha256: str
    size: int
    content_type: str
    original_name: str


def sniff_content_type(data: bytes) -> str | None:
    """The content type told by the file's first bytes, or None when not an allowed type."""
    for magic, content_type in _SIGNATURES:
        if data.startswith(magic):
            return content_type
    if data.startswith(b"PK\x03\x04"):
        return _office_type(data)
    return None


def _office_type(data: bytes) -> str | None:
    """DOCX or XLSX told by the ZIP's entry names; None for any other ZIP or one with too many entries.

    The entry count is read from the end-of-central-directory record first: opening the archive
    parses every entry, and a small upload can declare hundreds of thousands of them.
    """
    declared = _declared_entries(data)
    if declared is None or declared > MAX_ZIP_ENTRIES:
        return None
    try:
        names = zipfile.ZipFile(BytesIO(data)).namelist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return None
    if len(names) > MAX_ZIP_ENTRIES:
        return None
    for prefix, content_type in _ZIP_TYPES.items():
        if any(name.startswith(prefix) for name in names):
            return content_type
    return None


def _declared_entries(data: bytes) -> int | None:
    """The total entry count of the ZIP's end-of-central-directory record (None: no record found)."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))  # the record, then at most a 64 KB comment
    if end < 0 or len(data) < end + 22:
        return None
    return int.from_bytes(data[end + 10:end + 12], "little")  # 0xFFFF (ZIP64) is over the cap too


def human_size(size: int) -> str:
    """1048576 → "1 MB", 2048 → "2 KB", 100 → "100 B"."""
    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= factor:
            return f"{size / factor:g} {unit}"
    return f"{size} B"


def size_text(size: int) -> Message:
    """`human_size` in the reader's language: "1 MB" / "1 МБ"."""
    number, unit = human_size(size).split(" ")
    units = {"MB": _("%(size)s MB"), "KB": _("%(size)s KB"), "B": _("%(size)s B")}
    return units[unit].format(size=number)


def clean_filename(name: str | None) -> str:
    """The original file name without any directory part, bounded in length."""
    base = os.path.basename((name or "").replace("\\", "/")).strip().replace("\x00", "")
    return (base or "file")[-MAX_NAME_LENGTH:]


class AttachmentStore:
    """A content-addressed directory of uploads: <root>/ab/cd/<sha256>."""

    def __init__(self, root: Path, max_bytes: int):
        self.root = root
        self.max_bytes = max_bytes

    def check(self, data: bytes, original_name: str | None, field: str) -> StoredFile:
        """Validate an upload without writing it: size, emptiness and type by content."""
        if not data:
            raise ValidationError(_("The file is empty or missing."), field)
        if len(data) > self.max_bytes:
            raise ValidationError(
                _("The file is larger than the allowed %(limit)s.", limit=size_text(self.max_bytes)), field
            )
        content_type = sniff_content_type(data)
        if content_type is None:
            raise ValidationError(
                _("File type not allowed. Allowed: %(allowed)s.", allowed=ALLOWED_DESCRIPTION),
                field,
            )
        digest = hashlib.sha256(data).hexdigest()
        return StoredFile(digest, len(data), content_type, clean_filename(original_name))

    def save(self, data: bytes, original_name: str | None, field: str) -> StoredFile:
        """Validate and store an upload (idempotent: the same bytes are stored once)."""
        stored = self.check(data, original_name, field)
        self._write(data, stored.sha256)
        return stored

    def save_typed(self, data: bytes, original_name: str | None, content_type: str) -> StoredFile:
        """Store bytes whose type the caller has established by parsing them (a bank statement is plain text)."""
        stored = StoredFile(hashlib.sha256(data).hexdigest(), len(data), content_type, clean_filename(original_name))
        self._write(data, stored.sha256)
        return stored

    def _write(self, data: bytes, sha256: str) -> None:
        path = self.path_of(sha256)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            # Write then rename, so a crash never leaves a half file under the final name.
            with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as tmp:
                tmp.write(data)
            os.replace(tmp.name, path)

    def path_of(self, sha256: str) -> Path:
        """Where the bytes with this hash live."""
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def read(self, sha256: str) -> bytes:
        """The stored bytes."""
        return self.path_of(sha256).read_bytes()
