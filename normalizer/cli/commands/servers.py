"""``server list|show|plan|create|delete``.

>>> register(commands)  # doctest: +SKIP
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from typing import Any

from normalizer.cli.file_arguments import default_key_file, public_keys, read_text
from normalizer.cli.output import Listing, Record, detail_text
from normalizer.cli.progress import Progress
from normalizer.cli.runtime import PROG, Runtime, UsageError, cloud_label
from normalizer.exceptions import NoMatch
from normalizer.provision.access import PUBLIC_ACCESS
from normalizer.tables import render_table

__all__ = ["SERVER_COLUMNS", "register", "ssh_line"]

_ANYWHERE = "anywhere"  # what a bare --allow-ssh stands for
#: The columns of ``server list``.
SERVER_COLUMNS = ("name", "state", "public_v4", "public_v6", "private_v4", "interface_ip", "login_user")
_SHOWN = ("id", "name", "status", "state", "public_v4", "public_v6", "private_v4", "private_v6", "interface_ip",
          "ssh_port", "login_user", "image.name", "image.distro", "image.version", "flavor.name", "flavor.vcpus",
          "flavor.ram", "flavor.disk", "key_name", "addresses", "security_groups", "metadata", "zone", "created_at")
_PLAN_FIELDS = ("name", "image_id", "flavor_id", "boot_volume", "network_id", "key_name", "temporary_key",
                "floating_ip_pool", "public_access", "ssh_group", "ssh_ranges", "login_user", "security_groups",
                "metadata")


def ssh_line(server: Mapping[str, Any]) -> str | None:
    """The ``ssh USER@ADDRESS`` line for a server (``-p PORT`` when forwarded), or None without an address.

    >>> ssh_line({"login_user": "ubuntu", "interface_ip": "203.0.113.3", "ssh_port": 22})
    'ssh ubuntu@203.0.113.3'
    >>> ssh_line({"login_user": None, "interface_ip": "2001:db8::5", "ssh_port": 2201})
    'ssh -p 2201 root@2001:db8::5'
    """
    address = server.get("interface_ip")
    if not address:
        return None
    port = server.get("ssh_port")
    option = f"-p {port} " if port not in (None, 22) else ""
    return f"ssh {option}{server.get('login_user') or 'root'}@{address}"


def _server_record(server: Mapping[str, Any]) -> Record:
    return Record(server, fields=[f for f in _SHOWN if f.split(".")[0] in server], last_line=ssh_line(server))


def _list(runtime: Runtime) -> Listing:
    """``server list [--all-clouds]``: every server, normalized; one table for every cloud and region."""
    if not runtime.args.all_clouds:
        return Listing(runtime.connect().list_servers(), SERVER_COLUMNS)
    answered = runtime.each_cloud(runtime.clouds(True), lambda cloud: cloud.list_servers())
    rows = [dict(server, cloud=cloud.name, region=cloud.region_name) for cloud, listing in answered
            for server in listing]
    rows.sort(key=lambda row: (str(row["cloud"]), str(row["region"] or ""), str(row.get("name") or "")))
    return Listing(rows, ("cloud", "region") + SERVER_COLUMNS, status=1 if runtime.failures else 0)


def _show(runtime: Runtime) -> Record:
    """``server show NAME``: one server, every field."""
    cloud = runtime.connect()
    server = cloud.get_server(runtime.args.name)
    if server is None:
        raise NoMatch(f"{cloud.name}: no server {runtime.args.name!r}",
                      hint=f"'{runtime.args.name}' is neither the name nor the id of a server; see server list")
    return _server_record(server)


def _request(runtime: Runtime, *, need_key: bool) -> dict[str, Any]:
    """The keyword arguments of plan_server/create_server from the command line."""
    args = runtime.args
    key_file = args.key_file
    if key_file is None and args.key_name is None and need_key:
        key_file = default_key_file()
        if key_file is None:
            raise UsageError("pass --key-file PUBLIC_KEY_FILE or --key-name KEYPAIR "
                             "(no ~/.ssh/id_ed25519.pub, id_ecdsa.pub or id_rsa.pub to use instead)")
    public_key = None
    if key_file is not None:
        keys = public_keys([key_file], "--key-file")
        if len(keys) != 1:
            raise UsageError(f"--key-file {key_file} holds {len(keys)} keys; name a file with one")
        public_key = keys[0]
    return dict(network=args.network, key_name=args.key_name, public_key=public_key,
                auto_ip=not args.no_auto_ip, root_keys=public_keys(args.root_key or [], "--root-key") or None,
                userdata=read_text(args.userdata, "--userdata") if args.userdata else None,
                security_groups=args.security_group or None, metadata=_properties(args.property) or None,
                boot_from_volume=args.boot_from_volume, volume_size=args.volume_size, volume_type=args.volume_type,
                allow_ssh=_allow_ssh(args.allow_ssh), public_access=args.public_access)


def _properties(pairs: Sequence[str] | None) -> dict[str, str]:
    """``--property key=value`` options as a dict; a usage error for one without ``=``."""
    result: dict[str, str] = {}
    for pair in pairs or ():
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"--property {pair}: write it as key=value")
        result[key] = value
    return result


def _allow_ssh(values: list[str] | None) -> Any:
    """``--allow-ssh`` alone opens SSH from anywhere; ``--allow-ssh CIDR`` (repeatable) from those ranges."""
    if not values:
        return None
    return True if _ANYWHERE in values else values


def _plan_table(plan: Mapping[str, Any]) -> str:
    head = render_table([{"Field": f, "Value": detail_text(plan.get(f))} for f in _PLAN_FIELDS], ("Field", "Value"))
    steps = render_table(plan.get("steps") or [], ("subject", "value", "rule", "reason"))
    return f"{head}\n\n{steps}"


def _plan(runtime: Runtime) -> Record:
    """``server plan NAME --image ALIAS --flavor TYPE``: what create would decide, creating nothing."""
    args = runtime.args
    plan = runtime.connect().plan_server(args.name, args.image, args.flavor, **_request(runtime, need_key=False))
    return Record(plan, fields=_PLAN_FIELDS + ("steps",), table=_plan_table)


def _create(runtime: Runtime) -> Record:
    """``server create NAME --image ALIAS --flavor TYPE``: a server you can SSH into; ``ssh USER@ADDRESS`` last."""
    args = runtime.args
    request = _request(runtime, need_key=True)
    cloud = runtime.connect()
    title = f"creating server {args.name!r} on {cloud_label(cloud)}"
    with Progress(title, runtime.stderr, enabled=False if runtime.quiet else None,
                  first="reading networks, flavors and images"):
        server = cloud.create_server(args.name, args.image, args.flavor, timeout=args.timeout,
                                     reuse_ips=args.reuse_ips, wait_for_ssh=args.wait_for_ssh, **request)
    if ssh_line(server) is None and not runtime.quiet:
        print(f"{PROG}: warning: server {args.name!r} has no address to SSH to; "
              f"see: {PROG} explain {args.name} interface_ip", file=runtime.stderr)
    return _server_record(server)


def _delete_table(result: Mapping[str, Any]) -> str:
    released = result.get("released_floating_ips") or []
    text = f"deleted server {result.get('name')} ({result.get('id')})"
    if released:
        text += f"; released {len(released)} floating IP{'s' if len(released) > 1 else ''} made for it"
    if result.get("removed"):
        text += f"; removed {', '.join(result['removed'])}"
    for kept in result.get("kept_floating_ips") or []:
        text += f"\nkept floating IP {kept.get('floating_ip_address') or kept.get('id')}: {kept.get('reason')}"
    return text


def _delete(runtime: Runtime) -> Record:
    """``server delete NAME [--keep-ips] [--no-wait]``: the server and the floating IPs made for it."""
    args = runtime.args
    cloud = runtime.connect()
    title = f"deleting server {args.name!r} on {cloud_label(cloud)}"
    with Progress(title, runtime.stderr, enabled=False if runtime.quiet or args.no_wait else None,
                  first="finding the server"):
        result = cloud.delete_server(args.name, wait=not args.no_wait, delete_ips=not args.keep_ips,
                                     timeout=args.timeout)
    if not result:
        raise NoMatch(f"{cloud.name}: no server {args.name!r} to delete", hint="see server list")
    return Record(result, table=_delete_table)


def _request_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="NAME", help="the server's name")
    parser.add_argument("--image", required=True, metavar="ALIAS",
                        help="an image alias (ubuntu-24.04, debian-12, rocky-9 ...), name or id")
    parser.add_argument("--flavor", required=True, metavar="TYPE",
                        help="an instance type (t3.small, m5.large ...), an SCS flavor name, a flavor name or id")
    parser.add_argument("--network", metavar="N", help="boot on this network (default: the cloud's private network)")
    keys = parser.add_mutually_exclusive_group()
    keys.add_argument("--key-file", metavar="F",
                      help="public key file: a temporary keypair is made for the boot and removed once the server "
                           "is ACTIVE (create's default: ~/.ssh/id_ed25519.pub, id_ecdsa.pub or id_rsa.pub)")
    keys.add_argument("--key-name", metavar="K", help="an existing keypair of the cloud")
    parser.add_argument("--root-key", action="append", metavar="F",
                        help="give root these public keys and turn password login off (repeatable)")
    parser.add_argument("--userdata", metavar="F", help="cloud-init user-data file (- reads standard input)")
    parser.add_argument("--security-group", action="append", metavar="G", help="security group (repeatable)")
    parser.add_argument("--property", action="append", metavar="KEY=VALUE", help="server metadata (repeatable)")
    parser.add_argument("--no-auto-ip", action="store_true",
                        help="do not add a floating IP when the server has no public IPv4")
    volume = parser.add_mutually_exclusive_group()
    volume.add_argument("--boot-from-volume", dest="boot_from_volume", action="store_const", const=True,
                        help="boot from a new volume made from the image, deleted with the server (default: only "
                             "when the flavor has no root disk)")
    volume.add_argument("--no-boot-from-volume", dest="boot_from_volume", action="store_const", const=False,
                        help="never boot from a volume (fails on a flavor without a root disk)")
    parser.add_argument("--volume-size", type=int, metavar="GIB",
                        help="the boot volume's size in GiB (default: what the image needs)")
    parser.add_argument("--volume-type", metavar="T", help="the boot volume's type (default: the cloud's)")
    parser.add_argument("--allow-ssh", nargs="?", const=_ANYWHERE, action="append", metavar="CIDR",
                        help="open TCP 22 through a security group of the server's own, from CIDR (repeatable) "
                             "or, without CIDR, from anywhere; removed with the server")
    parser.add_argument("--public-access", choices=PUBLIC_ACCESS, default="auto",
                        help="auto: a direct address, else a floating IP, else (the floating-IP quota down to its "
                             "last one) port forwarding; port_forward: a port of one shared floating IP")


def register(commands: Any) -> None:
    """Add the ``server`` commands to the parser.

    >>> register(commands)  # doctest: +SKIP
    """
    listing = commands.add("server list", _list, "list servers (every cloud and region with --all-clouds)")
    listing.add_argument("--all-clouds", action="store_true",
                         help="every cloud and region of clouds.yaml, asked in parallel; a cloud that fails is "
                              "reported on stderr (exit status 1) and the others are still listed")
    show = commands.add("server show", _show, "show one server, normalized")
    show.add_argument("name", metavar="NAME", help="the server's name or id")
    _request_options(commands.add("server plan", _plan,
                                  "show what server create would decide (image, flavor, network, address, "
                                  "login user), creating nothing"))
    create = commands.add("server create", _create,
                          "create a server you can SSH into; prints ssh USER@ADDRESS last")
    _request_options(create)
    create.add_argument("--reuse-ips", action="store_true",
                        help="claim an unattached floating IP of the project instead of making a new one")
    create.add_argument("--timeout", type=float, default=600, metavar="S",
                        help="seconds for the whole create (default 600)")
    create.add_argument("--wait-for-ssh", action="store_true",
                        help="also wait until SSH on the address (port 22, or the forwarded port) answers with its banner")
    delete = commands.add("server delete", _delete,
                          "delete a server and the floating IPs normalizer made for it")
    delete.add_argument("name", metavar="NAME", help="the server's name or id")
    delete.add_argument("--keep-ips", action="store_true", help="keep the floating IPs normalizer made for it")
    delete.add_argument("--no-wait", action="store_true", help="return once the cloud accepted the delete")
    delete.add_argument("--timeout", type=float, default=600, metavar="S",
                        help="seconds for the whole delete (default 600)")
