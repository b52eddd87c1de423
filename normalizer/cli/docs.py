"""docs/cli.md, generated from the parser: every command, its usage and its options.

``tools/gen_cli_docs.py`` writes it; a test fails when the file and the parser differ.
The usage lines are built here (not by argparse's formatter), so the page does not
change with the terminal's width or the Python version.

>>> text = render_markdown()
>>> "### `openstack-normalizer server create`" in text
True
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator

__all__ = ["render_markdown"]

_HEADER = """# Command line reference

<!-- Generated from the parser by tools/gen_cli_docs.py; do not edit by hand. -->

`openstack-normalizer`, or `python -m normalizer`: {description}

```
openstack-normalizer [global options] COMMAND [options]
```

Global options go before the command, as with `openstack`; the output options `-f`, `-c`
and `--sort-column` go after it, as with cliff, and every global option but `--version` is
accepted there too. Without `--os-cloud` the cloud is `OS_CLOUD`, else the only cloud in clouds.yaml.

Exit status: 0 success; 1 the cloud or the operation failed (an API, transport,
selection or provisioning error; with `--all-clouds`, any cloud that failed); 2 a usage
or configuration error (a bad option, clouds.yaml, a profile). An error prints one line on
stderr, `openstack-normalizer: ErrorClass: message; what to do`; `--debug` adds the
traceback. A closed pipe (`| head`) ends the command quietly. Progress (the steps and the
elapsed time) goes to stderr while `server create` and `server delete` wait, only when
stderr is a terminal.

Output: `-f table` prints lists as aligned tables and one object as a Field/Value table;
`-f json` and `-f yaml` print whole normalized records (only the `-c` columns when given);
`-f value` prints the cells separated by spaces with no header (an empty cell for a missing
value); `-f csv` prints a header row, then the rows. `server create` prints
`ssh USER@ADDRESS` as its last line in the table format.
"""


def _subparsers(parser: argparse.ArgumentParser) -> argparse._SubParsersAction | None:
    return next((a for a in parser._actions if isinstance(a, argparse._SubParsersAction)), None)


def _walk(parser: argparse.ArgumentParser, words: tuple = ()) -> Iterator[tuple[str, str, argparse.ArgumentParser]]:
    """(command words, help, parser) of every leaf command, in the parser's order."""
    sub = _subparsers(parser)
    if sub is None:
        return
    helps = {action.dest: action.help for action in sub._choices_actions}
    for name, child in sub.choices.items():
        if _subparsers(child) is None:
            yield " ".join(words + (name,)), helps.get(name) or "", child
        else:
            yield from _walk(child, words + (name,))


def _shown(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    return [a for a in parser._actions if a.help != argparse.SUPPRESS and not isinstance(a, argparse._HelpAction)
            and not isinstance(a, argparse._SubParsersAction)]


def _metavar(action: argparse.Action) -> str:
    if action.nargs == 0:
        return ""
    if action.metavar:
        return str(action.metavar)
    if action.choices:
        return "{" + ",".join(action.choices) + "}"
    return action.dest.upper()


def _spelling(action: argparse.Action) -> str:
    if not action.option_strings:
        return _metavar(action)
    metavar = _metavar(action)
    return ", ".join(action.option_strings) + (f" {metavar}" if metavar else "")


def _usage_part(action: argparse.Action) -> str:
    if not action.option_strings:
        return f"[{_metavar(action)}]" if action.nargs == "?" else _metavar(action)
    metavar = _metavar(action)
    text = action.option_strings[-1] + (f" {metavar}" if metavar else "")
    repeat = "..." if isinstance(action, argparse._AppendAction) else ""
    return text if action.required else f"[{text}]{repeat}"


def _usage(words: str, parser: argparse.ArgumentParser, formatted: bool) -> str:
    actions = [a for a in _shown(parser) if getattr(a.container, "title", None) != "output formatters"]
    exclusive = {id(a): group for group in parser._mutually_exclusive_groups for a in group._group_actions}
    parts, done = [], set()
    for action in actions:
        group = exclusive.get(id(action))
        if group is None:
            parts.append(_usage_part(action))
        elif id(group) not in done:
            done.add(id(group))
            parts.append("[" + " | ".join(_usage_part(a).strip("[]") for a in group._group_actions) + "]")
    options = [p for p in parts if p.startswith("[-") or p.startswith("--")]
    positionals = [p for p in parts if p not in options]
    tail = " [output options]" if formatted else ""
    return " ".join(["openstack-normalizer", words] + positionals + options) + tail


def _cell(text: str) -> str:
    """Help text as a Markdown table cell: no table bars, emphasis or HTML tags."""
    return text.replace("|", "\\|").replace("*", "\\*").replace("<", "&lt;")


def _table(actions: list[argparse.Action]) -> list[str]:
    lines = ["| argument | meaning |", "|---|---|"]
    lines += [f"| `{_spelling(action)}` | {_cell(action.help or '')} |" for action in actions]
    return lines


def render_markdown(parser: argparse.ArgumentParser | None = None) -> str:
    """docs/cli.md for this parser (default: ``openstack-normalizer``'s).

    >>> render_markdown().startswith("# Command line reference")
    True
    """
    if parser is None:
        from normalizer.cli.parser import build_parser  # noqa: PLC0415 - the parser imports the commands

        parser = build_parser()
    lines = [_HEADER.format(description=parser.description).rstrip(), "", "## Global options", ""]
    lines += _table(_shown(parser)) + ["", "## Commands", "", "| command | what it does |", "|---|---|"]
    leaves = list(_walk(parser))
    for words, help_text, _ in leaves:
        anchor = words.replace(" ", "-")
        lines.append(f"| [`{words}`](#{anchor}) | {_cell(help_text)} |")
    for words, help_text, child in leaves:
        formatted = any(getattr(a.container, "title", None) == "output formatters" for a in child._actions)
        lines += ["", f'<a id="{words.replace(" ", "-")}"></a>', f"### `openstack-normalizer {words}`", "",
                  _cell(child.description or help_text), "", "```", _usage(words, child, formatted), "```", ""]
        own = [a for a in _shown(child) if getattr(a.container, "title", None) != "output formatters"]
        if own:
            lines += _table(own)
        else:
            lines.append("No arguments.")
        if formatted:
            lines += ["", "Output options: `-f table|json|yaml|value|csv`, `-c COLUMN`, `--sort-column COLUMN`."]
    return "\n".join(lines) + "\n"
