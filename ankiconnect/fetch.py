"""Download a file for storeMediaFile's "url", without becoming a proxy into the network.

Django-free. Only hosts on an allowlist are fetched; every address a host
resolves to must be public (no loopback, private, link-local, shared, multicast
or reserved address), and the connection goes to the address that was checked,
so a second DNS answer cannot swap in a private one. Redirects are followed by
hand, a few at most, and each hop is checked again. The body is read up to a
size cap.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from urllib.parse import urljoin, urlsplit

REDIRECTS = {301, 302, 303, 307, 308}
_CHUNK = 64 * 1024


class FetchError(Exception):
    """Why a download was refused or failed; the message is shown to the client."""


def host_allowed(host: str, allowlist: list[str]) -> bool:
    """`example.org` allows that host; `*.example.org` its subdomains (and itself)."""
    host = host.lower().rstrip(".")
    for entry in allowlist:
        entry = entry.strip().lower().rstrip(".")
        if not entry:
            continue
        if entry.startswith("*."):
            base = entry[2:]
            if host == base or host.endswith("." + base):
                return True
        elif host == entry:
            return True
    return False


def is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (
        ip.is_multicast
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_private
        or ip.is_reserved
        or ip.is_unspecified
    )


def resolve_addresses(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def public_address_for(host: str, port: int) -> str:
    """An address to connect to; refused if any address the name has is not public."""
    try:
        addresses = resolve_addresses(host, port)
    except (OSError, UnicodeError) as exc:
        raise FetchError(f"cannot resolve {host}: {exc}") from None
    if not addresses:
        raise FetchError(f"cannot resolve {host}")
    for address in addresses:
        if not is_public_address(address):
            raise FetchError(f"{host} resolves to a private or local address; refused")
    return addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        self._tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self._tls)
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._tls.wrap_socket(sock, server_hostname=self.host)


def fetch_url(
    url: str,
    *,
    allowlist: list[str],
    max_bytes: int,
    timeout: float = 10.0,
    max_redirects: int = 3,
) -> bytes:
    if not allowlist:
        raise FetchError(
            "downloading media from a url is turned off on this server "
            '(ANKICONNECT_MEDIA_URL_ALLOWLIST is empty); send the file as base64 "data"'
        )
    for _hop in range(max_redirects + 1):
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise FetchError(f"cannot download {url!r}: only http and https urls are accepted")
        if parts.username or parts.password:
            raise FetchError("urls with a user name or password are not accepted")
        host = parts.hostname
        if not host_allowed(host, allowlist):
            raise FetchError(
                f"downloads from {host} are not allowed on this server "
                "(ANKICONNECT_MEDIA_URL_ALLOWLIST)"
            )
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise FetchError(f"cannot download {url!r}: bad port") from None
        address = public_address_for(host, port)
        connection_class = (
            _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
        )
        connection = connection_class(host, port, address=address, timeout=timeout)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            connection.request("GET", target, headers={"User-Agent": "Deckhand", "Accept": "*/*"})
            response = connection.getresponse()
            if response.status in REDIRECTS:
                location = response.getheader("Location")
                if not location:
                    raise FetchError(f"{url} redirected without a location")
                url = urljoin(url, location)
                continue
            if response.status != 200:
                raise FetchError(f"{url} download failed with return code {response.status}")
            declared = response.getheader("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise FetchError(_too_large(max_bytes))
            chunks = []
            size = 0
            while chunk := response.read(_CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise FetchError(_too_large(max_bytes))
                chunks.append(chunk)
            return b"".join(chunks)
        except (OSError, http.client.HTTPException) as exc:
            raise FetchError(f"{url} download failed: {exc}") from None
        finally:
            connection.close()
    raise FetchError(f"{url} redirected too many times")


def _too_large(max_bytes: int) -> str:
    return f"that file is larger than the {max_bytes // (1024 * 1024)} MB limit"
