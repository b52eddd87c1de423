"""The argparse tree of ``openstack-normalizer``: global options, command groups, commands.

Global options follow openstackclient: ``--os-cloud``, ``--os-region-name``, ``--debug``,
``-q`` and ``--version`` come before the command; the output options ``-f``, ``-c`` and
``--sort-column`` (and any global option) may also follow it, as with cliff.

>>> args = build_parser().parse_args(["--os-cloud", "c1", "server", "list", "-f", "json", "-c", "name"])
>>> args.os_cloud, args.format, args.column, args.handler.__name__
('c1', 'json', ['name'], '_list')
"""

from __future__ import annotations

import argparse
import os
from typing import Callable

from normalizer._version import __version__
from normalizer.cli.output import FORMATS
from normalizer.cli.runtime import PROG

__all__ = ["DESCRIPTION", "GROUPS", "Commands", "build_parser"]

DESCRIPTION = ("One AWS-like meaning on every OpenStack cloud: servers with a reachable public address and "
               "the user to log in with, networks, flavors and images by role and alias, and why.")

#: The command groups (``server list``, ...) and what they hold.
GROUPS = {
    "server": "servers: list, show, plan, create, delete",
    "network": "networks and their roles",
    "flavor": "flavors, and picking one by instance type",
    "image": "images, and picking one by distro and version",
    "profile": "vendor profiles",
}

_EPILOG = ("Exit status: 0 success, 1 the cloud or the operation failed, 2 usage or configuration error. "
           "See docs/cli.md.")


def _connection_options(parser: argparse.ArgumentParser, *, hidden: bool) -> None:
    """--os-cloud, --os-region-name, --debug, -q: shown on the main parser, accepted silently after a command."""
    def text(value: str) -> str:
        return argparse.SUPPRESS if hidden else value

    def default(value: object) -> object:
        return argparse.SUPPRESS if hidden else value
    parser.add_argument("--os-cloud", metavar="NAME", default=default(os.environ.get("OS_CLOUD")),
                        help=text("the clouds.yaml cloud to use (default: env OS_CLOUD)"))
    parser.add_argument("--os-region-name", metavar="REGION", default=default(os.environ.get("OS_REGION_NAME")),
                        help=text("the region to use (default: env OS_REGION_NAME)"))
    parser.add_argument("--debug", action="store_true", default=default(False),
                        help=text("log every request and show tracebacks on errors"))
    parser.add_argument("-q", "--quiet", action="store_true", default=default(False),
                        help=text("no progress and no warnings, only results and errors"))


def _output_options(parser: argparse.ArgumentParser, *, hidden: bool) -> None:
    """-f, -c, --sort-column: documented on every command that prints data."""
    group = parser.add_argument_group("output formatters")

    def default(value: object) -> object:
        return argparse.SUPPRESS if hidden else value
    group.add_argument("-f", "--format", choices=FORMATS, default=default("table"), metavar="FORMAT",
                       help="output format: table (default), json, yaml, value or csv")
    group.add_argument("-c", "--column", action="append", metavar="COLUMN", default=default(None),
                       help="show this column (repeatable; nested fields by dotted name: image.distro)")
    group.add_argument("--sort-column", action="append", metavar="COLUMN", default=default(None),
                       help="sort rows by this column (repeatable)")


class Commands:
    """Adds commands (``"server list"``) to the parser, creating each group's sub-parser once.

    >>> parser = build_parser()
    >>> sorted(parser._subparsers._group_actions[0].choices)[:3]
    ['clouds', 'demo', 'doctor']
    """

    def __init__(self, subparsers: argparse._SubParsersAction) -> None:
        self._top = subparsers
        self._groups: dict[str, argparse._SubParsersAction] = {}
        self._hidden = argparse.ArgumentParser(add_help=False)
        _connection_options(self._hidden, hidden=True)
        self._formatters = argparse.ArgumentParser(add_help=False)
        _output_options(self._formatters, hidden=True)

    def _parent(self, group: str) -> argparse._SubParsersAction:
        if group not in self._groups:
            parser = self._top.add_parser(group, help=GROUPS[group], description=GROUPS[group])
            self._groups[group] = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
        return self._groups[group]

    def add(self, words: str, handler: Callable, help: str, *, formatted: bool = True) -> argparse.ArgumentParser:
        """Add one command; ``formatted`` ones take ``-f``, ``-c`` and ``--sort-column``.

        >>> commands.add("flavor list", handler, "list flavors")  # doctest: +SKIP
        """
        *group, name = words.split()
        parents = [self._hidden] + ([self._formatters] if formatted else [])
        where = self._parent(group[0]) if group else self._top
        parser = where.add_parser(name, help=help, description=help[:1].upper() + help[1:] + ".",
                                  parents=parents, epilog=_EPILOG)
        parser.set_defaults(handler=handler, command=words)
        return parser


def build_parser() -> argparse.ArgumentParser:
    """The whole command line: global options and every command (see docs/cli.md).

    >>> build_parser().prog
    'openstack-normalizer'
    """
    from normalizer.cli import demo  # noqa: PLC0415 - demo imports this module
    from normalizer.cli.commands import MODULES  # noqa: PLC0415

    parser = argparse.ArgumentParser(prog=PROG, description=DESCRIPTION, epilog=_EPILOG)
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}",
                        help="print the version and exit")
    _connection_options(parser, hidden=False)
    _output_options(parser, hidden=False)
    subparsers = parser.add_subparsers(dest="command_word", metavar="COMMAND", required=True)
    commands = Commands(subparsers)
    for module in MODULES:
        module.register(commands)
    demo.register(commands)
    return parser
