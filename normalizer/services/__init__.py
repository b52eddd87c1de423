"""Raw REST calls per OpenStack service.

Each class wraps one service and returns the API's dicts unchanged apart from the
top-level envelope; reads go through the resource cache, writes invalidate the kinds they
affect, and pagination is walked in :mod:`normalizer.services.pagination` only.

Usage::

    compute = ComputeService(transport, cache)
    servers = compute.list_servers()
"""

from __future__ import annotations

from normalizer.services.base import CacheLike, ReplyLike, ServiceBase, TransportLike
from normalizer.services.compute import ComputeService, microversion_at_least
from normalizer.services.identity import IdentityService
from normalizer.services.image import ImageService
from normalizer.services.network import NetworkService
from normalizer.services.pagination import paginate

__all__ = [
    "CacheLike",
    "ComputeService",
    "IdentityService",
    "ImageService",
    "NetworkService",
    "ReplyLike",
    "ServiceBase",
    "TransportLike",
    "microversion_at_least",
    "paginate",
]
