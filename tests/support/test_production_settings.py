"""Production settings fail closed: without DEBUG, a missing secret or database stops start-up."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LOAD_SETTINGS = (
    "import django; from django.conf import settings; django.setup(); "
    "print('DEBUG', settings.DEBUG, settings.DATABASES['default']['ENGINE'])"
)
LONG_SECRET = "prod-like-secret-" + "k3y!" * 16


def production_env(tmp_path, **extra) -> dict[str, str]:
    """The test process's environment with everything the embedded default sets removed."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DEBUG",
            "SECRET_KEY",
            "DATABASE_URL",
            "CACHE_URL",
            "CELERY_BROKER_URL",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    env["DJANGO_SETTINGS_MODULE"] = "support.settings"
    env["FRONTLINE_VAR_DIR"] = str(tmp_path / "var")
    env.update(extra)
    return env


def run(args, env):
    return subprocess.run(  # noqa: S603 - fixed argv, our own interpreter
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_settings_refuse_to_load_without_secret_key_when_debug_is_off(tmp_path):
    result = run(["-c", LOAD_SETTINGS], production_env(tmp_path))

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_settings_refuse_to_load_without_database_url_when_debug_is_off(tmp_path):
    result = run(["-c", LOAD_SETTINGS], production_env(tmp_path, SECRET_KEY=LONG_SECRET))

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DATABASE_URL" in result.stderr


def test_production_settings_load_with_secret_and_database_and_leave_var_alone(tmp_path):
    env = production_env(
        tmp_path, SECRET_KEY=LONG_SECRET, DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}"
    )
    result = run(["-c", LOAD_SETTINGS], env)

    assert result.returncode == 0, result.stderr
    assert "DEBUG False" in result.stdout
    assert not (tmp_path / "var").exists()


@pytest.mark.parametrize("debug", ["0", "false", ""])
def test_seed_demo_refuses_on_a_production_configuration(tmp_path, debug):
    env = production_env(
        tmp_path,
        DEBUG=debug,
        SECRET_KEY=LONG_SECRET,
        DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}",
    )
    result = run(["manage.py", "seed_demo", "--tickets", "5"], env)

    assert result.returncode != 0
    assert "runs only with DEBUG=1" in result.stderr
    assert not (tmp_path / "prod.sqlite3").exists() or _user_count(tmp_path, env) == 0


def _user_count(tmp_path, env) -> int:
    result = run(
        [
            "-c",
            "import django; django.setup(); from django.contrib.auth.models import User; "
            "print(User.objects.count())",
        ],
        env,
    )
    if "no such table" in result.stderr:
        return 0
    return int(result.stdout.strip().splitlines()[-1])


def test_check_deploy_finds_no_security_issue_with_production_settings(tmp_path):
    env = production_env(
        tmp_path,
        SECRET_KEY=LONG_SECRET,
        DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        ALLOWED_HOSTS="support.example.com",
    )
    result = run(["manage.py", "check", "--deploy"], env)

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "(security." not in output, output
