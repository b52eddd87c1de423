"""What a command handler gets: the parsed options, the streams, and the clouds they name.

>>> runtime = Runtime(argparse.Namespace(os_cloud="mycloud", os_region_name=None, quiet=False))
>>> runtime.connect().name  # doctest: +SKIP
'mycloud'
"""

from __future__ import annotations

import argparse  # noqa: F401  (the module example uses it)
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, TextIO

import normalizer
from normalizer.exceptions import ConfigError, NormalizerError, ProfileError

__all__ = ["PROG", "Runtime", "UsageError", "cloud_label", "error_line", "exit_status"]

#: The command's name, in usage lines and error messages.
PROG = "openstack-normalizer"

#: At most this many clouds are asked at once by ``--all-clouds``.
_PARALLEL = 16


class UsageError(Exception):
    """A command line that cannot work as given (exit status 2), found after parsing.

    >>> str(UsageError("pass --key-file or --key-name"))
    'pass --key-file or --key-name'
    """


def exit_status(error: BaseException) -> int:
    """The exit status for an error: 2 for usage and configuration, 1 for the cloud or the operation.

    >>> exit_status(normalizer.ConfigError("no cloud")), exit_status(normalizer.NoMatch("no flavor"))
    (2, 1)
    """
    if isinstance(error, (UsageError, ConfigError, ProfileError)):
        return 2
    return 1


def error_line(error: BaseException, where: str | None = None) -> str:
    """The one line an error prints on stderr, naming its class (and the cloud, when given).

    >>> error_line(normalizer.NoMatch("no flavor t9.huge", hint="try t3.small"))
    'openstack-normalizer: NoMatch: no flavor t9.huge; try t3.small'
    >>> error_line(UsageError("pass --key-file"))
    'openstack-normalizer: error: pass --key-file'
    """
    prefix = f"{PROG}: {where}: " if where else f"{PROG}: "
    if isinstance(error, UsageError):
        return f"{prefix}error: {error}"
    text = " ".join(str(error).split()) or repr(error)
    return f"{prefix}{type(error).__name__}: {text}"


@dataclass
class Runtime:
    """The parsed command line and the streams one run of the command writes to.

    >>> Runtime(argparse.Namespace(quiet=True)).quiet
    True
    """

    args: argparse.Namespace
    stdout: TextIO | None = None
    stderr: TextIO | None = None

    def __post_init__(self) -> None:
        self.stdout = self.stdout or sys.stdout
        self.stderr = self.stderr or sys.stderr
        self.failures = 0

    @property
    def quiet(self) -> bool:
        """``-q``: no progress and no warnings."""
        return bool(getattr(self.args, "quiet", False))

    def connect(self) -> normalizer.Cloud:
        """The cloud of ``--os-cloud`` (``OS_CLOUD``) in ``--os-region-name`` (``OS_REGION_NAME``).

        >>> Runtime(argparse.Namespace(os_cloud="mycloud", os_region_name="r1")).connect()  # doctest: +SKIP
        """
        kwargs = {"region_name": self.args.os_region_name} if getattr(self.args, "os_region_name", None) else {}
        return normalizer.connect(getattr(self.args, "os_cloud", None) or None, **kwargs)

    def clouds(self, every: bool) -> list[normalizer.Cloud]:
        """Every configured cloud and region when ``every`` (``--all-clouds``), else the one cloud.

        ``--os-region-name`` keeps only that region of each cloud.

        >>> [c.name for c in Runtime(argparse.Namespace(os_region_name=None)).clouds(True)]  # doctest: +SKIP
        ['mycloud', 'othercloud']
        """
        if not every:
            return [self.connect()]
        region = getattr(self.args, "os_region_name", None)
        clouds = normalizer.connect_all()
        chosen = [c for c in clouds if not region or c.region_name == region]
        if not chosen:
            where = f" in region {region!r}" if region else ""
            raise ConfigError(f"no cloud is configured{where}",
                              hint="add clouds to clouds.yaml (or set OS_CLIENT_CONFIG_FILE)")
        return chosen

    def report_failure(self, error: BaseException, where: str | None = None) -> None:
        """Print one failure on stderr and remember it: the command then exits with status 1.

        >>> Runtime(argparse.Namespace(), stderr=sys.stdout).report_failure(normalizer.NotFound("gone"), "c1")
        openstack-normalizer: c1: NotFound: gone
        """
        self.failures += 1
        print(error_line(error, where), file=self.stderr)

    def each_cloud(self, clouds: list, work: Callable[[Any], Any]) -> list[tuple[Any, Any]]:
        """Run ``work(cloud)`` on every cloud in parallel threads; (cloud, result) for those that answered.

        A cloud that fails is reported on stderr (see :meth:`report_failure`) and left out;
        the others are still returned, in the order of ``clouds``.

        >>> runtime.each_cloud(runtime.clouds(True), lambda cloud: cloud.list_servers())  # doctest: +SKIP
        """
        def attempt(cloud: Any) -> tuple[bool, Any]:
            try:
                return True, work(cloud)
            except NormalizerError as error:
                return False, error

        with ThreadPoolExecutor(max_workers=max(1, min(_PARALLEL, len(clouds)))) as pool:
            outcomes = list(pool.map(attempt, clouds))
        answered = []
        for cloud, (ok, value) in zip(clouds, outcomes):
            if ok:
                answered.append((cloud, value))
            else:
                self.report_failure(value, cloud_label(cloud))
        return answered


def cloud_label(cloud: Any) -> str:
    """How a cloud is named in output: ``name`` or ``name/region``.

    >>> cloud_label(argparse.Namespace(name="c1", region_name="r1"))
    'c1/r1'
    """
    return f"{cloud.name}/{cloud.region_name}" if cloud.region_name else str(cloud.name)
