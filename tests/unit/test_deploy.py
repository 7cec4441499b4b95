"""The deployment files, checked as text since no container engine runs here.

docker-compose.yml is parsed with PyYAML and the Dockerfile with a small reader of its
instructions; both are checked against the code they deploy (bot/settings.py, pyproject.toml,
the CLI), so a renamed setting or a typo in a variable fails here and not in production.
"""

from __future__ import annotations

import fnmatch
import json
import re
import shlex
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = {name.upper() for name in Settings.model_fields}
BOT_SERVICES = ("bot", "bot-sandbox", "bot-webhook")


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text("utf-8"))
    return data


def service(name: str) -> dict[str, Any]:
    services: dict[str, Any] = compose()["services"]
    return dict(services[name])


def environment(name: str) -> dict[str, str]:
    env = service(name).get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {key: str(value) for key, value in env.items()}


def published(name: str) -> list[tuple[str, int, int]]:
    """(host address, host port, container port) for each `ports` entry of a service."""
    entries = []
    for entry in service(name).get("ports", []):
        *address, host, container = str(entry).split(":")
        entries.append(((address or ["0.0.0.0"])[0], int(host), int(container.split("/")[0])))
    return entries


def argv(value: str | list[str]) -> list[str]:
    return shlex.split(value) if isinstance(value, str) else [str(part) for part in value]


# ---- docker-compose.yml ------------------------------------------------------------------------


def test_compose_has_redis_the_bot_and_its_variants() -> None:
    assert set(compose()["services"]) == {"redis", "bot", "sandbox", "bot-sandbox", "bot-webhook"}


def test_redis_persists_to_a_named_volume_with_the_append_only_file() -> None:
    redis = service("redis")
    assert re.fullmatch(r"redis:7(\.\d+)*-alpine", redis["image"])
    command = argv(redis["command"])
    assert command[0] == "redis-server"
    assert command[command.index("--appendonly") + 1] == "yes"
    volume, _, target = redis["volumes"][0].partition(":")
    assert target.split(":")[0] == "/data"
    assert volume in compose()["volumes"]
    assert "profiles" not in redis
    assert "ping" in argv(redis["healthcheck"]["test"])


def test_every_bot_service_builds_this_image_reads_env_and_waits_for_redis() -> None:
    images = {service(name)["image"] for name in (*BOT_SERVICES, "sandbox")}
    assert len(images) == 1
    for name in (*BOT_SERVICES, "sandbox"):
        assert service(name)["build"] in (".", {"context": "."})
    for name in BOT_SERVICES:
        bot = service(name)
        assert bot["env_file"] in (".env", [".env"])
        assert bot["depends_on"]["redis"]["condition"] == "service_healthy"
        assert "command" not in bot, "the image's CMD (migo-bot telegram) runs"


@pytest.mark.parametrize("name", [*BOT_SERVICES, "sandbox"])
def test_redis_url_points_at_the_redis_service(name: str) -> None:
    url = urlsplit(environment(name)["REDIS_URL"])
    assert url.scheme == "redis"
    assert url.hostname == "redis"
    assert (url.port or 6379) == 6379


def test_the_polling_bot_runs_by_default_and_publishes_nothing() -> None:
    bot = service("bot")
    assert "profiles" not in bot
    assert "ports" not in bot
    assert not {"WEBHOOK_URL", "LEADS_API_URL"} & set(environment("bot")), "those come from .env"


def test_the_sandbox_runs_under_its_profile_on_redis_and_on_loopback() -> None:
    sandbox = service("sandbox")
    assert sandbox["profiles"] == ["sandbox"]
    command = argv(sandbox["command"])
    assert command == ["migo-bot", "sandbox", "--host", "0.0.0.0", "--port", "8080", "--redis"]
    # The sandbox's admin routes take no token: never published beyond this host.
    assert published("sandbox") == [("127.0.0.1", 8080, 8080)]
    sessions = urlsplit(environment("bot")["REDIS_URL"]).path
    assert urlsplit(environment("sandbox")["REDIS_URL"]).path != sessions
    health = " ".join(argv(sandbox["healthcheck"]["test"]))
    assert "http://127.0.0.1:8080/health" in health


def test_the_sandbox_bot_uses_the_sandbox() -> None:
    bot = service("bot-sandbox")
    assert bot["profiles"] == ["sandbox"]
    assert bot["depends_on"]["sandbox"]["condition"] == "service_healthy"
    env = environment("bot-sandbox")
    url = urlsplit(env["LEADS_API_URL"])
    command = argv(service("sandbox")["command"])
    assert (url.scheme, url.hostname) == ("http", "sandbox")
    assert url.port == int(command[command.index("--port") + 1])
    assert url.path == "/rest"
    assert env["LEADS_API_TOKEN"], "the sandbox wants a bearer token, any non-empty one"


def test_the_webhook_bot_listens_on_the_port_it_publishes() -> None:
    bot = service("bot-webhook")
    assert bot["profiles"] == ["webhook"]
    env = environment("bot-webhook")
    assert env["WEBHOOK_LISTEN"] == "0.0.0.0"
    assert [container for _, _, container in published("bot-webhook")] == [int(env["WEBHOOK_PORT"])]
    assert int(env["WEBHOOK_PORT"]) in dockerfile().exposed
    assert "WEBHOOK_URL" not in env, "WEBHOOK_URL and its secret come from .env"


def test_every_variable_compose_sets_or_reads_is_a_setting() -> None:
    text = (ROOT / "docker-compose.yml").read_text("utf-8")
    interpolated = set(re.findall(r"\$\{([A-Z0-9_]+)", text))
    assert interpolated <= SETTINGS
    for name in (*BOT_SERVICES, "sandbox"):
        assert set(environment(name)) <= SETTINGS, f"{name}: not a field of bot/settings.py"


def test_a_misspelt_variable_would_be_caught() -> None:
    assert "REDIS_URL" in SETTINGS
    assert "REDIS_URI" not in SETTINGS


# ---- Dockerfile -------------------------------------------------------------------------------


@dataclass
class Stage:
    base: str
    instructions: list[tuple[str, str]]

    def all(self, name: str) -> list[str]:
        return [args for instruction, args in self.instructions if instruction == name]


@dataclass
class Dockerfile:
    stages: list[Stage]

    @property
    def final(self) -> Stage:
        return self.stages[-1]

    @property
    def exposed(self) -> set[int]:
        ports = [port for args in self.final.all("EXPOSE") for port in args.split()]
        return {int(port.split("/")[0]) for port in ports}


def dockerfile() -> Dockerfile:
    """The Dockerfile's instructions, continuation lines joined, comments dropped, per stage."""
    text = (ROOT / "Dockerfile").read_text("utf-8")
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n\s*", " ", "\n".join(lines))
    stages: list[Stage] = []
    for line in joined.splitlines():
        if not line.strip():
            continue
        instruction, _, args = line.strip().partition(" ")
        instruction = instruction.upper()
        if instruction == "FROM":
            stages.append(Stage(args.split()[0], []))
        else:
            stages[-1].instructions.append((instruction, args.strip()))
    return Dockerfile(stages)


def exec_form(args: str) -> list[str]:
    value = json.loads(args)
    assert isinstance(value, list), "exec form, so signals reach the bot"
    return [str(part) for part in value]


def test_every_stage_is_on_slim_python_3_11() -> None:
    for stage in dockerfile().stages:
        assert re.fullmatch(r"python:3\.11(\.\d+)?-slim(-\w+)?", stage.base), stage.base


def test_the_image_runs_migo_bot_telegram_as_a_non_root_user() -> None:
    final = dockerfile().final
    names = [instruction for instruction, _ in final.instructions]
    users = final.all("USER")
    assert users, "the final stage sets a USER"
    assert users[-1].split(":")[0] not in ("root", "0")
    assert names.index("CMD") > max(i for i, name in enumerate(names) if name == "USER")
    assert "ENTRYPOINT" not in names
    assert exec_form(final.all("CMD")[-1]) == ["migo-bot", "telegram"]
    created = " ".join(args for args in final.all("RUN") if "useradd" in args)
    assert re.search(rf"\b{re.escape(users[-1].split(':')[0])}\b", created)


def test_the_healthcheck_runs_migo_bot_health() -> None:
    (healthcheck,) = dockerfile().final.all("HEALTHCHECK")
    options, _, command = healthcheck.partition("CMD ")
    assert exec_form(command) == ["migo-bot", "health"]
    timeout = re.search(r"--timeout=(\d+)s", options)
    # The store's own budget for one ping is 7 s (2 s connect + 5 s): the check must outlast it.
    assert timeout is not None
    assert int(timeout.group(1)) > 7


def test_pip_installs_runtime_dependencies_only() -> None:
    runs = [args for stage in dockerfile().stages for args in stage.all("RUN")]
    installs = [args for args in runs if "pip" in args]
    assert installs
    for args in installs:
        assert "[test]" not in args
        assert not re.search(r"\.\[", args), "no extras at all"
        assert "-e " not in args and "--editable" not in args
        for package in ("pytest", "hypothesis", "ruff", "mypy", "pyyaml"):
            assert package not in args.lower()


def test_the_build_copies_every_package_and_the_readme_and_never_env() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    packages = project["tool"]["setuptools"]["packages"]
    needed = {*packages, "pyproject.toml", project["project"]["readme"]}
    copied = {
        source.rstrip("/")
        for args in dockerfile().stages[0].all("COPY")
        if not args.startswith("--from")
        for source in args.split()[:-1]
    }
    assert needed <= copied
    ignored = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text("utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert ".env" in ignored, "the tokens in .env must never enter an image"
    for source in copied:
        assert not any(fnmatch.fnmatch(source, pattern) for pattern in ignored), source


# ---- every setting documented ----------------------------------------------------------------


def test_every_setting_is_in_env_example() -> None:
    text = (ROOT / ".env.example").read_text("utf-8")
    listed = set(re.findall(r"^([A-Z0-9_]+)=", text, flags=re.M))
    assert SETTINGS - listed == set()
    assert listed - SETTINGS == set(), "a variable bot/settings.py does not read"


def test_every_setting_is_in_the_readme_configuration_table() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    section = readme.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    first_cells = [row.split("|")[1] for row in section.splitlines() if row.startswith("| `")]
    documented = {name for cell in first_cells for name in re.findall(r"`([A-Z0-9_]+)`", cell)}
    assert SETTINGS - documented == set()
    assert documented - SETTINGS == set()


def test_the_readme_names_only_compose_services_and_profiles_that_exist() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    services = set(compose()["services"])
    profiles = {p for s in compose()["services"].values() for p in s.get("profiles", [])}
    named: set[str] = set()
    for line in re.findall(r"docker compose ([^`\n]*)", readme):
        command = line.split(" #")[0].split("&&")[0]
        assert set(re.findall(r"--profile (\S+)", command)) <= profiles, line
        # Options that take a value, then the other options.
        command = re.sub(r"(--profile|--scale|--name|-v|-e) \S+", "", command)
        words = [word for word in command.split() if not word.startswith("-")]
        if not words:
            continue
        verb, rest = words[0], words[1:]
        if verb in ("up", "logs", "restart", "stop", "ps"):
            named.update(rest)
        elif verb in ("exec", "run"):
            named.add(rest[0])
        elif verb == "cp":
            named.update(word.split(":")[0] for word in rest if ":" in word)
    assert {"bot", "bot-sandbox", "bot-webhook", "redis"} <= named
    assert named <= services
