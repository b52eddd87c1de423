"""Internal: raw REST calls per OpenStack service. No stability promise.

Use :func:`normalizer.connect` and the :class:`normalizer.Cloud` it returns; this
package is how ``Cloud`` talks to the cloud and may change in any release. It
re-exports nothing: import from its modules (:mod:`normalizer.services.compute`,
:mod:`~normalizer.services.network`, :mod:`~normalizer.services.image`).

Each class wraps one service and returns the API's dicts unchanged apart from the
top-level envelope; reads go through the resource cache, writes invalidate the kinds they
affect, and pagination is walked in :mod:`normalizer.services.pagination` only.
Only the calls the library makes exist here.
"""

__all__: list[str] = []
