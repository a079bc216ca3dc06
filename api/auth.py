"""API keys, roles and region scopes.

A key is 32 random bytes (``secrets``), shown once as ``lt_`` + URL-safe base64; the store
keeps only its SHA-256 digest, and a presented key is found by its digest and compared in
constant time (:func:`hmac.compare_digest`). Roles:

* ``reader`` reads (needed only when the service requires a key for reads);
* ``officer`` issues and withdraws decisions for the regions of its scope: a province scope
  covers its cities and counties, a city scope its counties (the region set's ``parent``
  links); no scope covers every region;
* ``coordinator`` issues and withdraws the regional notices of its key region (scope);
* ``admin`` may do everything, including reading the audit.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import math
import re
import secrets
import threading
import time
from collections.abc import Mapping

from api.store import DecisionStore

__all__ = [
    "KEY_PREFIX",
    "ROLES",
    "Principal",
    "RateLimiter",
    "authenticate",
    "covers",
    "create_key",
    "digest",
    "check_scope_syntax",
]

ROLES = ("reader", "officer", "coordinator", "admin")
KEY_PREFIX = "lt_"
_SCOPE = re.compile(r"^(\d{6}|[a-z]{2,16})$")


@dataclasses.dataclass(frozen=True)
class Principal:
    """Who sent a request: the key's id, name, role and scope (None: unrestricted)."""

    id: int
    name: str
    role: str
    scope: str | None

    @property
    def label(self) -> str:
        scope = f" of {self.scope}" if self.scope else ""
        return f"{self.name} (key {self.id}, {self.role}{scope})"


def digest(key: str) -> str:
    """SHA-256 of a key, hex."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def check_scope_syntax(scope: str | None) -> None:
    """A scope is a six-digit region code or a key region id (``jjj``); ValueError otherwise."""
    if scope is not None and not _SCOPE.match(scope):
        raise ValueError(
            f"scope {scope!r} is neither a six-digit region code nor a key region id such as jjj"
        )


def create_key(store: DecisionStore, role: str, scope: str | None, name: str) -> tuple[int, str]:
    """A new key of ``role`` over ``scope``: (id, the key). The key is not stored."""
    if role not in ROLES:
        raise ValueError(f"role {role!r} is not one of {', '.join(ROLES)}")
    check_scope_syntax(scope)
    if role == "coordinator" and scope is None:
        raise ValueError("a coordinator key needs --scope: the key region it coordinates (jjj)")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    return store.add_key(name, role, scope, digest(key)), key


def authenticate(store: DecisionStore, key: str) -> Principal | None:
    """The principal of a presented key, or None when unknown or revoked."""
    wanted = digest(key)
    row = store.key_by_digest(wanted)
    if row is None or not hmac.compare_digest(row["hash"], wanted) or row["revoked"]:
        return None
    return Principal(row["id"], row["name"], row["role"], row["scope"])


def covers(scope: str | None, code: str, parents: Mapping[str, str | None]) -> bool:
    """Whether ``scope`` includes region ``code``, walking the ``parent`` links upwards."""
    if scope is None:
        return True
    seen: set[str] = set()
    current: str | None = code
    while current is not None and current not in seen:
        if current == scope:
            return True
        seen.add(current)
        current = parents.get(current)
    return False


class RateLimiter:
    """A token bucket per key (per process): ``rate`` requests per second, ``burst`` at once."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, burst
        self._buckets: dict[int, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def wait(self, key_id: int) -> int:
        """0 if the request may go now, else the seconds to wait (for ``Retry-After``)."""
        if self.rate <= 0:
            return 0
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key_id, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            if tokens >= 1:
                self._buckets[key_id] = (tokens - 1, now)
                return 0
            self._buckets[key_id] = (tokens, now)
            return max(1, math.ceil((1 - tokens) / self.rate))
