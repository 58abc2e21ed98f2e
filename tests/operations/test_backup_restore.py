"""The restore drill (docs/operations.md): seed a fresh PostgreSQL database with the demo data, back
it up with scripts/backup.sh, drop the database and delete the private files, restore into a new
database with scripts/restore.sh, and prove nothing was lost: the same claims exports, the same rows
in every table (history included), every document readable with identical bytes, every private file
back. A tampered archive is refused, naming the file, and writes nothing."""

import json
import os
import secrets
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT = Path(__file__).with_name("drill_snapshot.py")
EVIDENCE = b"%PDF-1.4 a signed attendance sheet kept as a private file\n"

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="backups are of PostgreSQL; CI runs on PostgreSQL"
)


def _url(name: str) -> str:
    """The test run's DATABASE_URL pointing at database ``name``."""
    base = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(base._replace(path=f"/{name}"))


def _admin(sql: str) -> None:
    url = urlsplit(_url("postgres"))
    conn = psycopg2.connect(
        host=url.hostname,
        port=url.port,
        user=url.username,
        password=url.password,
        dbname="postgres",
    )
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute(sql)
    finally:
        conn.close()


def _database_exists(name: str) -> bool:
    url = urlsplit(_url("postgres"))
    conn = psycopg2.connect(
        host=url.hostname,
        port=url.port,
        user=url.username,
        password=url.password,
        dbname="postgres",
    )
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            return cursor.fetchone() is not None
    finally:
        conn.close()


def _env(database: str, tmp: Path, **extra) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {"CELERY_BROKER_URL", "REDIS_URL", "APP_ENV", "FORCE", "BACKUP_KEEP", "SECRET_KEY"}
    }
    env.update(
        DATABASE_URL=_url(database),
        PRIVATE_STORAGE_ROOT=str(tmp / "private"),
        VAR_DIR=str(tmp / "var"),
        BACKUP_DIR=str(tmp / "backups"),
        PYTHON=sys.executable,
        DJANGO_SETTINGS_MODULE="carehomes_les.settings",
    )
    env.update(extra)
    return env


def _run(args, env, check=True) -> subprocess.CompletedProcess:
    result = subprocess.run(
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    if check:
        assert result.returncode == 0, f"{args} failed:\n{result.stdout[-2000:]}\n{result.stderr}"
    return result


def _snapshot(env) -> dict:
    return json.loads(_run([sys.executable, str(SNAPSHOT)], env).stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def drill(tmp_path_factory):
    """A seeded database, its snapshot and a backup of it; every database made is dropped after."""
    tmp = tmp_path_factory.mktemp("drill")
    suffix = secrets.token_hex(4)
    seeded, restored = f"les_drill_{suffix}", f"les_drill_{suffix}_restored"
    names = [seeded, restored, f"les_drill_{suffix}_tampered"]
    _admin(f'CREATE DATABASE "{seeded}"')
    try:
        env = _env(seeded, tmp)
        _run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], env)
        _run([sys.executable, "manage.py", "load_demo_data"], env)
        # The demo keeps its documents in the database (ADR 0009); put a file in the private
        # storage too, so the drill proves both halves of the archive come back.
        evidence = tmp / "private" / "evidence" / "2026-27" / "C87001 sheet.pdf"
        evidence.parent.mkdir(parents=True)
        evidence.write_bytes(EVIDENCE)
        before = _snapshot(env)
        backup = _run(["scripts/backup.sh"], env)
        archive = Path(backup.stdout.strip().splitlines()[-1])
        yield {
            "tmp": tmp,
            "seeded": seeded,
            "restored": restored,
            "tampered": names[2],
            "before": before,
            "archive": archive,
            "backup_output": backup.stdout + backup.stderr,
        }
    finally:
        for name in names:
            _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_backup_archive_holds_the_dump_private_files_and_a_manifest(drill):
    archive = drill["archive"]
    assert archive.name.startswith("carehomes-les-") and archive.suffix == ".tar"
    assert Path(f"{archive}.sha256").read_text().split()[1] == archive.name
    with tarfile.open(archive) as tar:
        names = {n.removeprefix("./") for n in tar.getnames()}
    assert {
        "database.dump",
        "MANIFEST.sha256",
        "private/evidence/2026-27/C87001 sheet.pdf",
    } <= names


def test_restore_drill_loses_nothing(drill):
    before, tmp = drill["before"], drill["tmp"]
    # What the drill must bring back: the demo's six quarters, its history and its documents.
    assert len(before["exports"]) >= 5
    assert before["counts"]["audit.AuditEvent"] > 0
    assert before["counts"]["claims.Worksheet"] > 0
    assert len(before["documents"]) > 0 and all(d["intact"] for d in before["documents"].values())
    assert before["private_files"]

    # The disaster: the database and the private files are gone.
    _admin(f'DROP DATABASE "{drill["seeded"]}" WITH (FORCE)')
    shutil.rmtree(tmp / "private")

    env = _env(drill["restored"], tmp)
    restore = _run(["scripts/restore.sh", str(drill["archive"])], env)
    assert "Checksums verified" in restore.stderr
    after = _snapshot(env)

    assert after["exports"] == before["exports"]
    assert after["counts"] == before["counts"]
    assert after["documents"] == before["documents"]
    assert after["private_files"] == before["private_files"]
    restored_file = tmp / "private" / "evidence" / "2026-27" / "C87001 sheet.pdf"
    assert restored_file.read_bytes() == EVIDENCE

    # The restored database is a working one: history is still append-only there.
    with psycopg2.connect(_url(drill["restored"])) as conn, conn.cursor() as cursor:
        with pytest.raises(psycopg2.Error, match="append-only"):
            cursor.execute("TRUNCATE audit_auditevent")

    # A second restore over it is refused (it has tables), unless forced.
    again = _run(["scripts/restore.sh", str(drill["archive"])], env, check=False)
    assert again.returncode != 0
    assert "already has" in again.stderr and "--force" in again.stderr
    _run(["scripts/restore.sh", "--force", str(drill["archive"])], env)
    assert _snapshot(env) == before


def _repack(source: Path, target: Path, change) -> Path:
    """A copy of the archive with ``change(folder)`` applied inside, and a matching outer checksum
    (so only the manifest can catch it)."""
    folder = target.parent / (target.name + ".d")
    with tarfile.open(source) as tar:
        tar.extractall(folder, filter="data")
    change(folder)
    with tarfile.open(target, "w") as tar:
        tar.add(folder, arcname=".")
    _run(
        ["sh", "-c", f'cd "{target.parent}" && sha256sum "{target.name}" > "{target.name}.sha256"'],
        os.environ.copy(),
    )
    return target


def test_restore_refuses_a_tampered_dump_naming_it(drill, tmp_path):
    def tamper(folder):
        dump = folder / "database.dump"
        data = bytearray(dump.read_bytes())
        data[len(data) // 2] ^= 0xFF
        dump.write_bytes(bytes(data))

    archive = _repack(drill["archive"], tmp_path / "tampered.tar", tamper)
    env = _env(drill["tampered"], tmp_path)
    result = _run(["scripts/restore.sh", str(archive)], env, check=False)
    assert result.returncode != 0
    assert "database.dump" in result.stderr and "does not match its checksum" in result.stderr
    assert not _database_exists(drill["tampered"])
    assert not (tmp_path / "private").exists()


def test_restore_refuses_a_private_file_added_to_the_archive(drill, tmp_path):
    def add(folder):
        (folder / "private" / "planted.pdf").write_bytes(b"not from the backup")

    archive = _repack(drill["archive"], tmp_path / "planted.tar", add)
    result = _run(["scripts/restore.sh", str(archive)], _env(drill["tampered"], tmp_path), False)
    assert result.returncode != 0
    assert "private/planted.pdf" in result.stderr and "not listed" in result.stderr
    assert not _database_exists(drill["tampered"])


def test_restore_refuses_an_archive_that_does_not_match_its_checksum(drill, tmp_path):
    archive = tmp_path / drill["archive"].name
    shutil.copy(drill["archive"], archive)
    shutil.copy(f"{drill['archive']}.sha256", f"{archive}.sha256")
    with archive.open("ab") as handle:
        handle.write(b"\0" * 512)
    result = _run(["scripts/restore.sh", str(archive)], _env(drill["tampered"], tmp_path), False)
    assert result.returncode != 0
    assert f"{archive} does not match its checksum" in result.stderr
    assert not _database_exists(drill["tampered"])


def test_backup_never_prints_the_database_password(tmp_path):
    """A database that cannot be reached: the backup fails, says so, leaves no archive, and the
    password appears nowhere in what it printed."""
    env = _env(
        "unused", tmp_path, DATABASE_URL="postgres://les:pa%24%24-not-printed@127.0.0.1:1/les"
    )
    result = _run(["scripts/backup.sh"], env, check=False)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "127.0.0.1:1/les" in output
    assert "not-printed" not in output and "pa$$" not in output
    assert not list((tmp_path / "backups").glob("*.tar*"))


def test_backup_refuses_without_a_postgresql_database_url(tmp_path):
    env = _env("unused", tmp_path)
    env.pop("DATABASE_URL")
    result = _run(["scripts/backup.sh"], env, check=False)
    assert result.returncode == 2
    assert "DATABASE_URL" in result.stderr
