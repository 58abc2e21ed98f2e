#!/usr/bin/env bash
# Back up the service: the PostgreSQL database (pg_dump --format=custom) and the private files
# (PRIVATE_STORAGE_ROOT) into ONE dated archive, with a manifest of every file's SHA-256 inside and
# the archive's own SHA-256 beside it:
#
#   $BACKUP_DIR/carehomes-les-YYYYmmddTHHMMSSZ.tar          database.dump, private/…, MANIFEST.sha256
#   $BACKUP_DIR/carehomes-les-YYYYmmddTHHMMSSZ.tar.sha256
#
# Usage: scripts/backup.sh            (make backup; docker compose run --rm web scripts/backup.sh)
# Reads DATABASE_URL, PRIVATE_STORAGE_ROOT (default $VAR_DIR/private), BACKUP_DIR (default
# $VAR_DIR/backups) and BACKUP_KEEP (keep only the newest N archives; unset keeps all).
# Prints the archive's path on the last line. Never prints the database password.
set -euo pipefail

# shellcheck source=scripts/pg_env.sh
source "$(dirname "${BASH_SOURCE[0]}")/pg_env.sh"

if [ -n "${BACKUP_KEEP:-}" ] && ! [[ "$BACKUP_KEEP" =~ ^[1-9][0-9]*$ ]]; then
    echo "BACKUP_KEEP must be a whole number of archives, 1 or more, not '$BACKUP_KEEP'." >&2
    exit 2
fi

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
name="carehomes-les-$stamp.tar"
mkdir -p "$BACKUP_DIR"
archive="$BACKUP_DIR/$name"
if [ -e "$archive" ]; then
    echo "refused: $archive already exists (two backups in the same second?)" >&2
    exit 1
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/carehomes-les-backup.XXXXXX")"
staging="$work/archive"
mkdir "$staging"
trap 'rm -rf "$work" "$archive.partial"' EXIT

echo "Dumping database $PG_DISPLAY" >&2
pg_dump --format=custom --no-owner --no-privileges --file="$staging/database.dump"

mkdir -p "$staging/private"
if [ -d "$PRIVATE_STORAGE_ROOT" ]; then
    echo "Copying private files from $PRIVATE_STORAGE_ROOT" >&2
    cp -a "$PRIVATE_STORAGE_ROOT/." "$staging/private/"
else
    echo "No private files: $PRIVATE_STORAGE_ROOT does not exist" >&2
fi

# The manifest: every file's SHA-256, by its path inside the archive.
(
    cd "$staging"
    find . -type f ! -name MANIFEST.sha256 -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum
) >"$work/MANIFEST.sha256"
mv "$work/MANIFEST.sha256" "$staging/MANIFEST.sha256"

# Written under a temporary name and renamed, so a half-written archive never looks like a backup.
tar --create --file="$archive.partial" --directory="$staging" --sort=name .
(cd "$BACKUP_DIR" && sha256sum "$name.partial" | sed "s/\.partial\$//") >"$archive.sha256"
mv "$archive.partial" "$archive"

if [ -n "${BACKUP_KEEP:-}" ]; then
    # Oldest first by name (the names sort by time); remove all but the newest BACKUP_KEEP.
    mapfile -t old < <(find "$BACKUP_DIR" -maxdepth 1 -name 'carehomes-les-*.tar' | LC_ALL=C sort | head -n "-$BACKUP_KEEP")
    for stale in "${old[@]}"; do
        rm -f -- "$stale" "$stale.sha256"
        echo "Removed old backup $stale" >&2
    done
fi

files="$(wc -l <"$staging/MANIFEST.sha256")"
echo "Backup written: $files files, $(du -h "$archive" | cut -f1)" >&2
echo "$archive"
