"""Copying the stored files from one storage to another (``flask --app run.py kipp storage migrate``, issue 14):
the local directory ``SIKIPP_STORAGE_DIR`` into the object store that ``SIKIPP_STORAGE_URL`` now names.

Every stored file under ``attachments/`` and ``documents/`` (temporary names left by a crash are not files) is
read from the source and written to the target under the same key, then read back from the target and its
sha256 compared with the source's: a copy that differs is removed and reported. A key the target holds already
is skipped when its sha256 is the source's (the object's metadata, else its bytes), so the migration can be run
again after an interruption; one that differs is reported and left alone (a stored file never changes).
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Callable, Optional

from app.services.storage import Storage, StorageError, sha256

log = logging.getLogger(__name__)

PREFIXES = ("attachments/", "documents/")


@dataclass
class MigrationReport:
    copied: list = field(default_factory=list)
    skipped: list = field(default_factory=list)  # already in the target with the same sha256
    conflicts: list = field(default_factory=list)  # in the target with another sha256: left alone
    failed: list = field(default_factory=list)  # (key, reason): not copied, or the copy did not verify
    bytes_copied: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.conflicts and not self.failed

    @property
    def total(self) -> int:
        return len(self.copied) + len(self.skipped) + len(self.conflicts) + len(self.failed)


def _target_sha256(target: Storage, key: str) -> Optional[str]:
    stat = getattr(target, "stat", None)
    if stat is not None:  # an object store keeps the sha256 in the object's metadata: no download to compare
        found = stat(key)
        if found is None:
            return None
        if found.get("sha256"):
            return found["sha256"]
    return target.sha256_of(key)


def migrate(source: Storage, target: Storage, prefixes=PREFIXES,
            progress: Optional[Callable[[str, str], None]] = None) -> MigrationReport:
    """Copy every file of ``source`` under ``prefixes`` to ``target`` and verify it (see the module's doc)."""
    started = time.monotonic()
    report = MigrationReport()
    for prefix in prefixes:
        for obj in source.list(prefix):
            if obj.partial:
                continue
            key = obj.key
            outcome = _migrate_one(source, target, key, report)
            if progress is not None:
                progress(key, outcome)
    report.seconds = round(time.monotonic() - started, 3)
    log.info("storage migration: %d copied, %d skipped, %d conflicts, %d failed in %.1f s", len(report.copied),
             len(report.skipped), len(report.conflicts), len(report.failed), report.seconds)
    return report


def _migrate_one(source: Storage, target: Storage, key: str, report: MigrationReport) -> str:
    try:
        data = source.read(key)
        digest = sha256(data)
        existing = _target_sha256(target, key)
        if existing == digest:
            report.skipped.append(key)
            return "skipped"
        if existing is not None:
            report.conflicts.append(key)
            return "conflict"
        target.put(key, data)
        copied = target.sha256_of(key)  # read back from the target: the copy is what was read
        if copied != digest:
            target.delete(key)
            report.failed.append((key, f"sha256 after copy {copied} != {digest}"))
            return "failed"
    except StorageError as err:
        report.failed.append((key, f"{type(err).__name__}: {err.message}"))
        return "failed"
    report.copied.append(key)
    report.bytes_copied += len(data)
    return "copied"
