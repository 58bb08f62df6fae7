"""`make run` on another port: the address in mail links and passkeys follows the port."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def dry_run(*args: str, **env: str) -> str:
    environ = {k: v for k, v in os.environ.items() if k != "SITE_URL"} | env
    result = subprocess.run(
        ["make", "-n", "run", *args], cwd=ROOT, env=environ, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_make_run_on_another_port_sets_site_url_to_that_port():
    assert 'SITE_URL="http://127.0.0.1:8123"' in dry_run("PORT=8123")
    assert "runserver --noreload 127.0.0.1:8123" in dry_run("PORT=8123")


def test_a_site_url_set_by_the_user_wins():
    assert 'SITE_URL="https://bastion.example.org"' in dry_run(
        "PORT=8123", SITE_URL="https://bastion.example.org"
    )
