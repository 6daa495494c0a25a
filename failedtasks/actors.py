"""Who acts on failed tasks, and through which door: what a deletion's audit records.

An Actor is built where a request or a command arrives (the console views, the
API faces, the admin, the management commands) and handed to failedtasks.services,
which change things and never read a request themselves.
"""

from dataclasses import dataclass
from typing import Any

from console.identity.client_address import client_address
from console.identity.models import Channel


@dataclass(frozen=True)
class Actor:
    """Who asks for a change (a user, or None for the system), through which channel,
    from which address."""

    user: Any
    channel: str = Channel.CONSOLE
    remote_addr: str | None = None

    @classmethod
    def from_request(cls, request, channel: str = Channel.CONSOLE) -> "Actor":
        return cls(user=request.user, channel=channel, remote_addr=client_address(request))

    @property
    def name(self) -> str:
        return getattr(self.user, "username", "") or "system"
