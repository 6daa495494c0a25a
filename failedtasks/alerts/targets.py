"""Where webhooks may go: only http(s), and only to public addresses unless listed.

A rule's URL is checked when the rule is created and again before every
delivery, after resolving its host: every address the name resolves to must
be allowed, and the delivery connects to one of those checked addresses
(never resolving again), so a name that changes its answer between the check
and the connection (DNS rebinding) cannot steer it inside.

Allowed: public (globally routable, not multicast) addresses, including the
IPv4 address inside an IPv4-mapped, 6to4, Teredo or NAT64 IPv6 address; and
any host name, address or network listed in ALERT_WEBHOOK_ALLOWED_HOSTS.
Refused: loopback, private, link-local (cloud metadata at 169.254.169.254),
shared, reserved, unspecified and multicast addresses.
"""

import ipaddress
import socket
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from failedtasks.alerts.models import FailureReason

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
NAT64 = ipaddress.ip_network("64:ff9b::/96")
MAX_URL_LENGTH = 2000

# getaddrinfo has no timeout of its own; a few threads let a hung resolver be
# abandoned after the delivery timeout instead of holding up the worker.
_resolvers = ThreadPoolExecutor(max_workers=4, thread_name_prefix="alerts-resolve")


class TargetRefused(Exception):
    """Not a place to deliver to. `message` is for people; `reason` and `detail` for the log."""

    def __init__(self, reason: str, message, detail: str = ""):
        super().__init__(detail or str(message))
        self.reason, self.message, self.detail = reason, message, detail


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # lower case, IDNA-encoded, IPv6 without brackets
    port: int
    path: str  # path and query, at least "/"

    @property
    def is_ip_literal(self) -> bool:
        return _ip(self.host) is not None


def parse_target(url: str) -> Target:
    """The URL's parts, or TargetRefused for anything but a plain http(s) URL."""
    url = (url or "").strip()
    if len(url) > MAX_URL_LENGTH:
        raise TargetRefused(FailureReason.URL, _("The URL is too long."))
    try:
        parts = urlsplit(url)
        port = parts.port
        host = parts.hostname or ""
    except ValueError:
        raise TargetRefused(FailureReason.URL, _("Enter a valid URL."))
    if parts.scheme not in ("http", "https"):
        raise TargetRefused(FailureReason.URL, _("Only http:// and https:// URLs are allowed."))
    if not host:
        raise TargetRefused(FailureReason.URL, _("Enter a valid URL."))
    if parts.username is not None or parts.password is not None:
        raise TargetRefused(
            FailureReason.URL,
            _("The URL must not contain a user name or password: the signature authenticates "
              "deliveries."),
        )
    if any(ord(c) < 33 or ord(c) == 127 for c in url):
        raise TargetRefused(FailureReason.URL, _("Enter a valid URL."))
    if _ip(host) is None:
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise TargetRefused(FailureReason.URL, _("Enter a valid URL."))
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    default_port = 443 if parts.scheme == "https" else 80
    return Target(parts.scheme, host.lower(), port or default_port, path)


def _ip(text: str) -> Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def is_public(address: Address) -> bool:
    if address.version == 6:
        embedded = [address.ipv4_mapped, address.sixtofour, (address.teredo or (None, None))[1]]
        if address in NAT64:
            embedded.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
        if any(inner is not None and not is_public(inner) for inner in embedded):
            return False
    return address.is_global and not address.is_multicast


def _listed_host(host: str) -> bool:
    return host in settings.ALERT_WEBHOOK_ALLOWED_HOSTS


def _listed_address(address: Address) -> bool:
    for entry in settings.ALERT_WEBHOOK_ALLOWED_HOSTS:
        if "/" in entry:
            network = ipaddress.ip_network(entry, strict=False)
            if address.version == network.version and address in network:
                return True
        elif _ip(entry) == address:
            return True
    return False


def resolve(target: Target, timeout: float) -> list[str]:
    """The target's addresses, in the resolver's order, each once."""
    literal = _ip(target.host)
    if literal is not None:
        return [str(literal)]
    future = _resolvers.submit(socket.getaddrinfo, target.host, target.port,
                               type=socket.SOCK_STREAM)
    try:
        infos = future.result(timeout=timeout)
    except FutureTimeout:
        raise TargetRefused(FailureReason.DNS, _("The host name could not be resolved."),
                            f"no answer for {target.host} within {timeout:g} s")
    except (OSError, UnicodeError) as error:
        raise TargetRefused(FailureReason.DNS, _("The host name could not be resolved."),
                            f"{target.host}: {error}"[:255])
    addresses = []
    for _family, _type, _proto, _name, sockaddr in infos:
        address = sockaddr[0].split("%", 1)[0]  # an IPv6 zone is not part of the address
        if address not in addresses:
            addresses.append(address)
    return addresses


Resolver = Callable[[Target, float], list[str]]


def checked_addresses(target: Target, *, resolver: Resolver | None = None,
                      timeout: float | None = None) -> list[str]:
    """Resolve the target and check every address; the addresses to connect to.

    A host listed by name is trusted whatever it resolves to. Otherwise one
    refused address refuses the target: a name with a public and a private
    address is a name someone can point inside.
    """
    timeout = timeout or settings.ALERT_WEBHOOK_TIMEOUT_SECONDS
    addresses = (resolver or resolve)(target, timeout)
    if not addresses:
        raise TargetRefused(FailureReason.DNS, _("The host name could not be resolved."),
                            target.host)
    if _listed_host(target.host):
        return addresses
    for text in addresses:
        address = _ip(text)
        if address is None or not (is_public(address) or _listed_address(address)):
            raise TargetRefused(
                FailureReason.ADDRESS,
                _("%(host)s is a loopback, private, link-local or otherwise non-public address, "
                  "which webhooks may only reach when ALERT_WEBHOOK_ALLOWED_HOSTS lists it.")
                % {"host": text},
                f"{target.host} resolves to {text}"[:255] if text != target.host else text,
            )
    return addresses


def check_url(url: str, *, resolver: Resolver | None = None) -> Target:
    """The whole check a rule's URL gets when it is created: parse, resolve, check."""
    target = parse_target(url)
    checked_addresses(target, resolver=resolver)
    return target
