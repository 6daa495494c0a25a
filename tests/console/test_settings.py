"""Settings come from the environment and refuse unsafe production values."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def clean_environment() -> dict:
    """The environment without settings the tests set for themselves (the browser
    tests allow synchronous ORM calls beside Playwright's loop, never a deployment)."""
    dropped = ("SECRET_KEY", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")
    return {k: v for k, v in os.environ.items() if k not in dropped}


def run_check(**env):
    environment = clean_environment()
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=environment,
        capture_output=True, text=True, timeout=60,
    )


def show_setting(name: str, **env) -> subprocess.CompletedProcess:
    environment = clean_environment()
    environment.update(env)
    script = f"from django.conf import settings; print(repr(settings.{name}))"
    return subprocess.run([sys.executable, "manage.py", "shell", "-c", script], cwd=ROOT,
                          env=environment, capture_output=True, text=True, timeout=60)


def test_unset_debug_means_production():
    result = show_setting("DEBUG", SECRET_KEY="u" * 60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == "False"


def test_unset_debug_without_a_secret_key_refuses_to_start():
    result = run_check()
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_development_mode_is_switched_on_explicitly():
    result = show_setting("DEBUG", DEBUG="true")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == "True"


def test_the_development_commands_switch_development_mode_on_themselves():
    # What `make run` and `make test` would run, without running it.
    result = subprocess.run(["make", "-n", "run", "test"], cwd=ROOT, env=clean_environment(),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    commands = [line for line in result.stdout.splitlines()
                if "manage.py" in line or "pytest" in line]
    assert len(commands) >= 4  # migrate, seed_demo, runserver, pytest
    assert all(command.startswith("DEBUG=true ") for command in commands), commands


def test_a_pool_replaces_persistent_connections_when_asked():
    result = show_setting("DATABASES['default']", DEBUG="true", DB_POOL_SIZE="7",
                          DATABASE_URL="postgres://console@127.0.0.1:5432/console")
    assert result.returncode == 0, result.stderr
    assert "'CONN_MAX_AGE': 0" in result.stdout
    assert "'pool': {'min_size': 0, 'max_size': 7, 'timeout': 5.0, 'reconnect_timeout': 5.0}" \
        in result.stdout


def test_production_without_a_secret_key_refuses_to_start():
    result = run_check(DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr
    assert "Traceback" in result.stderr or "ImproperlyConfigured" in result.stderr


def test_a_malformed_boolean_is_refused():
    result = run_check(DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG must be true or false" in result.stderr


def test_production_with_a_secret_key_starts():
    result = run_check(DEBUG="false", SECRET_KEY="x" * 60)
    assert result.returncode == 0, result.stderr


def test_check_deploy_is_clean_with_production_settings():
    environment = clean_environment()
    environment.update(DEBUG="false", SECRET_KEY="k" * 20 + "-Zq8#vT2!pL9@xW4$mN7%bR1^cY6&" + "j" * 20,
                       ALLOWED_HOSTS="console.example.com")
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_cookies_are_secure_and_http_only():
    environment = clean_environment()
    environment.update(DEBUG="false", SECRET_KEY="s" * 60)
    script = ("from django.conf import settings as s; print(s.SESSION_COOKIE_SECURE, "
              "s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.CSRF_COOKIE_HTTPONLY, "
              "s.SESSION_COOKIE_AGE <= 86400, len(s.AUTH_PASSWORD_VALIDATORS))")
    result = subprocess.run([sys.executable, "manage.py", "shell", "-c", script], cwd=ROOT,
                            env=environment, capture_output=True, text=True, timeout=60)
    assert result.stdout.split()[-6:] == ["True", "True", "True", "True", "True", "5"], result.stderr


def read_settings(names: str, **env) -> str:
    environment = clean_environment()
    environment.update(env)
    script = f"from django.conf import settings as s; print(repr(({names},)))"
    result = subprocess.run([sys.executable, "manage.py", "shell", "-c", script], cwd=ROOT,
                            env=environment, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_alert_webhooks_allow_no_private_host_unless_told():
    assert read_settings("s.ALERT_WEBHOOK_ALLOWED_HOSTS", DEBUG="true") == "([],)"
    listed = read_settings("s.ALERT_WEBHOOK_ALLOWED_HOSTS", DEBUG="true",
                           ALERT_WEBHOOK_ALLOWED_HOSTS="127.0.0.1, Receiver.Internal,10.0.0.0/8")
    assert listed == "(['127.0.0.1', 'receiver.internal', '10.0.0.0/8'],)"


@pytest.mark.parametrize("name,value,message", [
    ("ALERT_WEBHOOK_ALLOWED_HOSTS", "10.0.0.0/33", "is not an IP network"),
    ("CONSOLE_BASE_URL", "console.example.com", "must be an absolute http:// or https:// URL"),
    ("CONSOLE_BASE_URL", "https://console.example.com/?x=1", "must be an absolute"),
    ("ALERT_WEBHOOK_TIMEOUT_SECONDS", "600", "between 1 and 30"),
])
def test_bad_alert_settings_stop_start_up(name, value, message):
    result = run_check(DEBUG="true", **{name: value})
    assert result.returncode != 0 and message in result.stderr


def test_the_console_base_url_defaults_to_where_people_reach_it():
    development = {"DEBUG": "true"}
    assert read_settings("s.CONSOLE_BASE_URL", **development) == "('http://127.0.0.1:8000',)"
    assert read_settings("s.CONSOLE_BASE_URL", CONSOLE_BASE_URL="https://ft.example.com/console/",
                         **development) == "('https://ft.example.com/console',)"
    production = {"DEBUG": "false", "SECRET_KEY": "p" * 60}
    assert read_settings("s.CONSOLE_BASE_URL", ALLOWED_HOSTS=".example.com,ft.example.com",
                         **production) == "('https://ft.example.com',)"
    assert read_settings("s.CONSOLE_BASE_URL", ALLOWED_HOSTS="*", **production) == "('',)"
