"""A small HTTP POST over ``http.client`` that can connect to an address checked beforehand.

Webhooks resolve the receiver's host, check every address (``webhook.check_public_url``),
then must connect to one of *those* addresses: letting the HTTP client resolve the name
again would let a DNS answer that changed in between (DNS rebinding) reach an internal
address. For HTTPS the TLS handshake still checks the certificate against the host name.
"""

import http.client
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Response:
    """Status and (truncated) body of an HTTP response."""

    status: int
    body: bytes


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        context: ssl.SSLContext = self._context  # type: ignore[attr-defined]  # HTTPSConnection's
        self.sock = context.wrap_socket(sock, server_hostname=self.host)


def post(
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    timeout_s: float,
    address: str | None = None,
    max_body_bytes: int = 65_536,
) -> Response:
    """POST ``body`` to ``url``, connecting to ``address`` when given; no redirects followed."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    is_https = parts.scheme == "https"
    port = parts.port or (443 if is_https else 80)
    connection: http.client.HTTPConnection
    if is_https:
        connection = (
            _PinnedHTTPSConnection(host, port, address=address, timeout=timeout_s)
            if address
            else http.client.HTTPSConnection(host, port, timeout=timeout_s)
        )
    else:
        connection = http.client.HTTPConnection(address or host, port, timeout=timeout_s)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    host_header = host if parts.port is None else f"{host}:{parts.port}"
    try:
        connection.request("POST", path, body=body, headers={"Host": host_header, **headers})
        response = connection.getresponse()
        return Response(response.status, response.read(max_body_bytes))
    finally:
        connection.close()
