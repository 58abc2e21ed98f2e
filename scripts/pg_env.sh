# Sourced by backup.sh and restore.sh: turn DATABASE_URL into libpq's PG* variables, so the password
# reaches pg_dump/pg_restore through the environment, never the command line (visible in `ps`) or the
# output. Also works out PRIVATE_STORAGE_ROOT as carehomes_les/settings.py does.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if [ -z "${DATABASE_URL:-}" ]; then
    echo "DATABASE_URL is not set: it must point at PostgreSQL, e.g. postgres://user:pass@host:5432/carehomes_les." >&2
    echo "(The embedded SQLite default is backed up by copying var/db.sqlite3 while the app is stopped.)" >&2
    exit 2
fi

# Parse with Python's URL parser (percent-encoded passwords included); print only shell assignments.
_pg_assignments="$("${PYTHON:-python3}" - <<'PY'
import os, shlex, sys
from urllib.parse import parse_qs, unquote, urlsplit

url = urlsplit(os.environ["DATABASE_URL"])
if url.scheme not in {"postgres", "postgresql", "pgsql", "postgis"}:
    sys.exit(f"DATABASE_URL must point at PostgreSQL (postgres://…), not a {url.scheme or 'bare'} URL.")
name = unquote(url.path.lstrip("/"))
if not name:
    sys.exit("DATABASE_URL names no database (postgres://user:pass@host:5432/<name>).")
values = {
    "PGHOST": unquote(url.hostname or ""),
    "PGPORT": str(url.port or ""),
    "PGUSER": unquote(url.username or ""),
    "PGPASSWORD": unquote(url.password or ""),
    "PGDATABASE": name,
}
for key, items in parse_qs(url.query).items():
    if key in {"sslmode", "sslrootcert", "sslcert", "sslkey", "connect_timeout"}:
        values["PG" + key.upper()] = items[-1]
for key, value in values.items():
    if value:
        print(f"export {key}={shlex.quote(value)}")
PY
)" || exit 2
eval "$_pg_assignments"
unset _pg_assignments

# What the output may name: never the password.
PG_DISPLAY="${PGUSER:-}@${PGHOST:-localhost}:${PGPORT:-5432}/${PGDATABASE}"

VAR_DIR="${VAR_DIR:-$ROOT/var}"
PRIVATE_STORAGE_ROOT="${PRIVATE_STORAGE_ROOT:-$VAR_DIR/private}"
BACKUP_DIR="${BACKUP_DIR:-$VAR_DIR/backups}"
