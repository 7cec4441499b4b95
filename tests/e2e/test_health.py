"""`migo-bot health`, the image's HEALTHCHECK, as a real process against real and dead Redis."""

from __future__ import annotations

from tests.conftest import redis_url
from tests.e2e.test_cli import dead_port, migo_bot

SECRETS = {
    "TELEGRAM_BOT_TOKEN": "123456:health-bot-token",
    "LEADS_API_TOKEN": "health-leads-token",
    "WEBHOOK_SECRET_TOKEN": "health-webhook-secret",
}


def assert_no_secret_in(output: str) -> None:
    for secret in [*SECRETS.values(), "redis-password"]:
        assert secret not in output


def test_healthy_when_redis_answers() -> None:
    result = migo_bot("health", env={**SECRETS, "REDIS_URL": redis_url()})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "healthy: store=redis answers, leads_api=api.ali.app"
    assert_no_secret_in(result.stdout + result.stderr)


def test_unhealthy_with_one_line_when_redis_does_not_answer() -> None:
    url = f"redis://:redis-password@127.0.0.1:{dead_port()}/0"
    result = migo_bot("health", env={**SECRETS, "REDIS_URL": url})
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "unhealthy: the session store at REDIS_URL does not answer: "
        "Redis is unavailable (ConnectionError)"
    ]
    assert_no_secret_in(result.stdout + result.stderr)


def test_cluster_mode_against_a_plain_redis_is_unhealthy() -> None:
    result = migo_bot("health", env={"REDIS_URL": redis_url(), "REDIS_CLUSTER": "true"})
    assert result.returncode == 1
    assert result.stderr.startswith("unhealthy: the session store at REDIS_URL does not answer")
    no_node = migo_bot("health", env={"REDIS_URL": "", "REDIS_CLUSTER": "true"})
    assert no_node.returncode == 1
    assert no_node.stderr.strip() == (
        "unhealthy: REDIS_CLUSTER is set but REDIS_URL (one node of the cluster) is not"
    )


def test_the_memory_store_is_healthy_and_a_malformed_leads_api_url_is_not() -> None:
    memory = migo_bot("health", env={"REDIS_URL": "", "LEADS_API_URL": "http://sandbox:8080"})
    assert memory.returncode == 0, memory.stderr
    assert memory.stdout.strip() == "healthy: store=memory answers, leads_api=sandbox"
    malformed = migo_bot("health", env={"REDIS_URL": "", "LEADS_API_URL": "sandbox:8080/rest"})
    assert malformed.returncode == 1
    assert malformed.stderr.strip() == "unhealthy: LEADS_API_URL is not an http(s) URL with a host"


def test_both_reasons_on_one_line_when_both_fail() -> None:
    env = {"REDIS_URL": "http://not-redis", "LEADS_API_URL": "ftp://files.example.com"}
    result = migo_bot("health", env=env)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "unhealthy: LEADS_API_URL is not an http(s) URL with a host; "
        "REDIS_URL is not a valid Redis URL"
    ]
