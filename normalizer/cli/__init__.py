"""The ``openstack-normalizer`` command (and ``python -m normalizer``).

``main(argv)`` parses the command line (:mod:`normalizer.cli.parser`), runs one command
(:mod:`normalizer.cli.commands`) and prints its result (:mod:`normalizer.cli.output`).
Errors print one line on stderr (``--debug`` adds the traceback); the exit status is 0 on
success, 1 when the cloud or the operation failed, 2 for a usage or configuration error.
A closed pipe (``| head``) ends the command quietly.

>>> main(["--version"])  # doctest: +SKIP
openstack-normalizer 0.1.0.dev0
0
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import traceback
import warnings
from collections.abc import Iterator, Sequence

from normalizer.cli.docs import render_markdown
from normalizer.cli.output import emit
from normalizer.cli.parser import build_parser
from normalizer.cli.runtime import PROG, Runtime, UsageError, error_line, exit_status
from normalizer.exceptions import NormalizerError

__all__ = ["PROG", "build_parser", "main", "render_markdown"]

_LOGGERS = ("normalizer", "keystoneauth")


class _OneLine(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        text = " ".join(record.getMessage().split())
        return f"{PROG}: {record.levelname.lower()}: {text}"


def _one_line_warning(message, category, filename, lineno, file=None, line=None) -> None:
    text = " ".join(str(message).split())
    print(f"{PROG}: warning: {text}", file=sys.stderr)


@contextlib.contextmanager
def _logging(debug: bool, quiet: bool) -> Iterator[None]:
    """Warnings of the library on stderr as one line each (every log line with --debug, none with -q)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s") if debug else _OneLine())
    handler.setLevel(logging.DEBUG if debug else logging.ERROR if quiet else logging.WARNING)
    handler._openstack_normalizer = True  # type: ignore[attr-defined]
    loggers = [logging.getLogger(name) for name in _LOGGERS]
    if any(getattr(h, "_openstack_normalizer", False) for h in loggers[0].handlers):
        yield  # a command run by the demo: the outer run already logs
        return
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        if debug:
            logger.setLevel(logging.DEBUG)
    try:
        with warnings.catch_warnings():
            if quiet:
                warnings.simplefilter("ignore")
            warnings.showwarning = _one_line_warning
            yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.removeHandler(handler)
            logger.setLevel(level)


def _run(args) -> int:
    runtime = Runtime(args)
    result = args.handler(runtime)
    if result is None:
        return 1 if runtime.failures else 0
    emit(result, args.format, args.column or [], args.sort_column or [], sys.stdout)
    return max(result.status, 1 if runtime.failures else 0)


def _fail(error: BaseException, debug: bool) -> int:
    if debug:
        traceback.print_exception(type(error), error, error.__traceback__, file=sys.stderr)
    if isinstance(error, (NormalizerError, UsageError)):
        print(error_line(error), file=sys.stderr)
        return exit_status(error)
    print(f"{PROG}: internal error: {type(error).__name__}: {error}"
          + ("" if debug else " (run again with --debug for the traceback, and report it)"), file=sys.stderr)
    return 1


def _closed_pipe() -> int:
    """stdout's reader went away (``| head``): end quietly, and let Python's final flush go nowhere."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``openstack-normalizer`` with these arguments (default ``sys.argv[1:]``); returns the exit status.

    >>> main(["--os-cloud", "mycloud", "server", "list", "-f", "json"])  # doctest: +SKIP
    0
    """
    debug = False
    try:
        try:
            args = build_parser().parse_args(argv)
        except SystemExit as stop:  # --help, --version, usage errors (argparse printed them)
            return stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 2)
        debug = bool(getattr(args, "debug", False))
        with _logging(debug, bool(getattr(args, "quiet", False))):
            return _run(args)
    except BrokenPipeError:
        return _closed_pipe()
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # noqa: BLE001 - every error ends as one line and an exit status
        return _fail(error, debug)
