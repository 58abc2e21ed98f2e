#!/usr/bin/env bash
# The real PostgreSQL and Redis on 127.0.0.1 that `make test` and CI run against: start each if it
# is down, create the database DATABASE_URL names if it is missing, and fail (never fall back to
# SQLite or in-process tasks) if either cannot be reached.
set -euo pipefail

DATABASE_URL="${DATABASE_URL:?DATABASE_URL must name the PostgreSQL database}"
CELERY_BROKER_URL="${CELERY_BROKER_URL:?CELERY_BROKER_URL must name the Redis broker}"

wait_for() {  # wait_for NAME COMMAND...: up to 30 tries, one second apart
  local name=$1; shift
  for _ in $(seq 1 30); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 1
  done
  echo "services: $name is not reachable on 127.0.0.1; refusing to run the tests without it." >&2
  exit 1
}

if ! pg_isready -h 127.0.0.1 -p 5432 >/dev/null 2>&1; then
  echo "services: starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
fi
wait_for PostgreSQL pg_isready -h 127.0.0.1 -p 5432
# The database DATABASE_URL names (pytest-django makes its own test_ copy of it).
db_name="${DATABASE_URL##*/}"
if ! psql "${DATABASE_URL%/*}/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname = '${db_name}'" | grep -q 1; then
  createdb -h 127.0.0.1 -p 5432 -U postgres "${db_name}"
fi

if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  echo "services: starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
fi
wait_for Redis redis-cli -h 127.0.0.1 -p 6379 ping
