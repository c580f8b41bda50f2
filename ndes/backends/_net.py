"""What the built-in backends share about reaching a server: the TLS context `verify=` asks
for, and the proxy a URL goes through (an explicit `proxy=`, else the environment's
HTTPS_PROXY/HTTP_PROXY/ALL_PROXY minus NO_PROXY, as requests reads them)."""

from __future__ import annotations

import base64
import os
import ssl
from typing import NamedTuple
from urllib.parse import unquote, urlsplit


def ssl_context(verify: bool | str) -> ssl.SSLContext | None:
    """None for the system's default; an unverified context for False; for a path, a context
    that trusts the CA bundle (a file) or CA directory there, e.g. an inspecting proxy's CA."""
    if verify is True:
        return None
    if verify is False:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    if not isinstance(verify, (str, os.PathLike)):
        raise TypeError("verify is True, False or the path of a CA bundle")
    try:
        if os.path.isdir(verify):
            return ssl.create_default_context(capath=verify)
        return ssl.create_default_context(cafile=verify)
    except (OSError, ssl.SSLError) as exc:
        raise ValueError(f"verify={verify!r}: cannot load a CA bundle from it: {exc}") from exc


class Proxy(NamedTuple):
    host: str
    port: int
    #: Proxy-Authorization and the like, from the user info of the proxy URL.
    headers: dict[str, str]


def parse_proxy(url: str) -> Proxy:
    """An http:// proxy URL (`http://user:password@host:port`); CONNECT carries HTTPS."""
    parts = urlsplit(url if "://" in url else "http://" + url)
    if parts.scheme != "http" or not parts.hostname:
        raise ValueError(f"proxy {url!r}: only http:// proxies are supported")
    try:
        port = parts.port or 80
    except ValueError as exc:
        raise ValueError(f"proxy {url!r}: {exc}") from exc
    headers = {}
    if parts.username is not None:
        pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
        headers["Proxy-Authorization"] = "Basic " + base64.b64encode(pair).decode()
    return Proxy(parts.hostname, port, headers)


class ProxyChoice:
    """Which proxy, if any, a (scheme, host, port) goes through; fixed when made."""

    def __init__(self, proxy: str | None) -> None:
        self._explicit = parse_proxy(proxy) if proxy else None
        self._environment = {} if proxy else _environment_proxies()
        self._parsed: dict[str, Proxy] = {}

    def for_origin(self, scheme: str, host: str, port: int) -> Proxy | None:
        if self._explicit is not None:
            return self._explicit
        env = self._environment
        url = env.get(scheme) or env.get("all")
        import urllib.request

        bypass = urllib.request.proxy_bypass_environment  # type: ignore[attr-defined]
        if not url or bypass(f"{host}:{port}", env):
            return None
        if url not in self._parsed:
            self._parsed[url] = parse_proxy(url)
        return self._parsed[url]


def _environment_proxies() -> dict[str, str]:
    """urllib's reading of the *_proxy variables; urllib.request (which imports tempfile,
    shutil, hashlib, bz2 and lzma) is loaded only when one is set."""
    if not any(name.lower().endswith("_proxy") for name in os.environ):
        return {}
    import urllib.request

    return urllib.request.getproxies_environment()
