"""Moving the stored files to another storage (issue 14): ``flask --app run.py kipp storage migrate``.

A long-running operator's use case, not a request: the copy itself touches no row (the keys stay the same, so
every row keeps pointing at its file); one audit row records the outcome.
"""
from __future__ import annotations

import os
from typing import Callable, Optional

from app.services import storage_migration
from app.services.audit import record
from app.services.errors import Invalid
from app.services.storage import LocalStorage, Storage, get_storage


def migrate_local_files(session, config, source_dir: Optional[str] = None, target: Optional[Storage] = None,
                        progress: Optional[Callable[[str, str], None]] = None) -> storage_migration.MigrationReport:
    """Copy the local directory's files (``source_dir``, default ``SIKIPP_STORAGE_DIR``) into the configured
    storage (``SIKIPP_STORAGE_URL``) and verify every copy's sha256; safe to run again."""
    target = target or get_storage()
    source_root = os.path.abspath(source_dir or config["SIKIPP_STORAGE_DIR"])
    if isinstance(target, LocalStorage) and os.path.abspath(target.root) == source_root:
        raise Invalid("SIKIPP_STORAGE_URL names no other storage: set it to the object store "
                      "(s3://bucket/prefix) to migrate the local files into it.")
    if not os.path.isdir(source_root):
        raise Invalid(f"{source_root}: no such storage directory.")
    report = storage_migration.migrate(LocalStorage(source_root), target, progress=progress)
    try:
        record(session, None, "storage.migrate", "storage", None, detail=f"{source_root} -> {target.description}",
               data={"copied": len(report.copied), "skipped": len(report.skipped),
                     "conflicts": len(report.conflicts), "failed": len(report.failed),
                     "bytes": report.bytes_copied})
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return report
