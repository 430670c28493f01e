"""Digests of file contents and cache keys: BLAKE2b, 128 bits.

Importing `hashlib` loads OpenSSL's libcrypto (3 to 14 ms here, up to a twentieth of a one-file run)
for algorithms tslint does not use; BLAKE2 is built into CPython as `_blake2`, which is where
`hashlib.blake2b` comes from.
"""

from __future__ import annotations

try:
    from _blake2 import blake2b
except ImportError:  # a Python built without it
    from hashlib import blake2b


def digest(data: bytes) -> str:
    return blake2b(data, digest_size=16).hexdigest()


def hasher():
    """An incremental digest: `.update(bytes)`, then `.hexdigest()`."""
    return blake2b(digest_size=16)
