"""The packaging tier runs only when asked for: ``make packaging`` (part of ``make test``).

It builds the wheel and installs it, with ``requests``, into a fresh virtualenv: about a
minute and the package index. A run that does not name ``tests/packaging`` (nor ``-m
packaging``) deselects it (it is another tier, not a skipped test), so the fast command
(``pytest --ignore=tests/integration``) stays fast and offline.
"""

from pathlib import Path


HERE = Path(__file__).resolve().parent


def _asked_for(config) -> bool:
    if "packaging" in (config.option.markexpr or ""):
        return True
    base = config.invocation_params.dir
    for arg in config.args:
        path = (base / arg.split("::", 1)[0]).resolve()
        if path == HERE or HERE in path.parents:
            return True
    return False


def pytest_collection_modifyitems(config, items):
    if _asked_for(config):
        return
    tier = [item for item in items if HERE in Path(str(item.path)).resolve().parents]
    if tier:
        config.hook.pytest_deselected(items=tier)
        items[:] = [item for item in items if item not in tier]
