"""Bot API requests over aiohttp's client, in place of PTB's default (httpx).

With several updates handled side by side, httpx keeps several connections open, and
httpcore looks over every one of them, with a system call each, on every request and every
response: on loopback that costs more than the request itself. aiohttp's connector keeps
idle connections in a queue and takes the newest, so a request costs the same however many
connections are open. aiohttp is here already (the webhook server).

The behaviour PTB relies on is kept: the same default timeouts (5 s to connect and for each
read, 1 s more to wait for a free connection, 20 s to upload a file), 256 connections for
sends, `TimedOut` for a timeout, `NetworkError` for anything else that stops a request;
proxies from the environment, as httpx reads them.
"""

from __future__ import annotations

import urllib.request
from urllib.parse import urlencode, urlsplit

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData
from yarl import URL

DEFAULT_TIMEOUT_S = 5.0
POOL_TIMEOUT_S = 1.0
MEDIA_WRITE_TIMEOUT_S = 20.0
_FORM = {"Content-Type": "application/x-www-form-urlencoded"}


class AiohttpRequest(BaseRequest):
    def __init__(
        self,
        connection_pool_size: int = 256,
        *,
        read_timeout: float | None = DEFAULT_TIMEOUT_S,
        write_timeout: float | None = DEFAULT_TIMEOUT_S,
        connect_timeout: float | None = DEFAULT_TIMEOUT_S,
        pool_timeout: float | None = POOL_TIMEOUT_S,
        media_write_timeout: float | None = MEDIA_WRITE_TIMEOUT_S,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[str, tuple[str | None, aiohttp.BasicAuth | None]] = {}

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size, limit_per_host=0)
            self._session = aiohttp.ClientSession(
                connector=connector,
                headers={"User-Agent": self.USER_AGENT},
            )
            self._proxies = {}

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files, fields = None, None
        if request_data is not None:
            fields = request_data.json_parameters
            files = request_data.multipart_data if request_data.contains_files else None
        read = _given(read_timeout, self._read_timeout)
        write = _given(write_timeout, self._media_write_timeout if files else self._write_timeout)
        connect = _given(connect_timeout, self._connect_timeout)
        pool = _given(pool_timeout, self._pool_timeout)
        data: aiohttp.FormData | bytes | None = None
        headers = None
        if fields and not files:  # encoded here: aiohttp's FormData costs more than the request
            data = urlencode(fields).encode()
            headers = _FORM
        elif files:
            form = aiohttp.FormData(quote_fields=False)
            for name, value in (fields or {}).items():
                form.add_field(name, value)
            for name, part in files.items():
                filename, content, *mimetype = part if isinstance(part, tuple) else (None, part)
                form.add_field(
                    name,
                    content,
                    filename=filename,
                    content_type=mimetype[0] if mimetype else None,
                )
            data = form
        timeout = aiohttp.ClientTimeout(
            # aiohttp times a whole upload instead of each write, as httpx does.
            total=read + write + (connect or 0) if files and read and write else None,
            connect=None if pool is None or connect is None else pool + connect,
            sock_connect=connect,
            sock_read=read,
        )
        try:
            proxy, proxy_auth = self._proxy_for(url)
            async with self._session.request(
                method,
                url,
                data=data,
                headers=headers,
                timeout=timeout,
                proxy=proxy,
                proxy_auth=proxy_auth,
            ) as response:
                return response.status, await response.read()
        except TimeoutError as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc

    def _proxy_for(self, url: str) -> tuple[str | None, aiohttp.BasicAuth | None]:
        """The proxy the environment names for `url` (HTTPS_PROXY, NO_PROXY ...), as httpx
        reads it; looked up once per server, where aiohttp's `trust_env` looks on every
        request, in a thread."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._proxies:
            found = None
            if not (parts.hostname and urllib.request.proxy_bypass(parts.hostname)):
                found = urllib.request.getproxies().get(parts.scheme)
            if found:
                proxy = URL(found)
                self._proxies[origin] = (
                    str(proxy.with_user(None)),
                    aiohttp.BasicAuth.from_url(proxy),
                )
            else:
                self._proxies[origin] = (None, None)
        return self._proxies[origin]


def _given(value: object, default: float | None) -> float | None:
    """A timeout PTB was not given is `BaseRequest.DEFAULT_NONE` (the test its docs name)."""
    return default if value is BaseRequest.DEFAULT_NONE else value  # type: ignore[return-value]
