"""Files named on the command line: user-data documents and public keys (``-`` is standard input).

>>> public_keys([], "--root-key")
[]
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from collections.abc import Sequence

from normalizer.cli.runtime import UsageError

__all__ = ["DEFAULT_KEY_FILES", "default_key_file", "public_keys", "read_text"]

#: Public keys ``server create`` uses when neither --key-file nor --key-name is given, in order.
DEFAULT_KEY_FILES = ("~/.ssh/id_ed25519.pub", "~/.ssh/id_ecdsa.pub", "~/.ssh/id_rsa.pub")


def read_text(path: str, option: str) -> str:
    """The text of a file named by an option (``-`` is standard input); a usage error when unreadable.

    >>> read_text("/nonexistent/key.pub", "--key-file")
    Traceback (most recent call last):
    ...
    normalizer.cli.runtime.UsageError: cannot read --key-file /nonexistent/key.pub: No such file or directory
    """
    if path == "-":
        return sys.stdin.read()
    try:
        return Path(path).expanduser().read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise UsageError(f"cannot read {option} {path}: {reason}") from None


def public_keys(paths: Sequence[str], option: str) -> list[str]:
    """Every public key line in these files (authorized_keys style: blank lines and # comments skipped).

    >>> public_keys([], "--root-key")
    []
    """
    keys = []
    for path in paths:
        lines = [line.strip() for line in read_text(path, option).splitlines()]
        found = [line for line in lines if line and not line.startswith("#")]
        if not found:
            raise UsageError(f"{option} {path} holds no public key")
        keys += found
    return keys


def default_key_file() -> str | None:
    """The first of ``~/.ssh/id_ed25519.pub``, ``id_ecdsa.pub``, ``id_rsa.pub`` that exists, or None.

    >>> default_key_file() is None or default_key_file().endswith(".pub")
    True
    """
    for candidate in DEFAULT_KEY_FILES:
        path = os.path.expanduser(candidate)
        if os.path.isfile(path):
            return path
    return None
