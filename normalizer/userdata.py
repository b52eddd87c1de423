"""Cloud-init user-data for provisioning step 7: our keys for root, password login off.

Three pure functions (no I/O, no clock; the same inputs always give the same text):

* :func:`root_access` writes a ``#cloud-config`` document that installs SSH public keys
  for root (or for a named login user with passwordless sudo, on images whose policy
  forbids root login) and switches sshd's password authentication off;
* :func:`merge_user_data` combines it with the caller's own user-data: one part is
  returned unchanged, several become one ``multipart/mixed`` MIME document whose parts
  carry the content type cloud-init would give them from their first line;
* :func:`user_data_size_ok` checks Nova's limit on the base64-encoded ``user_data``.

What cloud-init does with the keys this module writes (see ``docs/userdata.md``):

* ``ssh_authorized_keys`` (top level) go to the image's default user and to root. With
  ``disable_root: true`` (cloud-init's default) root's copies get a forced command that
  only prints "login as <default user>"; ``disable_root: false`` writes them plain.
* ``users:`` entries get their own ``ssh_authorized_keys``, ``sudo`` and ``lock_passwd``;
  these three also apply to an account that already exists. Leaving ``default`` out of
  ``users`` would skip the image's default user, so it is always listed first.
* ``ssh_pwauth: false`` makes cloud-init set ``PasswordAuthentication no`` for sshd; no
  key means "leave it as the image has it".

>>> KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f ops"
>>> print(root_access([KEY]), end="")
#cloud-config
disable_root: false
ssh_pwauth: false
ssh_authorized_keys:
- ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f ops
"""

from __future__ import annotations

import base64
import binascii
import email
import hashlib
import re
import struct
from collections.abc import Iterable, Mapping, Sequence
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from typing import Any

import yaml

from normalizer.exceptions import ConfigError

__all__ = [
    "is_private_key",
    "root_access",
    "merge_user_data",
    "content_type",
    "user_data_size_ok",
    "PUBLIC_KEY_TYPES",
    "NOVA_USER_DATA_LIMIT",
    "CLOUD_CONFIG_HEADER",
    "SUDO_NOPASSWD",
]

#: The first line that makes cloud-init read a document as cloud-config.
CLOUD_CONFIG_HEADER = "#cloud-config"

#: OpenSSH public key types accepted by :func:`root_access` (DSA and certificates are not).
PUBLIC_KEY_TYPES = (
    "ssh-ed25519",
    "ssh-rsa",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
)

#: The sudoers rule a named login user gets: every command, as anyone, no password asked.
SUDO_NOPASSWD = "ALL=(ALL) NOPASSWD:ALL"

#: Nova's limit on the ``user_data`` field of a server create, in bytes of *base64 text*.
#: Source: the Nova user guide, "Provide user data to instances": "The provided user data
#: must be base64 encoded and is restricted to 65535 bytes"; the compute API reference says
#: the same for ``user_data`` in "Create Server".
NOVA_USER_DATA_LIMIT = 65535

# cloud-init's first-line headers (its handlers.INCLUSION_TYPES_MAP, and the jinja handler's
# "## template: jinja", whose content type its docs list as text/jinja2), matched the way
# cloud-init matches them: leading whitespace skipped, case ignored, longest header first,
# so "#cloud-config-archive" is never taken for "#cloud-config". "#upstart-job" is left out
# (obsolete); such a part goes as text/plain, which cloud-init sniffs itself.
_HEADER_TYPES = (
    ("#cloud-config-archive", "text/cloud-config-archive"),
    ("#cloud-config-jsonp", "text/cloud-config-jsonp"),
    ("## template: jinja", "text/jinja2"),
    ("#cloud-boothook", "text/cloud-boothook"),
    ("#include-once", "text/x-include-once-url"),
    ("#part-handler", "text/part-handler"),
    ("#cloud-config", "text/cloud-config"),
    ("#include", "text/x-include-url"),
    ("#!", "text/x-shellscript"),
)
# cloud-init sniffs text/plain parts with the same table, and ignores them (with a
# warning in its log) when nothing matches: the honest label for content we cannot name.
_UNKNOWN_TYPE = "text/plain"

# cloud-init reads user-data as MIME only when this appears in its first 4096 bytes.
_MIME_MARKER = "mime-version:"
_MIME_SNIFF = 4096

_PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----|PuTTY-User-Key-File-", re.I)
# The armour with its dashes or spacing mangled (pasted through a chat, joined into one line).
_PRIVATE_ARMOUR = re.compile(r"BEGIN\W+(?:[A-Z0-9]+\W+)*PRIVATE\W+KEY", re.I)
_RFC4716_PUBLIC = re.compile(r"---- BEGIN SSH2 PUBLIC KEY ----", re.I)
# A first word shaped like a key type may be quoted back; anything else might be secret.
_TYPE_LIKE = re.compile(r"(?:ssh|ecdsa|sk|rsa|dsa)-[a-z0-9@.-]{1,60}")
_LOGIN_NAME = re.compile(r"[a-z_][a-z0-9_.-]{0,31}")
_RESERVED_USERS = {"root": "use user=None to give root the keys",
                   "default": "'default' is cloud-init's name for the image's default user; "
                              "use user=None, or name the account"}
_GZIP_MAGIC = b"\x1f\x8b"
_YAML_WIDTH = 1 << 20   # never fold a long key over several lines


# --- root access --------------------------------------------------------------------


def is_private_key(text: Any) -> bool:
    """Whether ``text`` holds a private key (PEM, OpenSSH or PuTTY armour), however mangled.

    Callers refuse such text without sending or repeating it.

    >>> is_private_key("-----BEGIN OPENSSH PRIVATE KEY-----\\nb3Blbn...\\n"), is_private_key("ssh-ed25519 AAAA me")
    (True, False)
    >>> is_private_key("BEGIN RSA PRIVATE KEY MIIEow...")
    True
    """
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text).decode("utf-8", "replace")
    return isinstance(text, str) and bool(_PRIVATE_KEY.search(text) or _PRIVATE_ARMOUR.search(text))


def root_access(keys: Sequence[str] | str, disable_password_login: bool = True, *,
                user: str | None = None) -> str:
    """Return ``#cloud-config`` text that gives root (or ``user``) these SSH keys.

    ``user=None``: root gets the keys (``disable_root: false``) and, as cloud-init does
    for top-level ``ssh_authorized_keys``, the image's default user gets them too.
    ``user="name"``, for images whose policy forbids root login: that account gets the keys
    and passwordless sudo (created if missing, next to the image's default user), and root
    stays disabled (``disable_root: true``).

    ``disable_password_login`` adds ``ssh_pwauth: false`` (and ``lock_passwd: true`` for a
    named user); ``False`` leaves password authentication as the image has it.

    Each key must be one OpenSSH public key line, ``TYPE BASE64 [COMMENT]``, of a type in
    :data:`PUBLIC_KEY_TYPES`; otherwise :class:`~normalizer.exceptions.ConfigError` names
    the key's position (a private key is never repeated in the message).

    >>> import yaml
    >>> KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f"
    >>> doc = yaml.safe_load(root_access(KEY, user="ubuntu"))
    >>> doc["disable_root"], doc["ssh_pwauth"], doc["users"][0], doc["users"][1]["sudo"]
    (True, False, 'default', 'ALL=(ALL) NOPASSWD:ALL')
    >>> root_access([])
    Traceback (most recent call last):
    ...
    normalizer.exceptions.ConfigError: no SSH public key given; pass at least one line like 'ssh-ed25519 AAAA... you@host'
    """
    checked = _checked_keys(keys)
    if not isinstance(disable_password_login, bool):
        raise ConfigError(f"disable_password_login must be True or False, not {disable_password_login!r}",
                          hint="pass a bool")
    if user is None:
        doc: dict[str, Any] = {"disable_root": False}
        if disable_password_login:
            doc["ssh_pwauth"] = False
        doc["ssh_authorized_keys"] = checked
    else:
        entry: dict[str, Any] = {"name": _checked_user(user), "sudo": SUDO_NOPASSWD}
        if disable_password_login:
            entry["lock_passwd"] = True
        entry["ssh_authorized_keys"] = checked
        doc = {"disable_root": True}
        if disable_password_login:
            doc["ssh_pwauth"] = False
        doc["users"] = ["default", entry]
    body = yaml.safe_dump(doc, sort_keys=False, default_flow_style=False,
                          allow_unicode=True, width=_YAML_WIDTH)
    return f"{CLOUD_CONFIG_HEADER}\n{body}"


def _checked_keys(keys: Any) -> list[str]:
    """Validate and normalise the keys; duplicates are dropped, order is kept."""
    if isinstance(keys, str):
        items = [keys]
    elif isinstance(keys, (set, frozenset)):
        items = sorted(keys, key=str)   # a set has no order; sorting keeps output stable
    elif isinstance(keys, (bytes, bytearray, Mapping)) or not isinstance(keys, Iterable):
        raise ConfigError(f"keys must be a public key line or a list of them, not {type(keys).__name__}",
                          hint="pass e.g. ['ssh-ed25519 AAAA... you@host']")
    else:
        items = list(keys)
    if not items:
        raise ConfigError("no SSH public key given",
                          hint="pass at least one line like 'ssh-ed25519 AAAA... you@host'")
    result: list[str] = []
    for position, item in enumerate(items, 1):
        key = _checked_key(position, len(items), item)
        if key not in result:
            result.append(key)
    return result


def _checked_key(position: int, total: int, raw: Any) -> str:
    """One key as ``TYPE BASE64 [COMMENT]``, or a ConfigError that never quotes it."""
    label = f"key {position} of {total}"
    if not isinstance(raw, str):
        raise ConfigError(f"{label} is a {type(raw).__name__}, not a string",
                          hint="pass each public key as one text line")
    text = raw.strip()
    if is_private_key(text):
        raise ConfigError(f"{label} is a private key (not shown, not used)",
                          hint="pass the public half instead: the .pub file, or `ssh-keygen -y -f KEYFILE`")
    if not text:
        raise ConfigError(f"{label} is empty", hint="remove it, or paste the line from the .pub file")
    if "\n" in text or "\r" in text:
        if _RFC4716_PUBLIC.search(text):
            hint = "convert it to one OpenSSH line with `ssh-keygen -i -f KEYFILE`"
        else:
            hint = "pass one key per list item, each a single line: TYPE BASE64 [COMMENT]"
        raise ConfigError(f"{label} spans several lines", hint=hint)
    fields = text.split(None, 2)
    key_type = fields[0]
    if key_type not in PUBLIC_KEY_TYPES:
        shown = f" ({key_type!r})" if _TYPE_LIKE.fullmatch(key_type) else ""
        raise ConfigError(f"{label} is not an OpenSSH public key of an accepted type{shown}",
                          hint="accepted types: " + ", ".join(PUBLIC_KEY_TYPES))
    if len(fields) < 2 or not _blob_has_type(fields[1], key_type):
        raise ConfigError(f"{label} ({key_type}) has no valid key data after its type",
                          hint="copy the whole line of the .pub file: TYPE BASE64 [COMMENT]")
    # one space between fields; the comment is kept as written
    return " ".join(fields)


def _blob_has_type(data: str, key_type: str) -> bool:
    """Whether ``data`` is base64 of an SSH key blob that starts with ``key_type``.

    The wire format opens with the key type as a length-prefixed string, so a body pasted
    under the wrong type, or truncated, is caught here.
    """
    try:
        blob = base64.b64decode(data.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return False
    name = key_type.encode("ascii")
    if len(blob) <= 4 + len(name):
        return False
    (length,) = struct.unpack(">I", blob[:4])
    return length == len(name) and blob[4:4 + length] == name


def _checked_user(user: Any) -> str:
    if not isinstance(user, str) or not _LOGIN_NAME.fullmatch(user):
        raise ConfigError(f"user must be a login name like 'ubuntu', not {user!r}",
                          hint="lower-case letters, digits, '_', '-', '.', at most 32 characters; "
                               "or user=None for root")
    if user in _RESERVED_USERS:
        raise ConfigError(f"user={user!r} is not a named login account", hint=_RESERVED_USERS[user])
    return user


# --- merging ------------------------------------------------------------------------


def content_type(part: str) -> str:
    """The MIME type cloud-init gives ``part`` from its first line (``text/plain`` if none).

    >>> content_type("#!/bin/sh\\necho hi\\n"), content_type("  #Cloud-Config\\n")
    ('text/x-shellscript', 'text/cloud-config')
    >>> content_type("## template: jinja\\n#cloud-config\\n"), content_type("hello")
    ('text/jinja2', 'text/plain')
    """
    if not isinstance(part, str):
        raise ConfigError(f"a user-data part must be text, not {type(part).__name__}", hint="pass a str")
    head = part.lstrip()[:64].lower()
    for header, mime_type in _HEADER_TYPES:
        if head.startswith(header):
            return mime_type
    return _UNKNOWN_TYPE


def merge_user_data(*parts: str | bytes | None) -> str:
    """Combine user-data parts into what Nova should be given, in the given order.

    ``None`` and empty parts are dropped; nothing left gives ``""``; one part is returned
    unchanged (bytes decoded as UTF-8). Several parts become one ``multipart/mixed`` MIME
    document, each part typed by :func:`content_type` and given ``\n`` line endings (MIME
    text has no others; a CRLF script would not run anyway). A part that is itself a single MIME
    entity keeps its declared type; one that is already ``multipart/*`` can only come alone.

    cloud-init combines cloud-config parts key by key, a later part's top-level key
    replacing an earlier one's (lists are not concatenated), so pass the part whose
    settings must win last.

    >>> import email
    >>> text = merge_user_data("#!/bin/sh\\necho hi\\n", None, "#cloud-config\\nssh_pwauth: false\\n")
    >>> [p.get_content_type() for p in email.message_from_string(text).walk()]
    ['multipart/mixed', 'text/x-shellscript', 'text/cloud-config']
    >>> merge_user_data(None, "#cloud-config\\n{}\\n")
    '#cloud-config\\n{}\\n'
    """
    texts = [(position, text) for position, text in
             ((n, _part_text(n, part)) for n, part in enumerate(parts, 1)) if text]
    if not texts:
        return ""
    if len(texts) == 1:
        return texts[0][1]
    return _multipart([_typed_part(position, text) for position, text in texts])


def _part_text(position: int, part: Any) -> str | None:
    """The part as text, or None when it is absent or blank."""
    if part is None:
        return None
    if isinstance(part, (bytes, bytearray)):
        raw = bytes(part)
        if raw.startswith(_GZIP_MAGIC):
            raise ConfigError(f"user-data part {position} is gzip-compressed",
                              hint="pass it uncompressed; parts are combined as text")
        try:
            part = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ConfigError(f"user-data part {position} is not UTF-8 text",
                              hint="pass text, or bytes encoded as UTF-8") from None
    if not isinstance(part, str):
        raise ConfigError(f"user-data part {position} is a {type(part).__name__}",
                          hint="pass str, bytes or None")
    return part if part.strip() else None


def _mime_entity(text: str) -> Message | None:
    """The part parsed as MIME when cloud-init would read it as MIME, else None."""
    if _MIME_MARKER not in text[:_MIME_SNIFF].lower():
        return None
    message = email.message_from_string(text)
    return message if message.get("Content-Type") is not None else None


def _typed_part(position: int, text: str) -> tuple[str, str]:
    """``(content type, payload)`` for one part of a multipart document."""
    entity = _mime_entity(text)
    if entity is None:
        return content_type(text), text
    if entity.get_content_maintype() == "multipart":
        raise ConfigError(f"user-data part {position} is already a multipart MIME document "
                          "and cannot be nested in another",
                          hint="pass it alone, or pass its parts to merge_user_data one by one")
    if entity.get_content_maintype() != "text":
        raise ConfigError(f"user-data part {position} is a MIME {entity.get_content_type()} entity",
                          hint="cloud-init user-data parts are text/*; pass the text itself")
    raw = entity.get_payload(decode=True) or b""
    try:
        payload = raw.decode(entity.get_content_charset() or "utf-8")
    except (LookupError, UnicodeDecodeError):
        raise ConfigError(f"user-data part {position} cannot be decoded with its declared charset",
                          hint="declare charset=utf-8, or pass the text itself") from None
    return entity.get_content_type(), payload


def _multipart(parts: list[tuple[str, str]]) -> str:
    """Render the parts as one ``multipart/mixed`` document with a content-derived boundary."""
    # MIME text has line breaks, not CR/LF bytes: a 7bit part comes out of any MIME parser
    # (cloud-init's too) with "\n" endings, so every part is given them, base64 ones included.
    parts = [(mime_type, _unix_newlines(payload)) for mime_type, payload in parts]
    document = MIMEMultipart(boundary=_boundary(parts))
    for number, (mime_type, payload) in enumerate(parts, 1):
        # us-ascii goes as 7bit, readable as is; other text is base64 in UTF-8, which every
        # cloud-init decodes the same way (8bit bodies round-trip badly through email).
        charset = "us-ascii" if payload.isascii() else "utf-8"
        part = MIMEText(payload, mime_type.split("/", 1)[1], charset)
        # unique names: cloud-init stores scripts under their part's file name
        part.add_header("Content-Disposition", "attachment", filename=f"part-{number:03d}")
        document.attach(part)
    return document.as_string()


def _unix_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _boundary(parts: list[tuple[str, str]]) -> str:
    """A MIME boundary derived from the content (same parts, same text) found in none of it."""
    digest = hashlib.sha256()
    for mime_type, payload in parts:
        digest.update(mime_type.encode("utf-8") + b"\0" + payload.encode("utf-8") + b"\0")
    seed = digest.hexdigest()
    attempt = 0
    while True:
        boundary = f"==normalizer-{seed[:32]}{'-%d' % attempt if attempt else ''}=="
        if not any(boundary in payload for _, payload in parts):
            return boundary
        attempt += 1


# --- size ---------------------------------------------------------------------------


def user_data_size_ok(text: str | bytes, limit: int = NOVA_USER_DATA_LIMIT) -> bool:
    """Whether ``text``, once base64-encoded as Nova requires, fits in ``limit`` bytes.

    Nova restricts the base64 ``user_data`` of a server create to 65535 bytes (Nova user
    guide, "Provide user data to instances"), so about 48 KiB of text fits.

    >>> user_data_size_ok("#cloud-config\\n")
    True
    >>> user_data_size_ok("x" * 49149), user_data_size_ok("x" * 49150)
    (True, False)
    """
    if not isinstance(text, (str, bytes, bytearray)) or isinstance(limit, bool) or not isinstance(limit, int):
        raise ConfigError("user_data_size_ok takes text or bytes and an integer limit",
                          hint="pass the merged user-data, e.g. from merge_user_data()")
    size = len(text.encode("utf-8")) if isinstance(text, str) else len(text)
    return 4 * ((size + 2) // 3) <= limit
