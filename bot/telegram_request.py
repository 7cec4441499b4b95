"""PTB's Bot API requests over aiohttp: HTTPXRequest's contract for a fraction of its CPU.

`BaseRequest` maps HTTP statuses and Bot API errors to PTB's exceptions (BadRequest, Forbidden,
RetryAfter, …); a request class only moves bytes and turns transport failures into TimedOut or
NetworkError. docs/performance.md has the measurements that chose it.
"""

from __future__ import annotations

import asyncio
import logging

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

_log = logging.getLogger(__name__)
# Closing idle connections takes milliseconds; longer, and shutdown goes on without them.
CLOSE_SECONDS = 2.0


class AiohttpRequest(BaseRequest):
    """One aiohttp session with a bounded connection pool; timeouts as HTTPXRequest's."""

    __slots__ = ("_connect", "_media_write", "_pool", "_pool_size", "_read", "_session", "_write")

    def __init__(
        self,
        connection_pool_size: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._media_write = media_write_timeout
        self._read = read_timeout
        self._write = write_timeout
        self._connect = connect_timeout
        self._pool = pool_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout; PTB adds getUpdates' long-poll timeout to it."""
        return self._read

    async def initialize(self) -> None:
        """Open the session (it needs the running loop)."""
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size, ttl_dns_cache=300)
            self._session = aiohttp.ClientSession(
                connector=connector, headers={"User-Agent": self.USER_AGENT}
            )

    async def shutdown(self) -> None:
        """Close the session and its connections (bounded: a hung close must not block exit)."""
        if self._session is not None and not self._session.closed:
            try:
                async with asyncio.timeout(CLOSE_SECONDS):
                    await self._session.close()
            except TimeoutError:
                _log.warning("Bot API connections not closed within %s s; left", CLOSE_SECONDS)

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Send one request; the HTTP status and the body as received."""
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        read = self._read if isinstance(read_timeout, DefaultValue) else read_timeout
        uploads = request_data is not None and request_data.contains_files
        default_write = self._media_write if uploads else self._write
        write = default_write if isinstance(write_timeout, DefaultValue) else write_timeout
        connect = self._connect if isinstance(connect_timeout, DefaultValue) else connect_timeout
        pool = self._pool if isinstance(pool_timeout, DefaultValue) else pool_timeout
        timeout = aiohttp.ClientTimeout(
            # aiohttp's `connect` includes the wait for a free pooled connection.
            connect=_sum(pool, connect),
            sock_connect=connect,
            sock_read=read,
            # aiohttp has no write timeout: a bound on the whole request keeps a stalled
            # upload from hanging for ever.
            total=_sum(pool, connect, write, read),
        )
        data, headers = _body(request_data)
        try:
            async with session.request(
                method, url, data=data, headers=headers, timeout=timeout
            ) as response:
                return response.status, await response.read()
        except TimeoutError as error:
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: {error}") from error


def _sum(*timeouts: float | None) -> float | None:
    """The sum of the parts, or None (no limit) when any part is unlimited."""
    if any(timeout is None for timeout in timeouts):
        return None
    return sum(timeout for timeout in timeouts if timeout is not None)


_JSON = {"Content-Type": "application/json"}


def _body(
    request_data: RequestData | None,
) -> tuple[aiohttp.FormData | bytes | None, dict[str, str] | None]:
    """A JSON body (the Bot API reads one; cheaper than a form), multipart for uploads."""
    if request_data is None:
        return None, None
    if not request_data.contains_files:
        return request_data.json_payload, _JSON
    form = aiohttp.FormData()
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in request_data.multipart_data.items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form, None
