"""Writes whose answer may be lost: send, and when the outcome is unclear, look for what the cloud made.

A write the cloud refused cleanly (an HTTP 4xx answer) created nothing. Every other
outcome may have created something: a 5xx or a proxy's 502/504 page (the request may
have reached the service behind it), a 2xx whose body is empty or malformed, a read
timeout, a reset connection, Ctrl-C or any exception while the request was in flight.
After those, the caller's search finds what the cloud made, and the ledger records it
so it is removed with everything else this call created.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any, Callable, TypeVar

from normalizer.exceptions import APIError, NormalizerError
from normalizer.provision.ledger import Ledger

__all__ = ["answered_with", "clean_refusal", "guarded_write"]

_LOG = logging.getLogger("normalizer.provision")

T = TypeVar("T")


def clean_refusal(error: BaseException) -> bool:
    """True when the cloud answered the write with a 4xx: it refused, so it created nothing.

    >>> from normalizer.exceptions import BadRequest, ServerError, RequestTimeout
    >>> clean_refusal(BadRequest("no", status_code=400)), clean_refusal(ServerError("boom", status_code=502))
    (True, False)
    >>> clean_refusal(APIError("empty 200 body", status_code=200)), clean_refusal(RequestTimeout("slow"))
    (False, False)
    """
    status = getattr(error, "status_code", None) if isinstance(error, APIError) else None
    return isinstance(status, int) and 400 <= status < 500


def answered_with(result: Any, *fields: str, what: str) -> Mapping[str, Any]:
    """The write's answer, when it names what was made; otherwise the answer counts as lost.

    A 2xx that does not say what it created (no id) may still have created it: raising
    here, inside the guarded send, runs the same search as any other lost answer.

    >>> answered_with({"id": "s1"}, "id", what="booting 'web1'")["id"]
    's1'
    >>> answered_with({}, "id", what="booting 'web1'")
    Traceback (most recent call last):
    ...
    normalizer.exceptions.APIError: the answer to booting 'web1' does not say what it made (no id); report it to the cloud operator with the request id
    """
    if isinstance(result, Mapping) and all(result.get(name) not in (None, "") for name in fields):
        return result
    raise APIError(f"the answer to {what} does not say what it made (no {', '.join(fields)})",
                   hint="report it to the cloud operator with the request id")


def guarded_write(send: Callable[[], T], *, search: Callable[[], Iterable[tuple[str, Callable[[], Any]]]],
                  kind: str, ledger: Ledger, what: str) -> T:
    """Run ``send``; unless it succeeds or is cleanly refused, record what ``search`` finds, then re-raise.

    ``search()`` returns ``(id, undo)`` pairs for the resources the lost write made. A
    search that itself fails is recorded as a resource that may exist, so the error
    lists it under ``not_removed`` instead of claiming nothing was left.

    >>> ledger = Ledger()
    >>> def send(): raise KeyboardInterrupt
    >>> try:
    ...     guarded_write(send, search=lambda: [("s1", lambda: True)], kind="server", ledger=ledger, what="boot")
    ... except KeyboardInterrupt:
    ...     pass
    >>> ledger.labels
    ['server s1']
    """
    try:
        return send()
    except BaseException as error:
        if clean_refusal(error):
            raise
        _recover(search, kind, ledger, what, error)
        raise


def _recover(search: Callable[[], Iterable[tuple[str, Callable[[], Any]]]], kind: str, ledger: Ledger,
             what: str, error: BaseException) -> None:
    try:
        found = list(search())
    except NormalizerError as search_error:
        _LOG.warning("%s: the answer was lost (%s) and the search for what it created failed: %s",
                     what, type(error).__name__, search_error)
        ledger.unverified(kind, what, f"could not check whether it was created: {search_error.message}")
        return
    for ident, undo in found:
        _LOG.info("%s: the answer was lost (%s) but the cloud created %s %s", what, type(error).__name__,
                  kind, ident)
        ledger.add(kind, ident, undo)
