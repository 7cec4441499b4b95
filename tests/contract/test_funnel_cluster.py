"""The funnel on a real 3-master Redis Cluster: two replicas, chats on every master."""

from __future__ import annotations

import asyncio

from pydantic import SecretStr
from redis.asyncio.cluster import RedisCluster

from bot.conversation import Conversations, Origin
from bot.funnel import RedisFunnel
from bot.leads_api import LeadsApiClient
from bot.store import RedisSessionStore
from flows.catalogue import Catalogue
from flows.events import Start, Text
from tests.contract.test_store_cluster import Cluster, cluster, raw

__all__ = ["cluster", "raw"]

TTL = 2
ORIGIN = Origin(lang="es", partner="migo-gt")


async def test_replicas_share_one_funnel_and_sweep_each_expired_chat_once(
    cluster: Cluster, raw: RedisCluster
) -> None:
    stores = [RedisSessionStore.from_url(cluster.url, ttl_seconds=TTL, cluster=True) for _ in "ab"]
    funnels = [RedisFunnel.from_url(cluster.url, ttl_seconds=TTL, cluster=True) for _ in "ab"]
    leads = LeadsApiClient(None, SecretStr("t"))  # type: ignore[arg-type]
    replicas = [
        Conversations(store, leads, catalogue=Catalogue(), tributax_partner="t", funnel=funnel)
        for store, funnel in zip(stores, funnels, strict=True)
    ]
    try:
        # Each chat's events alternate between the replicas; the chats live on every master.
        for chat_id in cluster.chats:
            for number, event in enumerate([Start(), Text("Ana"), Text("12345")]):
                await replicas[number % 2].run(chat_id, event, ORIGIN)
        chats = len(cluster.chats)
        counts = await funnels[0].counts()
        assert counts == {
            "reached:firstName": chats,
            "answered:firstName": chats,
            "reached:lastName": chats,
            "invalid:lastName": chats,
        }
        await asyncio.sleep(TTL + 0.3)
        swept = await asyncio.gather(*(funnel.sweep() for funnel in funnels))
        counted = [field for fields in swept for field in fields]
        assert counted == ["abandoned:lastName"] * chats
        assert (await funnels[1].counts())["abandoned:lastName"] == chats
    finally:
        for store, funnel in zip(stores, funnels, strict=True):
            await funnel.aclose()
            await store.aclose()
