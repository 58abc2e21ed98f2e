#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh into DATABASE_URL's database and PRIVATE_STORAGE_ROOT.
#
# Usage: scripts/restore.sh [--force] ARCHIVE        (make restore ARCHIVE=… [FORCE=1])
#
# Before writing anything it checks, and refuses naming what failed:
#   - the archive against ARCHIVE.sha256 beside it, then every file inside against MANIFEST.sha256
#     (and that the archive holds no file the manifest does not list);
#   - that the database has no tables and PRIVATE_STORAGE_ROOT no files, unless --force (or FORCE=1),
#     which replaces what is there.
# Then it creates the database if it is missing, restores it with pg_restore (--no-owner, one
# transaction, stopping at the first error) and unpacks the private files. Never prints the password.
set -euo pipefail

force="${FORCE:-0}"
archive=""
for arg in "$@"; do
    case "$arg" in
        --force) force=1 ;;
        -h | --help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "Unknown option $arg (usage: scripts/restore.sh [--force] ARCHIVE)" >&2; exit 2 ;;
        *) archive="$arg" ;;
    esac
done
if [ -z "$archive" ]; then
    echo "Name the archive: scripts/restore.sh [--force] var/backups/carehomes-les-….tar" >&2
    exit 2
fi
case "$force" in 1 | true | yes | on) force=1 ;; *) force=0 ;; esac

# shellcheck source=scripts/pg_env.sh
source "$(dirname "${BASH_SOURCE[0]}")/pg_env.sh"

refuse() {
    echo "Restore refused: $*" >&2
    echo "Nothing was changed." >&2
    exit 1
}

[ -f "$archive" ] || refuse "$archive does not exist."
[ -f "$archive.sha256" ] || refuse "$archive.sha256 (the archive's checksum) is missing."

# 1. The archive itself.
expected="$(awk 'NR == 1 { print $1 }' "$archive.sha256")"
actual="$(sha256sum "$archive" | awk '{ print $1 }')"
[ "$expected" = "$actual" ] || refuse "$archive does not match its checksum in $archive.sha256."

# 2. Every file inside.
staging="$(mktemp -d "${TMPDIR:-/tmp}/carehomes-les-restore.XXXXXX")"
trap 'rm -rf "$staging"' EXIT
tar --extract --file="$archive" --directory="$staging" --no-same-owner
[ -f "$staging/MANIFEST.sha256" ] || refuse "$archive holds no MANIFEST.sha256."
[ -f "$staging/database.dump" ] || refuse "$archive holds no database.dump."
if ! checked="$(cd "$staging" && sha256sum --check --strict MANIFEST.sha256 2>&1)"; then
    bad="$(printf '%s\n' "$checked" | grep -E ': FAILED' | sed -E 's/^\.\///; s/: FAILED.*$//' | head -n 5 | paste -sd, - || true)"
    refuse "${bad:-a file} in $archive does not match its checksum in MANIFEST.sha256."
fi
listed="$(sed -E 's/^[0-9a-f]{64}  //' "$staging/MANIFEST.sha256" | LC_ALL=C sort)"
present="$(cd "$staging" && find . -type f ! -name MANIFEST.sha256 | LC_ALL=C sort)"
if [ "$listed" != "$present" ]; then
    extra="$(LC_ALL=C comm -13 <(printf '%s\n' "$listed") <(printf '%s\n' "$present") | sed 's/^\.\///' | head -n 5 | paste -sd, -)"
    refuse "${extra:-a file} in $archive is not listed in MANIFEST.sha256."
fi
echo "Checksums verified: $(wc -l <"$staging/MANIFEST.sha256") files" >&2

# 3. Where it goes.
exists="$(printf "SELECT 1 FROM pg_database WHERE datname = :'name'" \
    | psql --dbname=postgres --no-psqlrc --tuples-only --no-align --set=ON_ERROR_STOP=1 --set=name="$PGDATABASE")"
tables=0
if [ "$exists" = "1" ]; then
    tables="$(psql --no-psqlrc --tuples-only --no-align --set=ON_ERROR_STOP=1 --command \
        "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")"
fi
if [ "$tables" != "0" ] && [ "$force" != "1" ]; then
    refuse "database $PG_DISPLAY already has $tables tables. Restore into an empty or new database, or pass --force (FORCE=1) to replace it."
fi
if [ -d "$PRIVATE_STORAGE_ROOT" ] && [ -n "$(find "$PRIVATE_STORAGE_ROOT" -mindepth 1 -print -quit)" ] && [ "$force" != "1" ]; then
    refuse "$PRIVATE_STORAGE_ROOT already holds files. Pass --force (FORCE=1) to replace them."
fi

# 4. The database: one transaction, so a failed restore leaves it as it was.
if [ "$exists" != "1" ]; then
    echo "Creating database $PG_DISPLAY" >&2
    createdb --maintenance-db=postgres "$PGDATABASE"
fi
clean=()
if [ "$tables" != "0" ]; then
    clean=(--clean --if-exists)
fi
echo "Restoring database $PG_DISPLAY" >&2
pg_restore --no-owner --no-privileges --exit-on-error --single-transaction "${clean[@]}" \
    --dbname="$PGDATABASE" "$staging/database.dump"

# 5. The private files.
mkdir -p "$PRIVATE_STORAGE_ROOT"
if [ "$force" = "1" ]; then
    find "$PRIVATE_STORAGE_ROOT" -mindepth 1 -delete
fi
cp -a "$staging/private/." "$PRIVATE_STORAGE_ROOT/"
echo "Restored $archive into $PG_DISPLAY and $PRIVATE_STORAGE_ROOT" >&2
