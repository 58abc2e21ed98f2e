#!/usr/bin/env bash
# Load benchmark of the main pages at national scale (issue 8; not a test). From the project root:
#
#     bash benchmarks/load/run.sh            # seed les_load if needed, then every scenario
#     bash benchmarks/load/run.sh --reseed   # generate the data again first
#
# 1. data: benchmarks/load/data.py seed into the scratch PostgreSQL database les_load on
#    127.0.0.1:5432 (national_scale.py's generator; skipped when already there);
# 2. production settings (APP_ENV=production, DEBUG off, a throwaway SECRET_KEY, static files
#    collected and served by whitenoise) with benchmarks/load/settings.py, which only adds the bare
#    view /bench/bare/ (the floor);
# 3. signed-in sessions for the officer, practice manager and auditor (data.py sessions);
# 4. gunicorn carehomes_les.wsgi on 127.0.0.1:8765, sync workers, 2 x cores + 1;
# 5. per scenario (FloorUser and SignedInFloorUser: the bare view without and with the officer's
#    session; OfficerUser; ManagerUser) and number of users (1, then 10): 10 s of
#    warm-up, then locust --headless -u N -r N --run-time 60s --csv var/load/<run>/<scenario>-<N>;
# 6. the table (benchmarks/load/report.py), written to var/load/<run>/table.md as well.
#
# Traffic goes to 127.0.0.1 only, and every locust run stops by itself after its run time.
# Settings: LOAD_USERS ("1 10"), LOAD_RUN_TIME (60s), LOAD_WARMUP (10s), LOAD_WORKERS
# (2 x cores + 1), LOAD_SCENARIOS (those four; AuditorUser is there too), LOAD_PORT (8765),
# LOAD_DATABASE_URL (postgres://postgres@127.0.0.1:5432/les_load).
set -euo pipefail
cd "$(dirname "$0")/../.."

PY=.venv/bin/python
PORT=${LOAD_PORT:-8765}
USERS=${LOAD_USERS:-"1 10"}
RUN_TIME=${LOAD_RUN_TIME:-60s}
WARMUP=${LOAD_WARMUP:-10s}
CORES=$(nproc)
WORKERS=${LOAD_WORKERS:-$((2 * CORES + 1))}
SCENARIOS=${LOAD_SCENARIOS:-"FloorUser SignedInFloorUser OfficerUser ManagerUser"}
RUN=var/load/$(date +%Y%m%d-%H%M%S)
mkdir -p "$RUN"

export DATABASE_URL=${LOAD_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/les_load}
export DJANGO_SETTINGS_MODULE=benchmarks.load.settings
export LOAD_SESSIONS=$PWD/$RUN/sessions.json
DBNAME=${DATABASE_URL##*/}

echo "== data"
SEED_ARGS=()
if [ "${1:-}" = --reseed ]; then SEED_ARGS=(--force); fi
$PY benchmarks/load/data.py seed "${SEED_ARGS[@]}"

# Production's settings, as docker-compose.yml runs them; nothing below is reached by a page view
# (no page sends an email or queues a task), but production refuses to start without them.
export APP_ENV=production DEBUG=false
SECRET_KEY=$($PY -c 'import secrets; print(secrets.token_urlsafe(64))')
export SECRET_KEY
# A fixed throwaway: the benchmark users' authenticator rows outlive a run (ADR 0041).
export TOTP_ENCRYPTION_KEY=bG9hZC1iZW5jaG1hcmstb25seS10b3RwLWtleS0wMDA=
export ALLOWED_HOSTS=127.0.0.1
export CELERY_BROKER_URL=redis://127.0.0.1:6379/15
export EMAIL_HOST=127.0.0.1
export STATIC_ROOT=$PWD/var/load/static
export LOG_LEVEL=WARNING

echo "== static files and sessions"
$PY manage.py collectstatic --noinput --verbosity 0
$PY benchmarks/load/data.py sessions "$LOAD_SESSIONS"

echo "== gunicorn: $WORKERS sync workers on $CORES cores, 127.0.0.1:$PORT"
.venv/bin/gunicorn carehomes_les.wsgi --bind "127.0.0.1:$PORT" --workers "$WORKERS" \
    --worker-class sync --timeout 60 --error-logfile "$RUN/gunicorn.log" --log-level warning &
GUNICORN=$!
WATCH=""
trap 'kill $WATCH "$GUNICORN" 2>/dev/null; wait "$GUNICORN" 2>/dev/null || true' EXIT
for _ in $(seq 60); do
    curl -fsS -o /dev/null "http://127.0.0.1:$PORT/bench/bare/" 2>/dev/null && break
    sleep 0.5
done
curl -fsS -o /dev/null "http://127.0.0.1:$PORT/bench/bare/" || {
    echo "gunicorn did not answer; see $RUN/gunicorn.log"
    exit 1
}

locust_run() { # scenario users run-time csv-prefix; CPU seconds of locust itself in <prefix>.time
    /usr/bin/time -f '%U %S' -o "$4.time" .venv/bin/locust -f benchmarks/load/locustfile.py --host "http://127.0.0.1:$PORT" --headless \
        -u "$2" -r "$2" --run-time "$3" --stop-timeout 10 --csv "$4" --only-summary \
        --loglevel WARNING "$1" >"$4.log" 2>&1 || true # failures are in the table
}

echo '{}' >"$RUN/run.json"
for scenario in $SCENARIOS; do
    for users in $USERS; do
        echo "== $scenario x$users: $WARMUP warm-up, then $RUN_TIME"
        locust_run "$scenario" "$users" "$WARMUP" "$RUN/warmup-$scenario-$users"
        rm -f "$RUN/warmup-$scenario-$users"*
        load_before=$(cut -d' ' -f1-3 /proc/loadavg)
        $PY benchmarks/load/cpu.py watch "$GUNICORN" "$DBNAME" "$RUN/$scenario-$users.cpu" &
        WATCH=$!
        start=$(date +%s.%N)
        locust_run "$scenario" "$users" "$RUN_TIME" "$RUN/$scenario-$users"
        end=$(date +%s.%N)
        kill -TERM "$WATCH" && wait "$WATCH"
        cpu=$(cat "$RUN/$scenario-$users.cpu")
        $PY - "$RUN/run.json" "$scenario-$users" "$load_before" "$start" "$end" "$cpu" \
            "$(tail -n 1 "$RUN/$scenario-$users.time")" <<'EOF'
import json, sys
path, key, load, start, end, cpu, times = sys.argv[1:]
data = json.load(open(path))
data[key] = {
    "load_before": load,
    "wall_s": round(float(end) - float(start), 1),
    "cpu_s": json.loads(cpu),
    "locust_cpu_s": round(sum(float(t) for t in times.split()), 1),
}
json.dump(data, open(path, "w"), indent=1)
EOF
    done
done

echo "== results ($RUN)"
$PY benchmarks/load/report.py "$RUN" | tee "$RUN/table.md"
