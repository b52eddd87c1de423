"""Public test support: a REST-level fake OpenStack cloud for normalizer's and users' tests.

>>> from normalizer.testing import FakeCloud, LAYOUTS
>>> "nova-network" in LAYOUTS
True

The library never imports this package; it only depends on ``normalizer.exceptions``.
"""

from __future__ import annotations

from normalizer.testing.clock import FakeClock, FakeSleep
from normalizer.testing.fake_cloud import FakeCloud, RecordedRequest
from normalizer.testing.layouts import LAYOUTS

__all__ = ["FakeCloud", "RecordedRequest", "LAYOUTS", "FakeClock", "FakeSleep"]
