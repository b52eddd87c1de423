"""Flavor choice: the smallest flavor that satisfies a size request, and how it differs.

A request is an AWS instance type from the profile's ``instance_types`` (``"t3.small"``
means at least 2 vCPUs and 2048 MiB RAM on every cloud), a vendor size name from the
profile's ``flavors.aliases``, or explicit ``min_vcpus`` / ``min_ram`` (MiB) /
``min_disk`` (GiB). The rules, in order:

1. The request. A spec is looked up in ``instance_types`` first (so an AWS name means
   the same everywhere), then in ``flavors.aliases``; exact name first, then ignoring
   case. Explicit keyword minimums override the spec's value for that dimension
   (``"t3.small", min_ram=4096`` asks 2 vCPUs and 4096 MiB). An unknown spec raises
   ``NoMatch`` listing the closest names.
2. Unusable records are skipped with a reason: not a mapping, no id, ``vcpus`` or ``ram``
   not a whole number >= 1, ``disk`` not a whole number >= 0 (Nova never creates such a
   flavor, so the record is damaged).
3. Skipped unless asked for: disabled flavors (``include_disabled=``), non-public ones
   (``include_private=``) and excluded families (``include_excluded=``): a name matching
   ``flavors.generic_exclude_patterns`` / ``flavors.exclude_patterns`` or an extra spec
   matching ``flavors.generic_exclude_extra_specs`` / ``flavors.exclude_extra_specs``
   (bare metal, GPU, PCI passthrough by default). A flavor skipped for several reasons
   needs each of the flags.
4. A flavor satisfies the request when ``vcpus >= min_vcpus``, ``ram >= min_ram`` and
   ``disk >= min_disk``. A ``disk`` of 0 (a boot-from-volume flavor) therefore satisfies
   only a request without ``min_disk`` (or ``min_disk=0``).
5. The smallest satisfying flavor wins by ``(vcpus, ram, disk, name, id)``: fewest
   vCPUs, then least RAM, then least disk, then the name and id as text, so the answer
   never depends on the order the API listed flavors in.

Nothing satisfies: ``NoMatch``, whose message names the three nearest flavors. Nearness
is the sum, over the asked dimensions, of the relative shortfall
``(asked - has) / asked``; a skipped flavor that would fit has distance 0 and comes first.
"""

from __future__ import annotations

import difflib
import reprlib
from dataclasses import dataclass
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from normalizer.exceptions import NoMatch, SelectionError
from normalizer.normalize.fields import as_bool, as_int, as_text
from normalizer.select.scs_names import read_scs_name, scs_overstatement
from normalizer.select.decision import Considered, Decision

if TYPE_CHECKING:  # select/ reads profiles; the profile package never imports select/
    from normalizer.profiles import Profile
    from normalizer.profiles.sections import FlavorSettings, FlavorSize

__all__ = ["resolve_request", "flavor_exclusion", "pick_flavor"]

_MINIMUMS = ("min_vcpus", "min_ram", "min_disk")
_UNITS = {"min_vcpus": ("vCPUs", 2), "min_ram": ("MiB", 4096), "min_disk": ("GiB", 20)}
_INCLUDE_FLAGS = {"disabled": "include_disabled", "private": "include_private", "excluded": "include_excluded"}
_SPEC_HINT = "use an AWS instance type such as t3.small, an SCS flavor name such as SCS-2V-4, or min_vcpus=/min_ram="
_SHOWN = 3  # alternatives listed per category in a decision, and nearest ones in NoMatch
_short = reprlib.Repr()
_short.maxstring, _short.maxother = 40, 40


# --- the request -----------------------------------------------------------------------


def resolve_request(spec: str | None, profile: Profile, *, min_vcpus: Any = None, min_ram: Any = None,
                    min_disk: Any = None) -> dict:
    """Turn an instance type, a profile alias and/or explicit minimums into one request.

    Returns ``{"min_vcpus", "min_ram" (MiB), "min_disk" (GiB), "label"}``; a dimension
    nobody asked for is 0. Keyword minimums override the spec's value for that dimension.
    Raises ``NoMatch`` for an unknown spec and ``SelectionError`` for a minimum that is
    not a whole number >= 0.

    >>> from normalizer.profiles import load_profile
    >>> resolve_request("t3.small", load_profile("generic"))
    {'min_vcpus': 2, 'min_ram': 2048, 'min_disk': 0, 'label': 't3.small (>= 2 vCPUs, >= 2048 MiB RAM)'}
    """
    base: dict[str, int] = {}
    name = None
    if spec is not None:
        name, base = _lookup_spec(spec, profile)
    given = {key: _minimum(key, value) for key, value in
             (("min_vcpus", min_vcpus), ("min_ram", min_ram), ("min_disk", min_disk)) if value is not None}
    request = {key: given.get(key, base.get(key, 0)) for key in _MINIMUMS}
    sizes = _request_text(request)
    if name is None:
        label = sizes
    else:
        overrides = ", ".join(f"{key}={value}" for key, value in given.items())
        label = f"{name}{' with ' + overrides if overrides else ''} ({sizes})"
    return {**request, "label": label}


def _lookup_spec(spec: Any, profile: Profile) -> tuple[str, dict[str, int]]:
    if not isinstance(spec, str):
        raise SelectionError(f"a flavor size must be a name such as 't3.small', got {_short.repr(spec)}",
                             hint=_SPEC_HINT)
    types, aliases = profile.flavors.instance_types, profile.flavors.aliases
    wanted = spec.strip()
    promise, problem = read_scs_name(wanted)
    if problem is not None:
        raise SelectionError(f"cannot read the SCS flavor name: {problem}", hint=_SPEC_HINT)
    if promise is not None:
        return f"SCS name {wanted}", promise.request()
    for table, kind in ((types, "type"), (aliases, "alias")):
        key = _find_key(table, wanted)
        if key is None:
            continue
        size: FlavorSize = table[key]
        if kind == "type":
            return key, {"min_vcpus": size.min_vcpus, "min_ram": size.min_ram}
        return f"alias {key!r}", {"min_vcpus": size.min_vcpus, "min_ram": size.min_ram, "min_disk": size.min_disk}
    close = difflib.get_close_matches(wanted, sorted({*types, *aliases}), n=5, cutoff=0.6)
    suggestion = f" (close: {', '.join(repr(c) for c in close)})" if close else ""
    raise NoMatch(f"unknown instance type or flavor alias {spec!r}{suggestion}", hint=_SPEC_HINT,
                  candidates=close, request=spec)


def _find_key(table: Mapping[str, Any], wanted: str) -> str | None:
    # Exact name first, then ignoring case; sorted, so two names that differ only in case
    # resolve the same way whatever order the profile lists them in.
    if wanted in table:
        return wanted
    return next((k for k in sorted(table) if k.casefold() == wanted.casefold()), None)


def _minimum(key: str, value: Any) -> int:
    number = as_int(value)
    if number is None or number < 0:
        unit, example = _UNITS[key]
        raise SelectionError(f"{key} must be a whole number >= 0 ({unit}), got {_short.repr(value)}",
                             hint=f"pass for example {key}={example}")
    return number


def _request_text(request: Mapping[str, int]) -> str:
    parts = []
    if request["min_vcpus"]:
        parts.append(f">= {_vcpus(request['min_vcpus'])}")
    if request["min_ram"]:
        parts.append(f">= {request['min_ram']} MiB RAM")
    if request["min_disk"]:
        parts.append(f">= {request['min_disk']} GiB disk")
    return ", ".join(parts) if parts else "any size"


def _vcpus(count: int) -> str:
    return f"{count} vCPU" if count == 1 else f"{count} vCPUs"


# --- exclusions ------------------------------------------------------------------------


def _flag(raw: Mapping, api_key: str, normalized_key: str, default: bool) -> bool:
    # Raw Nova records use the extension keys; normalized flavors use the contract names.
    if api_key in raw:
        return as_bool(raw.get(api_key), default)
    return as_bool(raw.get(normalized_key), default)


def _exclusions(raw: Mapping, rules: FlavorSettings) -> tuple[tuple[str, str], ...]:
    found = []
    if _flag(raw, "OS-FLV-DISABLED:disabled", "is_disabled", False):
        found.append(("disabled", "disabled"))
    if not _flag(raw, "os-flavor-access:is_public", "is_public", True):
        found.append(("private", "not public"))
    name = raw.get("name")
    hit = next((f"excluded family: name matches {rule.pattern.pattern!r} ({rule.source})"
                for rule in rules.exclude_patterns if isinstance(name, str) and rule.pattern.fullmatch(name)), None)
    specs = raw.get("extra_specs")
    if hit is None and isinstance(specs, Mapping):
        for rule in rules.exclude_extra_specs:
            value = as_text(specs.get(rule.key))
            if value is not None and rule.pattern.fullmatch(value):
                hit = (f"excluded family: extra spec {rule.key}={value!r} matches {rule.pattern.pattern!r} "
                       f"({rule.source})")
                break
    if hit is not None:
        found.append(("excluded", hit))
    overstated = scs_overstatement(raw)
    if overstated is not None:
        found.append(("excluded", f"overstated: {overstated}"))
    return tuple(found)


def flavor_exclusion(flavor: Mapping, profile: Profile) -> str | None:
    """Why a flavor is skipped by default (disabled, not public, excluded family), or None.

    >>> from normalizer.profiles import load_profile
    >>> flavor_exclusion({"name": "g1.gpu.large", "vcpus": 8, "ram": 32768}, load_profile("generic"))[:52]
    "excluded family: name matches '(?i).*gpu.*' (flavors"
    """
    if not isinstance(flavor, Mapping):
        return "not a flavor record"
    reasons = [reason for _, reason in _exclusions(flavor, profile.flavors)]
    return "; ".join(reasons) or None


# --- reading records -------------------------------------------------------------------


@dataclass(frozen=True)
class _Flavor:
    """One listed flavor as the choice sees it."""

    label: str
    id: str | None
    name: str
    vcpus: int
    ram: int
    disk: int
    problem: str | None
    skips: tuple[tuple[str, str], ...]

    @property
    def size(self) -> tuple[int, int, int]:
        return (self.vcpus, self.ram, self.disk)

    @property
    def key(self) -> tuple[int, int, int, str, str]:
        return (self.vcpus, self.ram, self.disk, self.name, self.id or "")

    def size_text(self) -> str:
        disk = f"{self.disk} GiB disk" + (" (boot from volume)" if self.disk == 0 else "")
        return f"{_vcpus(self.vcpus)}, {self.ram} MiB RAM, {disk}"

    def blocking(self, included: frozenset) -> list[tuple[str, str]]:
        return [(kind, why) for kind, why in self.skips if kind not in included]


def _read(raw: Any, index: int, rules: FlavorSettings) -> _Flavor:
    if not isinstance(raw, Mapping):
        return _Flavor(f"entry #{index}", None, "", 0, 0, 0, f"not a flavor record ({type(raw).__name__})", ())
    name = raw.get("name") if isinstance(raw.get("name"), str) else ""
    flavor_id = as_text(raw.get("id")) or None  # an empty id names nothing Nova can boot
    label = name or (f"id {flavor_id}" if flavor_id else f"entry #{index}")
    sizes, problems = [], []
    for field, lowest in (("vcpus", 1), ("ram", 1), ("disk", 0)):
        value = as_int(raw.get(field))
        if value is None or value < lowest:
            shown = "missing" if field not in raw else f"{_short.repr(raw.get(field))}"
            problems.append(f"{field} is {shown}")
            value = 0
        sizes.append(value)
    if flavor_id is None:
        problems.insert(0, "no usable id")
    problem = "unusable record: " + ", ".join(problems) if problems else None
    return _Flavor(label, flavor_id, name, *sizes, problem, _exclusions(raw, rules))


def _records(flavors: Any, rules: FlavorSettings) -> list[_Flavor]:
    if isinstance(flavors, (str, bytes, Mapping)) or not isinstance(flavors, Iterable):
        return []
    return [_read(raw, index, rules) for index, raw in enumerate(flavors)]


def _fits(flavor: _Flavor, request: Mapping[str, int]) -> bool:
    return (flavor.vcpus >= request["min_vcpus"] and flavor.ram >= request["min_ram"]
            and flavor.disk >= request["min_disk"])


def _shortfalls(flavor: _Flavor, request: Mapping[str, int]) -> list[str]:
    short = []
    if flavor.vcpus < request["min_vcpus"]:
        short.append(f"{_vcpus(flavor.vcpus)} < {request['min_vcpus']}")
    if flavor.ram < request["min_ram"]:
        short.append(f"{flavor.ram} MiB RAM < {request['min_ram']}")
    if flavor.disk < request["min_disk"]:
        short.append(f"{flavor.disk} GiB disk < {request['min_disk']}")
    return short


def _distance(flavor: _Flavor, request: Mapping[str, int]) -> float:
    """Sum of relative shortfalls over the asked dimensions: 0 when the flavor fits."""
    total = 0.0
    for have, asked in zip(flavor.size, (request[k] for k in _MINIMUMS)):
        if asked and have < asked:
            total += (asked - have) / asked
    return total


# --- the choice ------------------------------------------------------------------------


def pick_flavor(flavors: Sequence[Mapping], profile: Profile, spec: str | None = None, *, min_vcpus: Any = None,
                min_ram: Any = None, min_disk: Any = None, include_disabled: bool = False,
                include_private: bool = False, include_excluded: bool = False) -> Decision:
    """Choose the smallest flavor that satisfies the request; the reason says how it differs.

    ``flavors`` are raw Nova flavor records (normalized flavors work too). The value is
    the chosen flavor's id. Raises ``NoMatch`` (naming the three nearest flavors) when
    nothing satisfies the request, ``SelectionError`` for a malformed request.

    >>> from normalizer.profiles import load_profile
    >>> d = pick_flavor([{"id": "3", "name": "m1.medium", "vcpus": 2, "ram": 4096, "disk": 40}],
    ...                 load_profile("generic"), "t3.small")
    >>> d.value
    '3'
    >>> print(d.reason)
    asked t3.small (>= 2 vCPUs, >= 2048 MiB RAM); picked m1.medium: 2 vCPUs, 4096 MiB RAM (+2048 MiB), 40 GiB disk
    """
    request = resolve_request(spec, profile, min_vcpus=min_vcpus, min_ram=min_ram, min_disk=min_disk)
    included = frozenset(kind for kind, on in (("disabled", include_disabled), ("private", include_private),
                                               ("excluded", include_excluded)) if on)
    records = _records(flavors, profile.flavors)
    eligible = [f for f in records if f.problem is None and not f.blocking(included)]
    named = [f for f in eligible if spec is not None and f.name == spec and read_scs_name(spec)[0] is not None]
    if named:  # the SCS name itself: the cloud's flavor of that name keeps its promise
        return Decision(f"flavor for {request['label']}", named[0].id, "SCS name",
                        f"the flavor named {spec} is there: {named[0].size_text()}")
    fitting = sorted((f for f in eligible if _fits(f, request)), key=lambda f: f.key)
    if not fitting:
        raise _no_match(request, records, included)
    pick = fitting[0]
    return Decision(f"flavor for {request['label']}", pick.id, "smallest satisfying flavor",
                    _reason(request, pick, fitting, included), _considered(request, pick, records, fitting, included))


def _differences(pick: _Flavor, request: Mapping[str, int]) -> str:
    def plus(have: int, asked: int, unit: str) -> str:
        return f" (+{have - asked}{unit})" if asked and have > asked else ""

    vcpus = _vcpus(pick.vcpus) + plus(pick.vcpus, request["min_vcpus"], "")
    ram = f"{pick.ram} MiB RAM" + plus(pick.ram, request["min_ram"], " MiB")
    disk = f"{pick.disk} GiB disk" + plus(pick.disk, request["min_disk"], " GiB")
    if pick.disk == 0:
        disk += " (boot from volume)"
    return f"{vcpus}, {ram}, {disk}"


def _reason(request: Mapping, pick: _Flavor, fitting: list[_Flavor], included: frozenset) -> str:
    reason = f"asked {request['label']}; picked {pick.label}: {_differences(pick, request)}"
    asked = [(have, request[key]) for have, key in zip(pick.size, _MINIMUMS) if request[key]]
    if asked and all(have == want for have, want in asked):
        reason += "; exactly the size asked"
    for kind, why in pick.skips:
        if kind in included:
            reason += f"; included although {why} ({_INCLUDE_FLAGS[kind]}=True)"
    ties = [f.label for f in fitting[1:] if f.size == pick.size]
    if ties:
        reason += f"; the same size as {', '.join(ties[:_SHOWN])}{' and others' if len(ties) > _SHOWN else ''}" \
                  " (the name decided)"
    return reason


def _considered(request: Mapping, pick: _Flavor, records: list[_Flavor], fitting: list[_Flavor],
                included: frozenset) -> tuple[Considered, ...]:
    """Why the nearest others lost: skipped ones that would have won, too small, bigger, unusable."""
    skipped = sorted((f for f in records if f.problem is None and f.blocking(included) and _fits(f, request)
                      and f.key < pick.key), key=lambda f: f.key)
    small = sorted((f for f in records if f.problem is None and not f.blocking(included) and not _fits(f, request)),
                   key=lambda f: (_distance(f, request), f.key))
    damaged = [f for f in records if f.problem is not None]
    groups = [
        (skipped, lambda f: f"would fit ({f.size_text()}) but is skipped: {_blocked_text(f, included)}"),
        (small, lambda f: f"too small: {', '.join(_shortfalls(f, request))}"),
        (fitting[1:], lambda f: "the same size; loses on the name" if f.size == pick.size
         else f"bigger: {f.size_text()}"),
        (damaged, lambda f: f"skipped: {f.problem}"),
    ]
    considered, hidden = [], 0
    for group, verdict in groups:
        considered += [Considered(f.label, verdict(f)) for f in group[:_SHOWN]]
        hidden += max(0, len(group) - _SHOWN)
    if hidden:
        considered.append(Considered("(others)", f"{hidden} more flavors not listed"))
    return tuple(considered)


def _blocked_text(flavor: _Flavor, included: frozenset) -> str:
    parts = [f"{why} (pass {_INCLUDE_FLAGS[kind]}=True to allow it)" for kind, why in flavor.blocking(included)]
    return "; ".join(parts)


def _no_match(request: Mapping, records: list[_Flavor], included: frozenset) -> NoMatch:
    usable = [f for f in records if f.problem is None]
    nearest = sorted(usable, key=lambda f: (_distance(f, request), f.key))[:_SHOWN]
    label = request["label"]
    if not usable:
        damaged = f" ({len(records)} records, none usable)" if records else ""
        return NoMatch(f"no flavor for {label}: the cloud lists no usable flavors{damaged}",
                       hint="check that this project may list flavors (openstack flavor list)",
                       candidates=[], request=dict(request))

    def describe(flavor: _Flavor) -> str:
        why = [why for _, why in flavor.blocking(included)] + (
            ["short: " + ", ".join(_shortfalls(flavor, request))] if not _fits(flavor, request) else [])
        return f"{flavor.label!r} ({flavor.size_text()}: {'; '.join(why)})"

    message = (f"no flavor for {label} among {len(records)} flavors; nearest: "
               + ", ".join(describe(f) for f in nearest))
    return NoMatch(message, hint=_no_match_hint(request, usable, included),
                   candidates=[f.label for f in nearest], request=dict(request))


def _no_match_hint(request: Mapping, usable: list[_Flavor], included: frozenset) -> str:
    would_fit = sorted((f for f in usable if _fits(f, request)), key=lambda f: f.key)
    if would_fit:
        best = would_fit[0]
        flags = " and ".join(f"{_INCLUDE_FLAGS[kind]}=True" for kind, _ in best.blocking(included))
        return f"pass {flags} to allow {best.label!r}, or lower the request"
    kinds = sorted({kind for f in usable for kind, _ in f.blocking(included)})
    flags = "/".join(f"{_INCLUDE_FLAGS[kind]}=" for kind in kinds)
    return "lower the request" + (f", or pass {flags}True to consider skipped flavors" if flags else "")
