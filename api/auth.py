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
import fcntl
import hashlib
import hmac
import logging
import math
import mmap
import os
import re
import secrets
import struct
import threading
import time
from collections.abc import Mapping
from pathlib import Path

from api.store import DecisionStore

__all__ = [
    "KEY_CACHE_SECONDS",
    "KEY_PREFIX",
    "ROLES",
    "Principal",
    "RateLimiter",
    "authenticate",
    "cached_principal",
    "covers",
    "create_key",
    "check_scope_syntax",
    "digest",
    "rate_limit_file",
]

log = logging.getLogger(__name__)

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


KEY_CACHE_SECONDS = 60.0
"""How long a process keeps a key it looked up [s], while no key is created or revoked."""

_KEY_CACHE_SIZE = 4096


def cached_principal(store: DecisionStore, key: str) -> Principal | None:
    """The principal of a key looked up lately, if no key has been created or revoked since
    (one read of the store's key counter, cheap enough for the event loop); else None."""
    hit = store.key_cache.get(digest(key))
    if hit is None or time.monotonic() - hit[2] > KEY_CACHE_SECONDS:
        return None
    return hit[0] if hit[1] == store.keys_generation() else None  # type: ignore[no-any-return]


def authenticate(store: DecisionStore, key: str) -> Principal | None:
    """The principal of a presented key, or None when unknown or revoked.

    Kept in ``store.key_cache`` with the store's key counter read before the look-up, so a
    revocation in any process (which moves the counter) is seen by the next request.
    """
    wanted = digest(key)
    principal = cached_principal(store, key)
    if principal is not None:
        return principal
    generation = store.keys_generation()
    row = store.key_by_digest(wanted)
    if row is None or not hmac.compare_digest(row["hash"], wanted) or row["revoked"]:
        store.key_cache.pop(wanted, None)
        return None
    principal = Principal(row["id"], row["name"], row["role"], row["scope"])
    if len(store.key_cache) >= _KEY_CACHE_SIZE:
        store.key_cache.clear()
    store.key_cache[wanted] = (principal, generation, time.monotonic())
    return principal


def rate_limit_file(db: Path) -> Path:
    """The rate limiter's shared buckets: a file beside the decision store ``db``."""
    return Path(f"{db}-ratelimit")


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
    """A token bucket per key: ``rate`` requests per second, ``burst`` at once.

    With ``shared`` (a file path), the buckets live in that file, mapped in memory and locked
    (``fcntl``) around each update, so every ``serve --workers`` process on the machine draws
    from the same bucket: a key gets ``rate`` per second in all, whichever worker its
    connections reach. Each of :data:`SLOTS` slots holds one bucket (tokens, time); key ``i``
    uses slot ``i mod SLOTS``. Without ``shared``: per process (tests, one worker).
    """

    SLOTS = 65536
    _SLOT = struct.Struct("dd")  # tokens [1], last refill [s, CLOCK_MONOTONIC: one per machine]

    def __init__(self, rate: float, burst: int, shared: Path | None = None) -> None:
        self.rate, self.burst = rate, burst
        self._buckets: dict[int, tuple[float, float]] = {}
        self._lock = threading.Lock()
        self.shared = shared
        self._file: mmap.mmap | None = None
        self._fd = -1

    def _open(self) -> None:
        """Map the shared file (at the first keyed request); per process if it cannot be."""
        path, self.shared = self.shared, None
        if path is None:
            return
        size = self.SLOTS * self._SLOT.size
        try:
            self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            if os.fstat(self._fd).st_size < size:
                os.ftruncate(self._fd, size)  # sparse; zeros read as a new bucket
            self._file = mmap.mmap(self._fd, size)
        except OSError as error:
            log.warning("rate limit per worker process: %s cannot be shared (%s)", path.name, error)

    def wait(self, key_id: int) -> int:
        """0 if the request may go now, else the seconds to wait (for ``Retry-After``)."""
        if self.rate <= 0:
            return 0
        now = time.monotonic()
        with self._lock:
            if self.shared is not None:
                self._open()
            if self._file is None:
                tokens, last = self._buckets.get(key_id, (float(self.burst), now))
                tokens, wait = self._take(tokens, last, now)
                self._buckets[key_id] = (tokens, now)
                return wait
            offset = (key_id % self.SLOTS) * self._SLOT.size
            fcntl.lockf(self._fd, fcntl.LOCK_EX, self._SLOT.size, offset)
            try:
                tokens, last = self._SLOT.unpack_from(self._file, offset)
                if last <= 0 or last > now:  # a new bucket, or one from before a reboot
                    tokens, last = float(self.burst), now
                tokens, wait = self._take(tokens, last, now)
                self._SLOT.pack_into(self._file, offset, tokens, now)
            finally:
                fcntl.lockf(self._fd, fcntl.LOCK_UN, self._SLOT.size, offset)
            return wait

    def _take(self, tokens: float, last: float, now: float) -> tuple[float, int]:
        """Tokens left after refilling since ``last`` and taking one if there is one; the wait."""
        tokens = min(float(self.burst), tokens + (now - last) * self.rate)
        if tokens >= 1:
            return tokens - 1, 0
        return tokens, max(1, math.ceil((1 - tokens) / self.rate))
