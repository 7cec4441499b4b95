"""The session store on a real 3-master Redis Cluster on loopback, shared by two bot replicas."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import AsyncExitStack, ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import redis
import redis.asyncio as aioredis
from pydantic import SecretStr
from redis.asyncio.cluster import RedisCluster
from redis.exceptions import RedisError

from bot.conversation import Conversations, Origin
from bot.leads_api import LeadsApiClient, build_http_client
from bot.sandbox import Sandbox
from bot.settings import Settings
from bot.store import (
    RedisSessionStore,
    StoreUnavailable,
    committed_key,
    known_key,
    lock_key,
    open_store,
    rate_limit_key,
    session_key,
    value_key,
    values_index_key,
)
from flows.catalogue import load_catalogue
from flows.events import Contact, Event, Pick, Reply, Start, Text
from tests.contract.test_store import held, write
from tests.contract.test_store_redis import _closed_port
from tests.conversation.driver import TODAY
from tests.conversation.test_onboarding import EXPECTED_PAYLOAD

TTL = 3600
MASTERS = 3
HASH_SLOTS = 16384
# Redis Cluster nodes talk to each other on their port + 10000.
BUS_PORT_OFFSET = 10000
STARTUP_SECONDS = 30.0
STOP_SECONDS = 10.0
SANDBOX_TOKEN = "cluster-test-token"


@dataclass(frozen=True)
class Cluster:
    """A running cluster: its masters' ports and, for each master, a chat whose keys it holds."""

    ports: tuple[int, ...]
    chat_on: dict[int, int]

    @property
    def url(self) -> str:
        """One node's URL: the cluster client discovers the others from it."""
        return f"redis://127.0.0.1:{self.ports[0]}/0"

    @property
    def chats(self) -> list[int]:
        """One chat per master, in port order."""
        return [self.chat_on[port] for port in self.ports]


def _binaries() -> tuple[str, str]:
    """redis-server and redis-cli; skipped when missing, except under CI=true."""
    server, cli = shutil.which("redis-server"), shutil.which("redis-cli")
    if server and cli:
        return server, cli
    message = "redis-server and redis-cli are needed to start a Redis Cluster"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message}; CI=true fails rather than skipping")
    pytest.skip(message)


def _node_ports(count: int) -> list[int]:
    """Free loopback ports whose cluster bus ports (port + 10000) are free as well."""
    with ExitStack() as bound:
        ports: list[int] = []
        for _ in range(200):
            if len(ports) == count:
                return ports
            node = bound.enter_context(socket.socket())
            node.bind(("127.0.0.1", 0))
            port = node.getsockname()[1]
            if port + BUS_PORT_OFFSET > 65535:
                continue
            bus = bound.enter_context(socket.socket())
            try:
                bus.bind(("127.0.0.1", port + BUS_PORT_OFFSET))
            except OSError:
                continue
            ports.append(port)
    pytest.fail(f"found only {len(ports)} of {count} usable port pairs")


class _Nodes:
    """The redis-server processes of one cluster, with their logs in one directory."""

    def __init__(self, server: str, workdir: Path) -> None:
        self.server = server
        self.workdir = workdir
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self, port: int) -> None:
        """Start one cluster-enabled node on 127.0.0.1:port."""
        command = [
            self.server,
            "--port", str(port),
            "--bind", "127.0.0.1",
            "--cluster-enabled", "yes",
            "--cluster-config-file", str(self.workdir / f"nodes-{port}.conf"),
            "--save", "",
            "--appendonly", "no",
            "--dir", str(self.workdir),
            "--logfile", str(self.workdir / f"redis-{port}.log"),
        ]  # fmt: skip
        self.processes.append(
            subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        )

    def wait_until(self, check: Callable[[], bool], what: str) -> None:
        """Poll `check` until it holds; fail with the logs if a node dies or time runs out."""
        deadline = time.monotonic() + STARTUP_SECONDS
        while not check():
            dead = [p.returncode for p in self.processes if p.poll() is not None]
            if dead:
                pytest.fail(f"a redis-server exited ({dead}) before {what}:\n{self.logs()}")
            if time.monotonic() > deadline:
                pytest.fail(f"no {what} within {STARTUP_SECONDS} s:\n{self.logs()}")
            time.sleep(0.05)

    def logs(self) -> str:
        """Every node's log."""
        return "\n".join(log.read_text(errors="replace") for log in self.workdir.glob("*.log"))

    def stop(self) -> None:
        """SIGTERM every node, then SIGKILL whichever does not stop in time."""
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(STOP_SECONDS)


def _answers(port: int) -> bool:
    with redis.Redis(port=port, socket_timeout=1, socket_connect_timeout=1) as client:
        try:
            return bool(client.ping())
        except redis.ConnectionError:
            return False


def _cluster_ready(ports: Sequence[int]) -> bool:
    """Every node sees every master, every slot assigned, and the cluster state ok."""
    for port in ports:
        with redis.Redis(port=port, socket_timeout=1, decode_responses=True) as client:
            # "CLUSTER", "INFO" as two words: the raw text, whatever redis-py's parsers do.
            info = client.execute_command("CLUSTER", "INFO")
        fields = dict(line.split(":", 1) for line in info.split() if ":" in line)
        ready = (
            fields.get("cluster_state") == "ok"
            and fields.get("cluster_slots_assigned") == str(HASH_SLOTS)
            and fields.get("cluster_known_nodes") == str(MASTERS)
        )
        if not ready:
            return False
    return True


def _one_chat_per_master(ports: Sequence[int]) -> dict[int, int]:
    """For each master, the first chat id whose slot it owns, as the server computes slots."""
    with redis.Redis(port=ports[0], decode_responses=True) as client:
        owner_of: dict[int, int] = {}
        for start, end, master, *_ in client.execute_command("CLUSTER", "SLOTS"):
            owner_of.update(dict.fromkeys(range(int(start), int(end) + 1), int(master[1])))
        chat_on: dict[int, int] = {}
        for chat_id in range(1, 1000):
            slot = int(client.execute_command("CLUSTER", "KEYSLOT", session_key(chat_id)))
            chat_on.setdefault(owner_of[slot], chat_id)
            if len(chat_on) == len(ports):
                return chat_on
    pytest.fail(f"no chat id below 1000 lands on every master: {chat_on}")


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    """Three cluster-enabled redis-servers on loopback joined by `redis-cli --cluster create`."""
    server, cli = _binaries()
    workdir = Path(tempfile.mkdtemp(prefix="migo-cluster-"))
    nodes = _Nodes(server, workdir)
    try:
        ports = _node_ports(MASTERS)
        for port in ports:
            nodes.start(port)
        nodes.wait_until(lambda: all(_answers(port) for port in ports), "PONG from every node")
        addresses = [f"127.0.0.1:{port}" for port in ports]
        create = subprocess.run(
            [cli, "--cluster", "create", *addresses, "--cluster-replicas", "0", "--cluster-yes"],
            capture_output=True,
            text=True,
            timeout=STARTUP_SECONDS,
            check=False,
        )
        if create.returncode != 0:
            pytest.fail(f"redis-cli --cluster create failed:\n{create.stdout}{create.stderr}")
        nodes.wait_until(lambda: _cluster_ready(ports), "cluster_state:ok on every node")
        yield Cluster(tuple(ports), _one_chat_per_master(ports))
    finally:
        nodes.stop()
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture
async def raw(cluster: Cluster) -> AsyncIterator[RedisCluster]:
    """A plain cluster client on a cluster flushed before and after the test."""
    client = RedisCluster.from_url(cluster.url, decode_responses=True)
    await client.flushall(target_nodes=RedisCluster.PRIMARIES)
    try:
        yield client
    finally:
        await client.flushall(target_nodes=RedisCluster.PRIMARIES)
        await client.aclose()


@pytest.fixture
async def stores(
    cluster: Cluster, raw: RedisCluster
) -> AsyncIterator[Callable[..., RedisSessionStore]]:
    """Makes cluster stores on their own connections (replicas), closed after the test."""
    made: list[RedisSessionStore] = []

    def make(**options: Any) -> RedisSessionStore:
        options.setdefault("ttl_seconds", TTL)
        options.setdefault("lock_wait_seconds", 10.0)
        store = RedisSessionStore.from_url(cluster.url, cluster=True, **options)
        made.append(store)
        return store

    yield make
    for store in made:
        await store.aclose()


async def keys_by_master(cluster: Cluster) -> dict[int, set[str]]:
    """Every key each master holds, asked of each node directly (no cluster routing)."""
    found: dict[int, set[str]] = {}
    for port in cluster.ports:
        node = aioredis.Redis(port=port, decode_responses=True)
        try:
            found[port] = set(await node.keys("*"))
        finally:
            await node.aclose()
    return found


def chat_keys(chat_id: int, *values: str) -> set[str]:
    """The keys a chat with a session and the named values has."""
    named = {value_key(chat_id, name) for name in values}
    index = {values_index_key(chat_id)} if values else set()
    return {session_key(chat_id), committed_key(chat_id), known_key(chat_id), *index, *named}


# ---- the store contract on the cluster ------------------------------------------------------


async def test_open_store_in_cluster_mode_pings_every_master(
    cluster: Cluster, raw: RedisCluster
) -> None:
    async def pings() -> list[int]:
        counts = []
        for port in cluster.ports:
            node = aioredis.Redis(port=port, decode_responses=True)
            try:
                stats = await node.info("commandstats")
            finally:
                await node.aclose()
            counts.append(int(stats.get("cmdstat_ping", {}).get("calls", 0)))
        return counts

    store = open_store(cluster.url, ttl_seconds=TTL, cluster=True)
    try:
        assert isinstance(store, RedisSessionStore)
        before = await pings()
        await store.ping()
        after = await pings()
    finally:
        await store.aclose()

    assert all(b > a for a, b in zip(before, after, strict=True)), (before, after)


def test_open_store_in_cluster_mode_without_a_url_is_refused() -> None:
    with pytest.raises(ValueError, match="REDIS_URL"):
        open_store(None, ttl_seconds=TTL, cluster=True)


async def test_a_session_written_by_one_replica_is_read_by_the_other_with_its_ttl(
    cluster: Cluster, raw: RedisCluster, stores: Callable[..., RedisSessionStore]
) -> None:
    first, second = stores(), stores()
    for chat_id in cluster.chats:
        await write(first, chat_id, f'{{"chat": {chat_id}, "name": "José Pérez 🇬🇹"}}')

    for chat_id in cluster.chats:
        assert await second.peek(chat_id) == f'{{"chat": {chat_id}, "name": "José Pérez 🇬🇹"}}'
        async with second.session(chat_id) as slot:
            assert slot.data == f'{{"chat": {chat_id}, "name": "José Pérez 🇬🇹"}}'
            slot.data = None
        assert await first.peek(chat_id) is None

    await write(second, cluster.chats[0], "answers")
    assert TTL * 1000 - 2000 < await raw.pttl(session_key(cluster.chats[0])) <= TTL * 1000
    assert await raw.exists(lock_key(cluster.chats[0])) == 0


async def test_two_replicas_lose_no_update_on_any_master(
    cluster: Cluster, stores: Callable[..., RedisSessionStore]
) -> None:
    replicas = [stores(), stores()]

    async def increment(store: RedisSessionStore, chat_id: int) -> None:
        async with store.session(chat_id) as slot:
            count = int(slot.data or "0")
            await asyncio.sleep(0)  # give every other task the chance to interleave here
            slot.data = str(count + 1)

    await asyncio.gather(
        *(increment(replicas[n % 2], chat_id) for n in range(50) for chat_id in cluster.chats)
    )

    assert [await replicas[1].peek(chat_id) for chat_id in cluster.chats] == ["50"] * MASTERS


async def test_a_replica_waits_for_the_other_replicas_lock_then_enters(
    cluster: Cluster, stores: Callable[..., RedisSessionStore]
) -> None:
    first, second = stores(), stores()
    chat_id = cluster.chats[1]

    async with held(first, chat_id, data="first"):
        waiting = asyncio.create_task(write(second, chat_id, "second"))
        await asyncio.sleep(0.1)
        assert not waiting.done()
    await waiting

    assert await first.peek(chat_id) == "second"


async def test_values_are_shared_indexed_deleted_and_expire(
    cluster: Cluster, raw: RedisCluster, stores: Callable[..., RedisSessionStore]
) -> None:
    first, second = stores(), stores()
    chat_id = cluster.chats[2]
    await first.set_value(chat_id, "code", "25DC4D1")
    await first.set_value(chat_id, "short", "x", ttl_seconds=1)
    await first.set_value(chat_id, "gone", "y")

    assert await second.get_value(chat_id, "code") == "25DC4D1"
    assert await raw.smembers(values_index_key(chat_id)) == {"code", "short", "gone"}
    assert TTL * 1000 - 2000 < await raw.pttl(value_key(chat_id, "code")) <= TTL * 1000
    await second.delete_value(chat_id, "gone")
    assert await first.get_value(chat_id, "gone") is None
    assert await raw.smembers(values_index_key(chat_id)) == {"code", "short"}
    await asyncio.sleep(1.2)
    assert await second.get_value(chat_id, "short") is None
    assert await second.get_value(chat_id, "code") == "25DC4D1"


async def test_forget_chat_removes_that_chat_from_its_master_and_keeps_the_others(
    cluster: Cluster, stores: Callable[..., RedisSessionStore]
) -> None:
    first, second = stores(), stores()
    for chat_id in cluster.chats:
        await write(first, chat_id, "answers")
        await first.set_value(chat_id, "a", "1")
        await first.set_value(chat_id, "b", "2", ttl_seconds=60)
    forgotten, *kept = cluster.chats

    await second.forget_chat(forgotten)

    assert await keys_by_master(cluster) == {
        port: set() if chat_id == forgotten else chat_keys(chat_id, "a", "b")
        for port, chat_id in cluster.chat_on.items()
    }
    assert [await first.peek(chat_id) for chat_id in kept] == ["answers", "answers"]


async def test_reminders_of_chats_on_every_master_are_claimed_once_by_two_replicas(
    cluster: Cluster, stores: Callable[..., RedisSessionStore]
) -> None:
    first, second = stores(), stores()
    for chat_id in cluster.chats:
        await write(first, chat_id, "answers")
        await first.schedule_reminder(chat_id, 1_000.0)

    due = await second.due_reminders(1_000.0, 10)

    assert sorted(due) == sorted((chat_id, 1_000.0) for chat_id in cluster.chats)
    for chat_id in cluster.chats:
        data, idle = await second.session_idle(chat_id)
        assert data == "answers"
        assert 0 <= idle < 60
        claims = [store.claim_value(chat_id, "reminded", "abc123") for store in (first, second)]
        assert sorted(await asyncio.gather(*claims)) == [False, True]
        assert await second.move_reminder(chat_id, 1_000.0, None)
        assert not await first.move_reminder(chat_id, 1_000.0, None)
    assert await first.due_reminders(2_000.0, 10) == []
    forgotten = cluster.chats[0]
    await first.schedule_reminder(forgotten, 1_500.0)
    await second.forget_chat(forgotten)
    assert await first.due_reminders(2_000.0, 10) == []


async def test_rate_limit_is_shared_by_replicas_and_ends_with_its_window(
    raw: RedisCluster, stores: Callable[..., RedisSessionStore]
) -> None:
    replicas = [stores(), stores()]

    hits = [
        await replicas[n % 2].hit_rate_limit("status:42", limit=3, window_seconds=1)
        for n in range(5)
    ]

    assert hits == [False, False, False, True, True]
    assert await raw.get(rate_limit_key("status:42")) == "5"
    assert 0 < await raw.pttl(rate_limit_key("status:42")) <= 1000
    assert await replicas[0].hit_rate_limit("status:43", limit=3, window_seconds=1) is False
    await asyncio.sleep(1.2)
    assert await replicas[1].hit_rate_limit("status:42", limit=3, window_seconds=1) is False


async def test_chats_spread_over_every_master_each_keeping_all_its_keys_on_one(
    cluster: Cluster, stores: Callable[..., RedisSessionStore]
) -> None:
    store = stores()
    for chat_id in cluster.chats:
        await write(store, chat_id, "answers")
        await store.set_value(chat_id, "last_update", "901")
    await store.hit_rate_limit("status:7", limit=5, window_seconds=60)
    busy = cluster.chats[0]

    async with held(store, busy):
        found = await keys_by_master(cluster)

    counter = rate_limit_key("status:7")
    expected = {
        port: chat_keys(chat_id, "last_update") | ({lock_key(busy)} if chat_id == busy else set())
        for port, chat_id in cluster.chat_on.items()
    }
    assert {port: keys - {counter} for port, keys in found.items()} == expected
    assert sum(counter in keys for keys in found.values()) == 1


@pytest.mark.parametrize(
    "operation",
    [
        lambda store: store.ping(),
        lambda store: store.peek(1),
        lambda store: write(store, 1, "answers"),
        lambda store: store.delete_value(1, "a"),
        lambda store: store.forget_chat(1),
        lambda store: store.hit_rate_limit("status:1", limit=5, window_seconds=60),
    ],
    ids=["ping", "peek", "session", "delete", "forget", "rate-limit"],
)
async def test_an_unreachable_cluster_raises_store_unavailable_quickly(
    operation: Callable[[RedisSessionStore], Awaitable[object]],
) -> None:
    url = f"redis://127.0.0.1:{_closed_port()}/0"
    store = RedisSessionStore.from_url(url, ttl_seconds=TTL, cluster=True)
    try:
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(StoreUnavailable) as caught:
            async with asyncio.timeout(10):
                await operation(store)
        assert loop.time() - started < 5  # typically well under a second
        assert not isinstance(caught.value, RedisError)
    finally:
        await store.aclose()


# ---- complete onboardings through two bot replicas ------------------------------------------


@dataclass(frozen=True)
class Tap:
    """Tap the button on screen whose value, label key, literal label or action is `what`."""

    what: str


Move = Event | Tap


@dataclass(frozen=True)
class Applicant:
    """What one prospect answers, and the fields of the lead that differ from the usual one."""

    first: str
    last: str
    gender: str
    birth: str
    cui: str
    phone: str
    email: str
    store: str
    nit: str
    expected: dict[str, Any]

    def moves(self) -> list[Move]:
        """The typical Spanish onboarding (see tests/conversation), then submit."""
        return [
            Start(),
            Tap("btn-use"),  # the Telegram profile's first name
            Tap("btn-use"),
            Tap(self.gender),
            Text(self.birth),
            Tap("casado"),
            Tap("btn-use"),  # Guatemala
            Text(self.cui),
            Text("31/12/2030"),
            Tap("btn-use"),  # Guatemala
            Contact(self.phone, True),
            Text(self.email),
            Text(self.store),
            Tap("btn-use"),  # same as the commercial name
            Text("Venta de abarrotes"),
            Text("5a. avenida 12-34, zona 1"),
            Text(self.nit),
            Tap("pequeno_contribuyente"),
            Tap("yes"),
            Tap("akisiQR"),
            Tap("td/tc"),
            Tap("done"),
            Tap("MIGO_LINK_USD"),
            Tap("no"),  # no optional details
            Tap("submit"),
        ]


APPLICANTS = [
    Applicant(
        "Ana Lucía", "López García", "F", "7 de marzo de 1990", "1234 56789 0101",
        "50255551234", "ana@example.com", "Tienda La Bendición", "576937-K",
        expected={},
    ),
    Applicant(
        "Bruno", "Pérez Xicará", "M", "15/08/1985", "3141 59266 0101",
        "50255552345", "bruno@example.com", "Abarrotería Bruno", "314159-4",
        expected={
            "gender": "M", "dateOfBirth": "1985-08-15", "cui": "3141592660101",
            "phone": "+50255552345", "commercialName": "Abarrotería Bruno",
            "businessName": "Abarrotería Bruno", "nit": "3141594",
        },
    ),
    Applicant(
        "Carla", "Ixchop", "F", "1 de enero de 2000", "2718 28188 0101",
        "50255553456", "carla@example.com", "Comedor Carla", "271828-6",
        expected={
            "dateOfBirth": "2000-01-01", "cui": "2718281880101", "phone": "+50255553456",
            "commercialName": "Comedor Carla", "businessName": "Comedor Carla",
            "nit": "2718286",
        },
    ),
]  # fmt: skip


@dataclass
class Prospect:
    """One chat whose every action goes to the next replica in turn, as a load balancer might."""

    chat_id: int
    applicant: Applicant
    replicas: Sequence[Conversations]
    turn: int
    screen: Reply | None = None
    replies: list[Reply] = field(default_factory=list)

    @property
    def origin(self) -> Origin:
        profile = {"profile_first": self.applicant.first, "profile_last": self.applicant.last}
        return Origin(lang="es", partner="migo-demo", profile=profile)

    async def play(self, move: Move) -> None:
        """Send one move to the replica whose turn it is."""
        replica = self.replicas[self.turn % len(self.replicas)]
        self.turn += 1
        event = self.tap(move.what) if isinstance(move, Tap) else move
        self.replies = await replica.run(self.chat_id, event, self.origin)
        for reply in self.replies:
            if reply.binding is not None:
                self.screen = reply

    def tap(self, what: str) -> Pick:
        screen = self.screen
        assert screen is not None and screen.binding, f"chat {self.chat_id}: no keyboard"
        for index, button in enumerate(screen.buttons):
            if what in {button.action, button.value, button.label.key, button.label.text}:
                return Pick(screen.binding, index)
        raise AssertionError(f"chat {self.chat_id}: no button {what!r} on {screen.key}")


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    """One in-process Leads API that both replicas submit to."""
    sandbox = Sandbox(token=SANDBOX_TOKEN)
    await sandbox.start("127.0.0.1", 0)
    try:
        yield sandbox
    finally:
        await sandbox.stop()


@pytest.fixture
async def replicas(
    cluster: Cluster, raw: RedisCluster, sandbox: Sandbox
) -> AsyncIterator[list[Conversations]]:
    """Two bot replicas wired as the console wires one, each with its own cluster store."""
    settings = Settings(_env_file=None, leads_api_url=sandbox.base_url, redis_url=cluster.url)
    made: list[Conversations] = []
    async with AsyncExitStack() as stack:
        for _ in range(2):
            http = build_http_client(settings)
            stack.push_async_callback(http.aclose)
            store = open_store(settings.redis_url, ttl_seconds=TTL, cluster=True)
            stack.push_async_callback(store.aclose)
            leads = LeadsApiClient(
                http, SecretStr(SANDBOX_TOKEN), tributax_partner_slug=settings.tributax_partner_slug
            )
            made.append(
                Conversations(
                    store,
                    leads,
                    catalogue=load_catalogue(settings.products_file),
                    tributax_partner=settings.tributax_partner_slug,
                    today=lambda: TODAY,
                )
            )
        yield made


async def test_complete_onboardings_alternating_between_two_replicas(
    cluster: Cluster, sandbox: Sandbox, replicas: list[Conversations]
) -> None:
    prospects = [
        Prospect(chat_id, applicant, replicas, turn=number)
        for number, (chat_id, applicant) in enumerate(zip(cluster.chats, APPLICANTS, strict=True))
    ]
    scripts = [prospect.applicant.moves() for prospect in prospects]

    # Round by round, every prospect makes its next move at once, each on its next replica.
    for round_moves in zip(*scripts, strict=True):
        await asyncio.gather(
            *(prospect.play(move) for prospect, move in zip(prospects, round_moves, strict=True))
        )

    assert await sandbox.store.count() == len(prospects)
    for prospect in prospects:
        assert [reply.key for reply in prospect.replies] == ["submit-sending", "submit-done"]
        code = prospect.replies[-1].args["code"]
        record = json.loads(await sandbox.store.record(code) or "null")
        applicant = prospect.applicant
        expected = {
            **EXPECTED_PAYLOAD,
            "firstName": applicant.first,
            "lastName": applicant.last,
            "email": applicant.email,
            **applicant.expected,
        }
        assert {name: record.get(name) for name in expected} == expected
        assert set(record) - set(expected) <= {
            "_id", "invitationCode", "createdAt", "hasRegime", "clientId", "payoutAccountNumber",
        }  # fmt: skip
        # Either replica finds what the other stored after the submission.
        for replica in replicas:
            assert await replica.linked_code(prospect.chat_id) == code
            session = await replica.current(prospect.chat_id)
            assert session is not None and session.code == code and session.answers == {}


async def test_hundreds_of_chats_at_once_on_one_replica_do_not_exhaust_a_node(
    stores: Callable[..., RedisSessionStore],
) -> None:
    store = stores()
    chat_ids = range(1, 601)  # about 200 per master, with every call in flight at once

    await asyncio.gather(*(write(store, chat_id, str(chat_id)) for chat_id in chat_ids))

    assert await asyncio.gather(*(store.peek(chat_id) for chat_id in chat_ids)) == [
        str(chat_id) for chat_id in chat_ids
    ]
