"""
Backups that are proven to restore (h17, docs/operations.md "Backups and the restore drill").

``backup`` writes into one directory:
- ``database.dump``: ``pg_dump --format=custom`` of the portal's database, taken from an exported
  snapshot, so that
- ``manifest.json``'s row count of every table and the digest of the audit trail (every row's
  id, time, verb, object and details, in id order) describe exactly the dumped data;
- ``files/``: a copy of every file of the attachment storage, with ``inventory.json`` (name,
  size, SHA-256 computed while copying).

``restore_check`` restores the dump into a scratch database (``<db>_restore_check``) and the
files into a scratch directory, then compares: the row counts and the audit digest against the
manifest, every file against the inventory, and every attachment row of the restored database
against the restored file it names (SHA-256 and size). Anything different fails the check.
"""
from __future__ import annotations

import datetime
import hashlib
import json
import shutil
import subprocess
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection

CHUNK = 1024 * 1024


def _pg_tool(name: str) -> str:
    for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
        return str(candidate)
    found = shutil.which(name)
    if not found:
        raise RuntimeError(f"{name} is not installed (PostgreSQL client tools)")
    return found


def _pg_env_args(db: dict, name: str | None = None) -> tuple[dict, list[str]]:
    import os

    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    args = ["-h", db.get("HOST") or "127.0.0.1", "-p", str(db.get("PORT") or 5432)]
    if db.get("USER"):
        args += ["-U", db["USER"]]
    return env, args + ["-d", name or db["NAME"]]


def portal_tables() -> list[str]:
    tables = set()
    for model in apps.get_models(include_auto_created=True):
        if model._meta.managed and not model._meta.proxy:
            tables.add(model._meta.db_table)
    return sorted(tables)


def table_counts(cursor, tables: list[str]) -> dict[str, int]:
    existing = set(connection.introspection.table_names(cursor))
    counts = {}
    for table in tables:
        if table in existing:
            cursor.execute(f'SELECT count(*) FROM "{table}"')
            counts[table] = cursor.fetchone()[0]
    return counts


def audit_digest(cursor) -> dict:
    """
    SHA-256 over the audit trail in id order, each row as PostgreSQL's own text of it (in UTC):
    any changed, missing or added row changes it, whatever the driver.
    """
    table = apps.get_model("egov", "AuditEvent")._meta.db_table
    cursor.execute("SET TIME ZONE 'UTC'")
    cursor.execute(f'SELECT t.id, t::text FROM "{table}" t ORDER BY t.id')
    digest, rows, last = hashlib.sha256(), 0, None
    for pk, text in cursor:
        digest.update(text.encode())
        digest.update(b"\n")
        rows, last = rows + 1, pk
    return {"rows": rows, "last_id": last, "sha256": digest.hexdigest()}


def _walk(storage, path: str = ""):
    dirs, files = storage.listdir(path)
    for name in files:
        yield f"{path}/{name}" if path else name
    for d in dirs:
        yield from _walk(storage, f"{path}/{d}" if path else d)


def _copy_hashing(src, dest: Path) -> tuple[str, int]:
    dest.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    with open(dest, "wb") as out:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return digest.hexdigest(), size


def file_sha256(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def backup_create(out: Path, *, with_files: bool = True) -> dict:
    """Dump the database and copy the attachment storage into ``out`` (a new directory)."""
    if connection.vendor != "postgresql":
        raise RuntimeError("backup needs PostgreSQL (on SQLite copy var/egov.sqlite3 with `sqlite3 .backup`)")
    out.mkdir(parents=True, exist_ok=False)
    db = connection.settings_dict
    tables = portal_tables()
    connection.ensure_connection()
    raw = connection.connection
    old_autocommit = raw.autocommit
    raw.autocommit = False
    try:
        with raw.cursor() as cur:
            cur.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cur.execute("SELECT pg_export_snapshot()")
            snapshot = cur.fetchone()[0]
            env, args = _pg_env_args(db)
            dump = subprocess.run([_pg_tool("pg_dump"), *args, "--format=custom", "--no-owner",
                                   f"--snapshot={snapshot}", "-f", str(out / "database.dump")],
                                  env=env, capture_output=True, text=True)
            if dump.returncode != 0:
                raise RuntimeError(f"pg_dump failed: {dump.stderr.strip()}")
            counts = table_counts(cur, tables)
            audit = audit_digest(cur)
            raw.rollback()
    finally:
        raw.autocommit = old_autocommit
    inventory = {}
    if with_files:
        for name in _walk(default_storage):
            with default_storage.open(name, "rb") as src:
                sha, size = _copy_hashing(src, out / "files" / name)
            inventory[name] = {"sha256": sha, "size": size}
    (out / "inventory.json").write_text(json.dumps(inventory, indent=1, sort_keys=True))
    manifest = {"created_at": datetime.datetime.now(datetime.timezone.utc).isoformat(), "database": db["NAME"],
                "tables": counts, "audit": audit, "files": len(inventory),
                "database_dump_sha256": file_sha256(out / "database.dump")[0]}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True))
    return manifest


def restore_check(src: Path, *, scratch_db: str | None = None, scratch_files: Path | None = None,
                  keep: bool = False) -> dict:
    """Restore ``src`` into a scratch database and directory and compare everything. Returns the report."""
    import psycopg2

    manifest = json.loads((src / "manifest.json").read_text())
    inventory = json.loads((src / "inventory.json").read_text())
    db = connection.settings_dict
    scratch_db = scratch_db or f"{db['NAME']}_restore_check"[:63]
    scratch_files = scratch_files or Path(settings.VAR_DIR) / "restore_check" / "files"
    problems: list[str] = []
    if file_sha256(src / "database.dump")[0] != manifest["database_dump_sha256"]:
        problems.append("database.dump differs from the manifest's SHA-256")

    admin = psycopg2.connect(dbname="postgres", user=db.get("USER") or None, password=db.get("PASSWORD") or None,
                             host=db.get("HOST") or "127.0.0.1", port=db.get("PORT") or 5432)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{scratch_db}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{scratch_db}"')
    report: dict = {"scratch_database": scratch_db, "scratch_files": str(scratch_files)}
    try:
        env, args = _pg_env_args(db, scratch_db)
        restored = subprocess.run([_pg_tool("pg_restore"), *args, "--no-owner", "--exit-on-error",
                                   str(src / "database.dump")], env=env, capture_output=True, text=True)
        if restored.returncode != 0:
            problems.append(f"pg_restore failed: {restored.stderr.strip()[:2000]}")
        else:
            conn = psycopg2.connect(dbname=scratch_db, user=db.get("USER") or None,
                                    password=db.get("PASSWORD") or None, host=db.get("HOST") or "127.0.0.1",
                                    port=db.get("PORT") or 5432)
            try:
                with conn.cursor() as cur:
                    counts = {}
                    for table in manifest["tables"]:
                        cur.execute("SELECT to_regclass(%s)", [f'"{table}"'])
                        if cur.fetchone()[0] is None:
                            counts[table] = None
                            continue
                        cur.execute(f'SELECT count(*) FROM "{table}"')
                        counts[table] = cur.fetchone()[0]
                    diff = {t: [n, counts.get(t)] for t, n in manifest["tables"].items() if counts.get(t) != n}
                    if diff:
                        problems.append(f"row counts differ: {diff}")
                    report["tables"] = len(counts)
                    report["rows"] = sum(n or 0 for n in counts.values())
                    audit = audit_digest(cur)
                    if audit != manifest["audit"]:
                        problems.append(f"audit trail differs: {audit} != {manifest['audit']}")
                    report["audit_rows"] = audit["rows"]
                    att = apps.get_model("documents", "Attachment")._meta.db_table
                    cur.execute(f'SELECT id, file, sha256, size FROM "{att}"')
                    attachments = cur.fetchall()
            finally:
                conn.close()
            # The storage: copy back, hash every file, and check every attachment row against its file.
            if scratch_files.exists():
                shutil.rmtree(scratch_files)
            files_ok = 0
            for name, expected in inventory.items():
                source = src / "files" / name
                if not source.exists():
                    problems.append(f"file missing from the backup: {name}")
                    continue
                with open(source, "rb") as f:
                    sha, size = _copy_hashing(f, scratch_files / name)
                if (sha, size) != (expected["sha256"], expected["size"]):
                    problems.append(f"file differs from the inventory: {name}")
                else:
                    files_ok += 1
            for pk, name, sha, size in attachments:
                entry = inventory.get(name)
                path = scratch_files / name
                if entry is None or not path.exists():
                    problems.append(f"attachment {pk}: file {name} not restored")
                elif (entry["sha256"], entry["size"]) != (sha, size):
                    problems.append(f"attachment {pk}: file {name} does not match its SHA-256/size")
            report["files"] = files_ok
            report["attachments"] = len(attachments)
    finally:
        if not keep:
            with admin.cursor() as cur:
                cur.execute(f'DROP DATABASE IF EXISTS "{scratch_db}" WITH (FORCE)')
            shutil.rmtree(scratch_files, ignore_errors=True)
        admin.close()
    report["problems"] = problems
    report["ok"] = not problems
    return report
