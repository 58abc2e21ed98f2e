"""docker-compose.yml, the Dockerfile and the Makefile start every process through the bin/ scripts,
and the scripts take their knobs from the environment. (No Docker engine runs here: the files are
read, and the scripts are run with a stand-in ``python`` that prints what it was asked to run;
tests/production/test_stack.py runs the real processes.)"""

import os
import re
import stat
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
APP_SERVICES = {
    "migrate": "bin/release",
    "web": "bin/web",
    "worker": "bin/worker",
    "worker-pdf": "bin/worker-pdf",
    "beat": "bin/beat",
}
LONG_RUNNING = ("web", "worker", "worker-pdf", "beat")


def test_compose_runs_exactly_the_bin_scripts():
    for service, script in APP_SERVICES.items():
        assert SERVICES[service]["command"] == [script], service
    assert set(SERVICES) == {*APP_SERVICES, "db", "redis", "mail"}


def test_compose_app_services_share_one_image_and_production_environment():
    for service in APP_SERVICES:
        config = SERVICES[service]
        assert config["build"] == "."
        assert config["image"] == SERVICES["web"]["image"]
        assert config["environment"]["APP_ENV"] == "production"
        assert config["environment"] == SERVICES["web"]["environment"]


def test_compose_starts_processes_only_after_the_release_step_succeeds():
    assert SERVICES["migrate"]["restart"] == "no"
    assert SERVICES["migrate"]["depends_on"] == {
        "db": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
    }
    for service in LONG_RUNNING:
        depends = SERVICES[service]["depends_on"]
        assert depends["migrate"] == {"condition": "service_completed_successfully"}, service
        assert depends["db"] == {"condition": "service_healthy"}, service
        assert depends["redis"] == {"condition": "service_healthy"}, service


def test_compose_restarts_long_running_services():
    for service in (*LONG_RUNNING, "db", "redis", "mail"):
        assert SERVICES[service]["restart"] == "unless-stopped", service


def test_compose_web_healthcheck_asks_healthz_without_curl():
    test = SERVICES["web"]["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python", "-c"]
    assert "urllib.request" in test[3] and "http://127.0.0.1:8000/healthz" in test[3]
    assert "curl" not in " ".join(test)


@pytest.mark.parametrize(("service", "name"), [("worker", "worker"), ("worker-pdf", "pdf")])
def test_compose_worker_healthcheck_pings_the_name_its_script_gives(service, name):
    kind, command = SERVICES[service]["healthcheck"]["test"]
    assert kind == "CMD-SHELL"
    assert "celery -A carehomes_les inspect ping" in command
    assert f"-d {name}@$$HOSTNAME" in command  # $$: compose's escape, the shell expands it
    script = (ROOT / APP_SERVICES[service]).read_text()
    assert f'--hostname "{name}@%h"' in script


def test_dockerfile_collects_static_in_production_mode_and_runs_as_non_root():
    lines = [
        line.strip()
        for line in (ROOT / "Dockerfile").read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert "RUN bin/build-static" in lines
    assert not any("collectstatic" in line for line in lines)  # only through bin/build-static
    users = [line.split()[1] for line in lines if line.startswith("USER ")]
    assert users and users[-1] not in {"root", "0"}
    assert lines.index(f"USER {users[-1]}") > lines.index("RUN bin/build-static")
    assert lines[-1] == 'CMD ["bin/web"]'


def test_build_static_runs_collectstatic_in_production_mode():
    script = (ROOT / "bin" / "build-static").read_text()
    assert "APP_ENV=production" in script
    assert "DEBUG=false" in script
    assert "python manage.py collectstatic --noinput" in script


def test_dockerignore_keeps_local_state_out_of_the_image():
    ignored = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    for entry in (".venv", "var", ".git", "test-output", "staticfiles", "node_modules"):
        assert entry in ignored, entry
    for cache in (".pytest_cache", ".ruff_cache", "**/__pycache__"):
        assert cache in ignored, cache


@pytest.mark.parametrize(
    ("target", "script"),
    [("worker", "bin/worker"), ("worker-pdf", "bin/worker-pdf"), ("beat", "bin/beat")],
)
def test_makefile_targets_run_the_same_scripts(target, script):
    makefile = (ROOT / "Makefile").read_text()
    recipe = re.search(rf"^{re.escape(target)}:.*\n((?:\t.*\n)+)", makefile, re.MULTILINE)
    assert recipe, target
    assert recipe[1].strip().endswith(script)


@pytest.mark.parametrize("script", sorted({*APP_SERVICES.values(), "bin/build-static"}))
def test_bin_script_is_strict_executable_and_execs(script):
    path = ROOT / script
    assert path.stat().st_mode & stat.S_IXUSR
    text = path.read_text()
    assert text.startswith(("#!/bin/sh\n", "#!/bin/bash\n", "#!/usr/bin/env bash\n"))
    assert "\nset -eu\n" in text
    assert re.search(r"^exec ", text, re.MULTILINE)


# -- the scripts' knobs, run with a stand-in python ----------------------------------------------


@pytest.fixture
def run_script(tmp_path):
    """Run a bin/ script with a ``python`` on PATH that prints its arguments, one per line."""
    fake = tmp_path / "python"
    fake.write_text(
        '#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done\n'
        'echo "env APP_ENV=${APP_ENV:-} DEBUG=${DEBUG:-} SECRET_KEY=${SECRET_KEY:-}"\necho ---\n'
    )
    fake.chmod(0o755)

    def run(script: str, **env) -> list[list[str]]:
        result = subprocess.run(
            [str(ROOT / "bin" / script)],
            env={"PATH": f"{tmp_path}:/usr/bin:/bin", **env},
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        calls = result.stdout.split("---\n")
        return [call.splitlines() for call in calls if call.strip()]

    return run


def flags(args: list[str]) -> dict:
    return {args[i]: args[i + 1] for i in range(len(args) - 1) if args[i].startswith("--")}


def test_web_takes_port_workers_and_timeout_from_the_environment(run_script):
    [call] = run_script("web", PORT="9123", WEB_CONCURRENCY="5", GUNICORN_TIMEOUT="33")
    assert call[:3] == ["-m", "gunicorn", "carehomes_les.wsgi"]
    assert (
        flags(call).items()
        >= {"--bind": "0.0.0.0:9123", "--workers": "5", "--timeout": "33"}.items()
    )


def test_web_defaults(run_script):
    [call] = run_script("web")
    assert (
        flags(call).items()
        >= {"--bind": "0.0.0.0:8000", "--workers": "3", "--timeout": "60"}.items()
    )


def test_workers_take_their_queues_and_concurrency(run_script):
    [worker] = run_script("worker", CELERY_CONCURRENCY="4")
    assert worker[:5] == ["-m", "celery", "-A", "carehomes_les", "worker"]
    assert flags(worker).items() >= {"--queues": "celery", "--concurrency": "4"}.items()
    [default_worker] = run_script("worker")
    assert "--concurrency" not in default_worker  # one process per CPU, Celery's default
    [pdf] = run_script("worker-pdf")
    assert flags(pdf).items() >= {"--queues": "pdf", "--concurrency": "2"}.items()
    [beat] = run_script("beat", CELERY_LOG_LEVEL="warning")
    assert beat[:5] == ["-m", "celery", "-A", "carehomes_les", "beat"]
    assert flags(beat)["--loglevel"] == "warning"


def test_release_checks_then_migrates(run_script):
    check, migrate = run_script("release")
    assert check[:-1] == ["manage.py", "check", "--deploy"]
    assert migrate[:-1] == ["manage.py", "migrate", "--noinput"]


def test_build_static_needs_no_secret_from_the_build_environment(run_script):
    """The placeholders are the script's own: a build never needs the real secrets."""
    [call] = run_script("build-static", SECRET_KEY="the-real-one-must-not-be-needed")
    assert call[:3] == ["manage.py", "collectstatic", "--noinput"]
    env = call[-1]
    assert env.startswith("env APP_ENV=production DEBUG=false SECRET_KEY=build-static-only-")


def test_scripts_stop_at_the_first_failure(tmp_path):
    failing = tmp_path / "python"
    failing.write_text("#!/bin/sh\nexit 7\n")
    failing.chmod(0o755)
    result = subprocess.run(
        [str(ROOT / "bin" / "release")],
        env={"PATH": f"{tmp_path}:/usr/bin:/bin"},
        capture_output=True,
        timeout=30,
    )
    assert result.returncode == 7  # the check failed: migrate never ran


def test_scripts_exist_for_every_compose_command():
    for script in APP_SERVICES.values():
        assert os.access(ROOT / script, os.X_OK), script
