"""The Docker deployment files say what Deckhand needs: checked without a Docker daemon.

The Dockerfile is read with a small instruction parser, docker-compose.yml with PyYAML.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shlex
import socket
import subprocess
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
HEALTHCHECK_SCRIPT = ROOT / "bin" / "healthcheck.py"


# --- Dockerfile parsing --------------------------------------------------------


@dataclass(frozen=True)
class Instruction:
    keyword: str
    arguments: str
    stage: int  # index of the FROM this instruction belongs to; -1 before the first

    def exec_form(self) -> list[str] | None:
        """The JSON-array form of CMD/ENTRYPOINT/RUN/VOLUME, or None for shell form."""
        text = self.arguments.strip()
        if not text.startswith("["):
            return None
        return json.loads(text)


def parse_dockerfile(text: str) -> list[Instruction]:
    """Split a Dockerfile into instructions: comments dropped, continuations joined."""
    instructions: list[Instruction] = []
    stage = -1
    pending = ""
    for raw_line in text.splitlines():
        line = raw_line.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if pending and line.startswith("#"):
            continue  # comments may sit inside a continued instruction
        if line.endswith("\\"):
            pending += line[:-1].strip() + " "
            continue
        full = (pending + line).strip()
        pending = ""
        if not full:
            continue
        keyword, _, arguments = full.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            stage += 1
        instructions.append(Instruction(keyword, arguments.strip(), stage))
    assert not pending, "the Dockerfile ends inside a continued line"
    return instructions


@cache
def dockerfile() -> tuple[Instruction, ...]:
    return tuple(parse_dockerfile((ROOT / "Dockerfile").read_text()))


def named(keyword: str, *, stage: int | None = None) -> list[Instruction]:
    return [
        item
        for item in dockerfile()
        if item.keyword == keyword and (stage is None or item.stage == stage)
    ]


def final_stage() -> int:
    return max(item.stage for item in dockerfile())


def build_args() -> dict[str, str]:
    """ARG defaults declared before the first FROM (the ones FROM lines may use)."""
    defaults = {}
    for item in named("ARG", stage=-1):
        name, _, default = item.arguments.partition("=")
        defaults[name] = default
    return defaults


def env_of_stage(stage: int) -> dict[str, str]:
    values: dict[str, str] = {}
    for item in named("ENV", stage=stage):
        for pair in shlex.split(item.arguments):
            name, _, value = pair.partition("=")
            values[name] = value
    return values


def test_the_parser_joins_continued_lines_and_skips_comments():
    parsed = parse_dockerfile(
        "# syntax=docker/dockerfile:1\nFROM a AS b\nRUN one \\\n  # note\n  two\nFROM c\nUSER x\n"
    )
    assert [(item.keyword, item.arguments, item.stage) for item in parsed] == [
        ("FROM", "a AS b", 0),
        ("RUN", "one two", 0),
        ("FROM", "c", 1),
        ("USER", "x", 1),
    ]


def test_the_dockerfile_builds_in_separate_builder_and_runtime_stages():
    froms = named("FROM")
    assert len(froms) >= 2
    stage_names = [item.arguments.split()[-1] for item in froms if " AS " in item.arguments]
    assert stage_names[:1] == ["builder"]
    base = froms[-1].arguments.split()[0]
    resolved = re.sub(r"\$\{(\w+)\}", lambda m: build_args()[m.group(1)], base)
    assert resolved == "python:3.11-slim"


def test_the_builder_installs_exactly_the_locked_dependencies_with_uv():
    builder_runs = " ".join(item.arguments for item in named("RUN", stage=0))
    assert "uv sync --frozen --no-dev" in builder_runs
    copied = " ".join(item.arguments for item in named("COPY", stage=0))
    assert "uv.lock" in copied


def test_the_runtime_stage_takes_only_the_built_app_from_the_builder():
    copies = named("COPY", stage=final_stage())
    assert copies
    assert all("--from=builder" in item.arguments for item in copies)


def test_collectstatic_runs_at_build_time_with_a_throwaway_secret_key():
    collect = [item for item in named("RUN") if "collectstatic" in item.arguments]
    assert len(collect) == 1
    assert "SECRET_KEY=" in collect[0].arguments
    assert "--noinput" in collect[0].arguments
    # The build-time key must not become the image's key.
    for item in named("ENV") + named("ARG"):
        assert "SECRET_KEY" not in item.arguments


def test_the_image_runs_as_a_user_other_than_root():
    users = named("USER", stage=final_stage())
    assert users
    user = users[-1].arguments.split(":")[0]
    assert user not in {"root", "0"}
    last_user_at = dockerfile().index(users[-1])
    later = [item.keyword for item in dockerfile()[last_user_at:]]
    assert "USER" not in later[1:]


def test_the_health_check_asks_healthz_with_python_because_slim_has_no_curl():
    checks = named("HEALTHCHECK", stage=final_stage())
    assert len(checks) == 1
    text = checks[0].arguments
    assert "/healthz" in text
    assert "curl" not in text and "wget" not in text
    command = json.loads(text[text.index("CMD") + 3 :].strip())
    assert command[0] == "python"
    assert (ROOT / command[1].removeprefix("/app/")).exists()


def test_the_image_serves_gunicorn_on_port_8000():
    assert [item.arguments for item in named("EXPOSE", stage=final_stage())] == ["8000"]
    command = named("CMD", stage=final_stage())[-1].exec_form()
    assert command is not None
    assert command[0] == "gunicorn"
    assert "config.wsgi" in command
    assert "0.0.0.0:8000" in command


def test_data_and_media_live_on_volumes_the_settings_point_at():
    env = env_of_stage(final_stage())
    volumes = named("VOLUME", stage=final_stage())[-1].exec_form()
    assert env["DATA_DIR"] in volumes
    assert env["MEDIA_ROOT"] in volumes


def test_every_local_file_the_dockerfile_copies_exists():
    for item in named("COPY"):
        parts = [part for part in item.arguments.split() if not part.startswith("--")]
        if "--from=" in item.arguments:
            continue
        for source in parts[:-1]:
            assert (ROOT / source).exists(), source


def test_the_build_context_leaves_out_local_state_and_secrets():
    ignored = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    # A copied .venv would replace the image's own virtualenv.
    assert {".venv", ".git", ".env", "data", "staticfiles"} <= ignored
    for needed in ("pyproject.toml", "uv.lock", "manage.py", "config", "bin"):
        assert needed not in ignored


# --- docker-compose.yml ----------------------------------------------------------


@cache
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def service(name: str) -> dict:
    return compose()["services"][name]


def command_text(name: str) -> str:
    command = service(name)["command"]
    return command if isinstance(command, str) else " ".join(command)


def settings_variables() -> set[str]:
    """Every environment variable config/settings.py reads through the env_* helpers."""
    tree = ast.parse((ROOT / "config" / "settings.py").read_text())
    names = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id.startswith("env_")
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            names.add(node.args[0].value)
    return names


def compose_defaults(value: str) -> str:
    """What a compose value becomes when .env gives defaults only (required ones faked)."""

    def replace(match: re.Match[str]) -> str:
        operator, word = match.group(2), match.group(3)
        if operator in (":-", "-"):
            return word
        return "set-in-dot-env"

    return re.sub(r"\$\{(\w+)(?:(:?[-?])([^}]*))?\}", replace, value)


def test_the_three_services_are_there():
    assert {"web", "worker", "db"} <= set(compose()["services"])


def test_web_publishes_port_8000():
    (mapping,) = service("web")["ports"]
    host, _, container = mapping.rpartition(":")
    assert container == "8000"
    assert compose_defaults(host) == "8000"


def test_web_migrates_before_gunicorn_starts():
    text = command_text("web")
    assert "python manage.py migrate" in text
    assert "gunicorn config.wsgi" in text
    assert text.index("migrate") < text.index("gunicorn")
    assert "0.0.0.0:8000" in text


def test_the_worker_runs_the_task_queue_from_the_same_image():
    assert "python manage.py db_worker" in command_text("worker")
    assert service("worker")["image"] == service("web")["image"]
    # The image's HTTP check does not fit a worker, which serves nothing.
    assert service("worker")["healthcheck"] == {"disable": True}


@pytest.mark.parametrize("name", ["web", "worker"])
def test_the_app_services_get_the_settings_they_need(name):
    env = service(name)["environment"]
    assert {"SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS", "MEDIA_ROOT"} <= set(env)
    assert "@db:5432/" in env["DATABASE_URL"]
    # No real secret is written into the file: it must come from .env.
    assert env["SECRET_KEY"].startswith("${SECRET_KEY:?")


@pytest.mark.parametrize("name", ["web", "worker"])
def test_media_sits_on_a_named_volume_at_media_root(name):
    env = service(name)["environment"]
    targets = {entry.split(":")[1]: entry.split(":")[0] for entry in service(name)["volumes"]}
    assert targets[env["MEDIA_ROOT"]] in compose()["volumes"]


def test_web_and_worker_share_environment_and_media():
    assert service("web")["environment"] == service("worker")["environment"]
    assert service("web")["volumes"] == service("worker")["volumes"]


@pytest.mark.parametrize("name", ["web", "worker"])
def test_the_app_waits_for_a_healthy_database(name):
    assert service(name)["depends_on"]["db"] == {"condition": "service_healthy"}


def test_a_stopping_worker_has_time_to_finish_its_job():
    # db_worker ends the running task before exiting on SIGTERM; Docker's default
    # 10 s would kill a long import or export half-way and leave its job "running".
    assert service("worker")["stop_grace_period"] == "10m"


def test_the_worker_waits_for_web_to_have_migrated():
    assert service("worker")["depends_on"]["web"] == {"condition": "service_healthy"}


def test_the_database_is_postgres_with_a_readiness_check_and_a_named_volume():
    db = service("db")
    assert db["image"] in {"postgres:15", "postgres:16"}
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert {"POSTGRES_PASSWORD", "POSTGRES_USER", "POSTGRES_DB"} <= set(db["environment"])
    (volume,) = db["volumes"]
    source, target = volume.split(":")
    assert target == "/var/lib/postgresql/data"
    assert source in compose()["volumes"]


def test_the_database_url_matches_the_database_service():
    db = service("db")["environment"]
    url = service("web")["environment"]["DATABASE_URL"]
    assert url.startswith(f"postgres://{db['POSTGRES_USER']}:")
    assert url.endswith(f"@db:5432/{db['POSTGRES_DB']}")
    password_variable = re.match(r"\$\{(\w+)", db["POSTGRES_PASSWORD"]).group(1)
    assert "${" + password_variable in url


def test_every_named_volume_a_service_mounts_is_declared():
    declared = set(compose()["volumes"])
    for svc in compose()["services"].values():
        for entry in svc.get("volumes", []):
            source = entry.split(":")[0]
            if not source.startswith((".", "/", "~")):
                assert source in declared


@pytest.mark.parametrize("name", ["web", "worker"])
def test_every_variable_compose_passes_is_one_the_settings_read(name):
    passed = set(service(name)["environment"])
    unknown = passed - settings_variables()
    assert not unknown, f"config/settings.py never reads {sorted(unknown)}"


def test_every_variable_compose_interpolates_is_in_the_env_example():
    text = (ROOT / "docker-compose.yml").read_text()
    used = set(re.findall(r"\$\{(\w+)", text))
    example = {
        line.split("=", 1)[0]
        for line in (ROOT / ".env.example").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    }
    assert used <= example


def test_the_settings_load_with_composes_defaults(tmp_path):
    env = {
        name: compose_defaults(str(value)) for name, value in service("web")["environment"].items()
    }
    env.update(
        {
            "PATH": os.environ.get("PATH", ""),
            "DATA_DIR": str(tmp_path / "data"),
            "MEDIA_ROOT": str(tmp_path / "media"),
        }
    )
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import config.settings as s; print(s.DATABASES['default']['ENGINE'], s.ALLOWED_HOSTS)",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "postgresql" in result.stdout
    assert "localhost" in result.stdout


# --- /healthz and the container's check -------------------------------------------


@pytest.mark.django_db
def test_healthz_answers_200_with_status_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def load_healthcheck_module():
    import importlib.util

    spec = importlib.util.spec_from_file_location("deckhand_healthcheck", HEALTHCHECK_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("allowed_hosts", "host"),
    [
        (None, "localhost"),
        ("", "localhost"),
        ("flashcards.example.com,localhost", "flashcards.example.com"),
        (" *, deck.example ", "deck.example"),
        (".example.org", "example.org"),
        ("*", "localhost"),
    ],
)
def test_the_health_check_sends_a_host_that_allowed_hosts_accepts(allowed_hosts, host):
    assert load_healthcheck_module().host_header(allowed_hosts) == host


def run_healthcheck(url: str, allowed_hosts: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(HEALTHCHECK_SCRIPT), url],
        env={"PATH": os.environ.get("PATH", ""), "ALLOWED_HOSTS": allowed_hosts},
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_the_health_check_script_passes_against_a_running_server(live_server):
    result = run_healthcheck(f"{live_server.url}/healthz", "localhost")
    assert result.returncode == 0, result.stderr


def test_the_health_check_script_fails_when_nothing_answers():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = run_healthcheck(f"http://127.0.0.1:{port}/healthz", "localhost")
    assert result.returncode == 1
    assert result.stderr.strip()
