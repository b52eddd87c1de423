"""``explain``, ``doctor`` and ``orphans``: why normalizer decided, how a cloud fares, what was left behind.

>>> register(commands)  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from normalizer.cli.output import Listing, Record
from normalizer.cli.runtime import Runtime, UsageError, cloud_label
from normalizer.exceptions import NoMatch, ProvisionError
from normalizer.select.decision import decision_text
from normalizer.tables import render_table

__all__ = ["DOCTOR_COLUMNS", "ORPHAN_COLUMNS", "ROLE_SUBJECTS", "explain_text", "register", "verdict_matrix"]

#: The subjects ``explain`` takes by name, besides servers, networks and images.
ROLE_SUBJECTS = ("public_network", "private_network", "external_network")
#: The columns of ``doctor`` in every format but its own table.
DOCTOR_COLUMNS = ("cloud", "region", "number", "step", "status", "how")
#: The columns of ``orphans``.
ORPHAN_COLUMNS = ("kind", "name", "id", "server_id", "age", "reason")


def explain_text(decision: Mapping[str, Any]) -> str:
    """A decision as a person reads it, in the library's own words (what ``print(cloud.explain(...))`` shows).

    >>> print(explain_text({"subject": "external network", "value": "ext", "rule": "router gateway",
    ...                     "reason": "a router of this project reaches it", "ambiguous": False,
    ...                     "considered": [{"candidate": "other", "verdict": "no router reaches it"}]}))
    external network: 'ext'
      rule:   router gateway
      reason: a router of this project reaches it
      considered:
      - other: no router reaches it
    """
    return decision_text(decision.get("subject"), decision.get("value"), decision.get("rule"),
                         decision.get("reason"), decision.get("considered") or (),
                         ambiguous=bool(decision.get("ambiguous")))


def _decision(runtime: Runtime) -> Any:
    args, cloud = runtime.args, runtime.connect()
    if args.flavor is not None:
        return cloud.explain(flavor=args.flavor)
    if args.image is not None:
        return cloud.explain(image=args.image)
    if args.subject is None:
        raise UsageError("explain needs a SUBJECT (" + ", ".join(ROLE_SUBJECTS) + ", a server, a network or an "
                         "image) or --flavor SPEC or --image ALIAS")
    if args.subject in ROLE_SUBJECTS:
        return cloud.explain(args.subject)
    server = cloud.get_server(args.subject)
    if server is not None:
        return cloud.explain(server, args.field)
    for found in (cloud.get_network(args.subject), cloud.get_image(args.subject)):
        if found is not None:
            return cloud.explain(found)
    raise NoMatch(f"{cloud.name}: nothing named {args.subject!r} to explain",
                  hint=f"name one of {', '.join(ROLE_SUBJECTS)}, a server, a network or an image; "
                       "or pass --flavor SPEC or --image ALIAS")


def _explain(runtime: Runtime) -> Record:
    """Why normalizer decided a network role, a server's address, a flavor or image pick, a login user."""
    return Record(_decision(runtime), fields=("subject", "value", "rule", "reason", "ambiguous", "considered"),
                  table=explain_text)


def verdict_matrix(reports: list[tuple[str, list]]) -> str:
    """Several clouds' eight steps side by side, then each distinct "how", naming the clouds that share it.

    >>> step = {"number": 1, "step": "add a node-specific SSH key", "status": "native", "how": "keypair"}
    >>> print(verdict_matrix([("a", [step]), ("b", [step])]))
    #  step                         a       b
    1  add a node-specific SSH key  native  native
    <BLANKLINE>
    1 add a node-specific SSH key
      native on every cloud: keypair
    """
    labels = [label for label, _ in reports]
    by_number: dict[int, dict] = {}
    for label, steps in reports:
        for step in steps:
            by_number.setdefault(step["number"], {"#": step["number"], "step": step["step"]})[label] = step["status"]
    rows = [by_number[n] for n in sorted(by_number)]
    lines = [render_table(rows, ["#", "step"] + labels), ""]
    for number in sorted(by_number):
        verdicts: dict[tuple, list] = {}
        for label, steps in reports:
            for step in (s for s in steps if s["number"] == number):
                verdicts.setdefault((step["status"], step["how"]), []).append(label)
        lines.append(f"{number} {by_number[number]['step']}")
        for (status, how), sharing in verdicts.items():
            who = "every cloud" if len(sharing) == len(labels) and len(labels) > 1 else ", ".join(sharing)
            lines.append(f"  {status} on {who}: {how}")
    return "\n".join(lines)


def _doctor(runtime: Runtime) -> Listing:
    """The eight provisioning steps on each cloud: native, bridged (how) or unsupported (why)."""
    args = runtime.args
    clouds = runtime.clouds(args.all_clouds)

    def report(cloud: Any) -> Any:
        return cloud.conformance(probe=args.probe, image=args.image, flavor=args.flavor)
    # one cloud: its error is the command's (exit 2 for configuration); several: each failure on stderr
    answered = runtime.each_cloud(clouds, report) if args.all_clouds else [(clouds[0], report(clouds[0]))]
    names = [c.name for c in clouds]
    reports = [(cloud.name if names.count(cloud.name) == 1 else cloud_label(cloud), result.steps)
               for cloud, result in answered]
    rows = [dict(step, cloud=cloud.name, region=cloud.region_name) for cloud, result in answered
            for step in result.steps]

    def table(records: list) -> str:
        if len(reports) == 1:
            return f"{reports[0][0]}:\n" + render_table(records, ("number", "step", "status", "how"))
        return verdict_matrix(reports)
    return Listing(rows, DOCTOR_COLUMNS, table=table if reports else None, status=1 if runtime.failures else 0)


def _orphans(runtime: Runtime) -> Listing:
    """Normalizer-marked floating IPs and keypairs whose server is gone; ``--delete`` removes them."""
    args = runtime.args
    cloud = runtime.connect()
    if not args.delete:
        return Listing(cloud.list_orphans(), ORPHAN_COLUMNS)
    result = cloud.cleanup_orphans(older_than=args.older_than)
    rows = [dict(o, outcome=o.get("outcome")) for o in result.removed]
    rows += [dict(o, outcome=f"not removed: {o.get('error')}") for o in result.not_removed]
    rows += [dict(o, outcome=f"skipped: {o.get('skipped_because')}") for o in result.skipped]
    for failed in result.not_removed:
        what = f"{failed.get('kind')} {failed.get('name')} was not removed: {failed.get('error')}"
        runtime.report_failure(ProvisionError(what), cloud.name)
    return Listing(rows, ("kind", "name", "id", "outcome"), status=1 if result.not_removed else 0)


def register(commands: Any) -> None:
    """Add ``explain``, ``doctor`` and ``orphans`` to the parser.

    >>> register(commands)  # doctest: +SKIP
    """
    explain = commands.add("explain", _explain,
                           "why normalizer decided: the value, its rule, its reason and the alternatives")
    explain.add_argument("subject", nargs="?", metavar="SUBJECT",
                         help="public_network, private_network, external_network, a server (FIELD: public_v4, "
                              "public_v6, private_v4, private_v6, interface_ip (default), login_user), "
                              "a network (its roles) or an image (its login user)")
    explain.add_argument("field", nargs="?", metavar="FIELD", help="the server field to explain")
    explain.add_argument("--flavor", metavar="SPEC", help="explain the flavor pick for an instance type")
    explain.add_argument("--image", metavar="ALIAS", help="explain the image pick for an alias")
    doctor = commands.add("doctor", _doctor,
                          "the eight provisioning steps on this cloud: native, bridged (how) or unsupported (why)")
    doctor.add_argument("--probe", action="store_true",
                        help="really boot a small server, walk the steps, and delete it")
    doctor.add_argument("--all-clouds", action="store_true", help="every cloud and region of clouds.yaml, in parallel")
    doctor.add_argument("--image", metavar="ALIAS", help="the probe's image (default: the newest Ubuntu)")
    doctor.add_argument("--flavor", metavar="TYPE", help="the probe's flavor (default: the smallest that fits)")
    orphans = commands.add("orphans", _orphans,
                           "list what normalizer made for servers that no longer exist (--delete removes it)")
    orphans.add_argument("--delete", action="store_true", help="remove them (and nothing else)")
    orphans.add_argument("--older-than", type=float, metavar="S",
                         help="with --delete: leave alone those younger than S seconds (or of unknown age)")
