"""Keyed-hash pseudonyms for ``person_id`` (contract §5).

HMAC-SHA256 under a secret that never enters the database: the same raw id always gives the same pseudonym
under the same key, and without the key a pseudonym cannot be turned back into the id. The database records
only a fingerprint of the key so that an import under a different key can be refused.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from collections.abc import Iterable
from pathlib import Path

from erreview.config import Settings
from erreview.errors import ErreviewError

log = logging.getLogger(__name__)

#: Hex characters kept from the digest: 128 bits, far beyond any collision risk for a workforce.
PSEUDONYM_HEX = 32


class PseudonymKeyError(ErreviewError, RuntimeError):
    """The pseudonym key is missing, unreadable or too short."""


def load_or_create_key(settings: Settings) -> bytes:
    """The secret key: ``ERREVIEW_PSEUDONYM_KEY`` if set, else the key file (created on first use, 0600)."""
    if settings.pseudonym_key is not None:
        key = settings.pseudonym_key.get_secret_value().encode("utf-8")
        if len(key) < 16:
            raise PseudonymKeyError("ERREVIEW_PSEUDONYM_KEY must be at least 16 characters long")
        return key
    path = Path(settings.key_file).expanduser()
    if path.exists():
        key = path.read_bytes().strip()
        if len(key) < 16:
            raise PseudonymKeyError(f"the key file {path} holds fewer than 16 bytes; it looks damaged")
        return key
    if settings.mode == "production":
        raise PseudonymKeyError(
            f"no pseudonym key: production mode never creates one; set ERREVIEW_PSEUDONYM_KEY "
            f"or restore the key file {path}"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_EXCL: two processes creating the key at once must not end up with different keys.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return load_or_create_key(settings)
    with os.fdopen(fd, "wb") as fh:
        fh.write(secrets.token_hex(32).encode("ascii"))
    log.info("created a new pseudonym key file at %s", path)
    return path.read_bytes().strip()


def pseudonymise(raw_id: str, key: bytes) -> str:
    """The pseudonym of one raw identifier (whitespace around it is not part of the id)."""
    digest = hmac.new(key, raw_id.strip().encode("utf-8"), hashlib.sha256).hexdigest()
    return digest[:PSEUDONYM_HEX]


def pseudonymise_many(raw_ids: Iterable[str], key: bytes) -> list[str]:
    """:func:`pseudonymise` of each id, keying HMAC once and copying its state per id (twice as fast on
    the few hundred thousand distinct ids of a large workforce extract)."""
    keyed = hmac.new(key, digestmod=hashlib.sha256)
    out = []
    for raw_id in raw_ids:
        h = keyed.copy()
        h.update(raw_id.strip().encode("utf-8"))
        out.append(h.hexdigest()[:PSEUDONYM_HEX])
    return out


def key_fingerprint(key: bytes) -> str:
    """A public fingerprint of the key (a hash of a fixed label under the key), safe to store."""
    return hmac.new(key, b"erreview key fingerprint v1", hashlib.sha256).hexdigest()[:16]
