"""Nova (compute API v2.1) for FakeCloud: flavors, keypairs, servers and REST handlers.

Microversions matter: the server ``flavor`` is embedded from 2.47, flavors carry
``extra_specs`` from 2.61, ``networks`` is required from 2.37 and the nova-network
proxy APIs exist only up to 2.35.
"""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any
from urllib.parse import urlencode, unquote

from normalizer.testing.cinder import CinderFault
from normalizer.testing.neutron import NeutronFault

__all__ = ["NovaFault", "NovaState", "NovaAPI", "parse_version"]

_FAULT_NAMES = {400: "badRequest", 401: "unauthorized", 403: "forbidden", 404: "itemNotFound",
                405: "badMethod", 409: "conflictingRequest", 413: "overLimit", 429: "overLimit",
                501: "notImplemented", 503: "serviceUnavailable"}
_VM_STATES = {"ACTIVE": ("active", 1), "BUILD": ("building", 0), "ERROR": ("error", 0),
              "SHUTOFF": ("stopped", 4), "PAUSED": ("paused", 3), "SUSPENDED": ("suspended", 4)}
_MAX_LIMIT = 1000
_KEY_NAME = re.compile(r"^[a-zA-Z0-9 _-]+$")
_KEY_NAME_292 = re.compile(r"^[a-zA-Z0-9 _@.-]+$")


class NovaFault(Exception):
    """An error Nova answers with, e.g. ``{"itemNotFound": {"code": 404, "message": ...}}``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message

    def reply(self) -> tuple[int, Any, dict]:
        """Return the fault as a ``(status, body, headers)`` reply."""
        name = _FAULT_NAMES.get(self.status, "computeFault")
        return self.status, {name: {"code": self.status, "message": self.message}}, {}


def parse_version(text: str, maximum: tuple[int, int]) -> tuple[int, int]:
    """Parse a requested microversion (``"2.60"``, ``"latest"``) and check its range.

    >>> parse_version("2.60", (2, 96))
    (2, 60)
    """
    text = text.strip()
    if text == "latest":
        return maximum
    match = re.fullmatch(r"(\d+)\.(\d+)", text)
    if not match:
        raise NovaFault(400, f"API Version String {text} is of invalid format. Must be of format MajorNum.MinorNum.")
    version = (int(match.group(1)), int(match.group(2)))
    if not (2, 1) <= version <= maximum:
        raise NovaFault(406, f"Version {text} is not supported by the API. Minimum is 2.1 and maximum is "
                             f"{maximum[0]}.{maximum[1]}.")
    return version


def fingerprint(public_key: str) -> str:
    """MD5 fingerprint of an OpenSSH key line, as Nova reports it.

    >>> len(fingerprint(make_public_key(b"x")))
    47
    """
    try:
        blob = base64.b64decode(public_key.split()[1].encode(), validate=True)
    except (IndexError, ValueError):
        raise NovaFault(400, "Keypair data is invalid: failed to generate fingerprint") from None
    digest = hashlib.md5(blob).hexdigest()  # noqa: S324 - Nova's own fingerprint format
    return ":".join(digest[i:i + 2] for i in range(0, 32, 2))


def make_public_key(seed: bytes) -> str:
    """A syntactically valid ed25519 key line derived from ``seed`` (no secret half).

    >>> make_public_key(b"x").startswith("ssh-ed25519 AAAA")
    True
    """
    def field(data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + data
    blob = field(b"ssh-ed25519") + field(hashlib.sha256(seed).digest())
    return f"ssh-ed25519 {base64.b64encode(blob).decode()} Generated-by-Nova"


class NovaState:
    """Flavors, keypairs and servers of one cloud; ports and images live in Neutron/Glance.

    >>> # NovaState(seq, ids, neutron_state, glance_state, features, build_polls=1)
    """

    def __init__(self, seq: Any, ids: Any, neutron: Any, glance: Any, features: dict, build_polls: int,
                 cinder: Any = None) -> None:
        self.seq, self.ids, self.neutron, self.glance, self._cinder = seq, ids, neutron, glance, cinder
        self.features, self.build_polls = features, build_polls
        self.delete_polls = 0
        # Without a usable network API Nova plugs every network, as nova-network did.
        self.legacy = not (features["network_endpoint"] and features["network_api"])
        self.flavors: dict[str, dict] = {}
        self.keypairs: dict[str, dict] = {}
        self.servers: dict[str, dict] = {}
        self._polls: dict[str, int] = {}
        # Messages for the next builds that fail, in order (FakeCloud.fail_builds).
        self.build_faults: list[str] = []

    def add_flavor(self, name: str, vcpus: int, ram: int, disk: int, *, is_public: bool = True,
                   disabled: bool = False, ephemeral: int = 0, swap: int = 0,
                   extra_specs: dict | None = None, id: str | None = None) -> dict:
        """Store a flavor in its fullest (2.75) shape and return it."""
        flavor_id = str(id) if id is not None else self.seq.uuid()
        record = {"id": flavor_id, "name": name, "vcpus": vcpus, "ram": ram, "disk": disk,
                  "OS-FLV-EXT-DATA:ephemeral": ephemeral, "swap": swap, "rxtx_factor": 1.0,
                  "os-flavor-access:is_public": bool(is_public), "OS-FLV-DISABLED:disabled": bool(disabled),
                  "description": None, "extra_specs": dict(extra_specs or {})}
        self.flavors[flavor_id] = record
        return record

    def add_keypair(self, name: str, public_key: str | None = None, key_type: str = "ssh") -> dict:
        """Store a keypair; without ``public_key`` one is generated and ``private_key`` returned."""
        if name in self.keypairs:
            raise NovaFault(409, f"Key pair '{name}' already exists.")
        secret_key = None
        if public_key is None:
            seed = f"{self.seq.seed}:{name}".encode()
            public_key = make_public_key(seed)
            body = base64.encodebytes(hashlib.sha512(seed).digest() * 3).decode()
            secret_key = f"-----BEGIN OPENSSH PRIVATE KEY-----\n{body}-----END OPENSSH PRIVATE KEY-----\n"
        record = {"name": name, "public_key": public_key, "fingerprint": fingerprint(public_key),
                  "type": key_type, "user_id": self.ids.user_id, "id": len(self.keypairs) + 1,
                  "created_at": self.seq.now(), "deleted": False, "deleted_at": None, "updated_at": None}
        self.keypairs[name] = record
        return dict(record, private_key=secret_key) if secret_key else record

    def flavor(self, ref: Any, *, by_name: bool = False) -> dict:
        """Find a flavor by id (or a URL ending in it), else by name when ``by_name``."""
        ref = str(ref).rstrip("/").rsplit("/", 1)[-1]
        if ref in self.flavors:
            return self.flavors[ref]
        named = [f for f in self.flavors.values() if by_name and f["name"] == ref]
        if len(named) != 1:
            raise NovaFault(404, f"Flavor {ref} could not be found.")
        return named[0]

    def server(self, ref: str, *, by_name: bool = False) -> dict:
        """Find a server by id, else by name when ``by_name``."""
        if ref in self.servers:
            return self.servers[ref]
        named = [s for s in self.servers.values() if by_name and s["name"] == ref]
        if len(named) != 1:
            raise NovaFault(404, f"Instance {ref} could not be found.")
        return named[0]

    # --- servers -----------------------------------------------------------------

    def create_server(self, name: str, *, image: dict | None, flavor: dict, networks: Any,
                      key_name: str | None = None, metadata: dict | None = None,
                      security_groups: list[str] | None = None, access: tuple[str, str] = ("", ""),
                      status: str = "BUILD", description: str | None = None, config_drive: bool = False,
                      volumes: list[dict] | None = None) -> dict:
        """Create a server and its ports; ``networks`` is None, "auto", "none" or [{uuid|port}].

        ``volumes`` are the boot volumes (``{id, delete_on_termination}``) of a server
        booted from a volume (``image`` None); without them such a server gets a
        stand-in volume id, as on a cloud whose Cinder FakeCloud does not model.
        """
        if flavor["OS-FLV-DISABLED:disabled"]:
            raise NovaFault(400, f"Flavor {flavor['id']} could not be found.")
        if image is not None and not flavor["disk"]:
            raise NovaFault(403, "Only volume-backed servers are allowed for flavors with zero disk.")
        if image is not None:
            if image["status"] != "active":
                raise NovaFault(400, f"Image {image['id']} is not active.")
            if (image.get("min_ram") or 0) > flavor["ram"]:
                raise NovaFault(400, "Flavor's memory is too small for requested image.")
            if (image.get("min_disk") or 0) > flavor["disk"]:
                raise NovaFault(400, "Flavor's disk is too small for requested image.")
        if key_name is not None and key_name not in self.keypairs:
            raise NovaFault(400, "Invalid key_name provided.")
        now, server_id = self.seq.now(), self.seq.uuid()
        record = {"id": server_id, "name": name, "status": status, "image_id": image["id"] if image else None,
                  "flavor": dict(flavor), "key_name": key_name, "metadata": dict(metadata or {}),
                  "access_ipv4": access[0], "access_ipv6": access[1], "created": now, "updated": now,
                  "security_groups": list(security_groups or [self.neutron.vocab["default_security_group"]]),
                  "description": description, "config_drive": config_drive, "tags": [],
                  "volumes": [] if image else list(volumes or [{"id": self.seq.uuid(), "delete_on_termination": True}]),
                  "admin_pass": hashlib.sha256(server_id.encode()).hexdigest()[:12]}
        try:
            self._plug(server_id, networks)
            self._secure(record)
        except (NovaFault, NeutronFault) as fault:
            self.neutron.delete_server_ports(server_id)
            if isinstance(fault, NeutronFault):
                raise NovaFault(400 if fault.status == 404 else fault.status, fault.message) from None
            raise
        for family, key in ((4, "access_ipv4"), (6, "access_ipv6")):
            if record[key] == "auto":
                record[key] = self._first_fixed(server_id, family)
        self.servers[server_id] = record
        self._polls[server_id] = self.build_polls
        reasons = [volume.pop("fault") for volume in record["volumes"] if "fault" in volume]
        if reasons:
            record["fault_message"] = f"Build of instance {server_id} aborted: {reasons[0]}"
        if status == "BUILD" and self.build_faults and not record.get("fault_message"):
            record["fault_message"] = self.build_faults.pop(0)
        if status == "BUILD" and self.build_polls <= 0:
            self._finish_build(record)
        return record

    def _finish_build(self, record: dict) -> None:
        # A failed build ends in ERROR without ports: Nova deallocates the network of
        # an instance it could not spawn.
        if record.get("fault_message") is None:
            record.update(status="ACTIVE", updated=self.seq.now())
            return
        self.neutron.delete_server_ports(record["id"])
        record.update(status="ERROR", updated=self.seq.now(),
                      fault={"code": 500, "created": self.seq.now(), "message": record["fault_message"]})

    def _plug(self, server_id: str, networks: Any) -> None:
        neutron, owner = self.neutron, "compute:nova"
        if networks == "none":
            return
        if networks in (None, "auto"):
            candidates = neutron.bootable_networks()
            if len(candidates) > 1 and not self.legacy:
                raise NovaFault(409, "Multiple possible networks found, use a Network ID to be more specific.")
            if not candidates and networks == "auto":
                raise NovaFault(400, f"Unable to automatically allocate a network for project {self.ids.project_id}")
            networks = [{"uuid": n["id"]} for n in candidates]
        for spec in networks:
            if not isinstance(spec, dict) or not ({"uuid", "port"} & set(spec)):
                raise NovaFault(400, "Bad networks format: network uuid is not in proper format")
            if spec.get("port"):
                port = neutron.get("ports", spec["port"])
                if port["device_id"]:
                    raise NovaFault(409, f"Port {port['id']} is still in use.")
                neutron.bind(port, server_id, owner)
                continue
            net = neutron.records["networks"].get(spec["uuid"])
            if net is None or not neutron.visible("networks", net):
                raise NovaFault(400, f"Network {spec['uuid']} could not be found.")
            if net not in neutron.bootable_networks():
                raise NovaFault(403, f"It is not allowed to create an interface on external network {net['id']}")
            if not net["subnets"]:
                raise NovaFault(400, f"Network {net['id']} requires a subnet in order to boot instances on.")
            fixed = [{"ip_address": spec["fixed_ip"]}] if spec.get("fixed_ip") else None
            neutron.add_port(net["id"], device_id=server_id, device_owner=owner, fixed_ips=fixed)

    def _secure(self, record: dict) -> None:
        """Give the server's ports its security groups (named or by id); the server lists their names."""
        if self.legacy:
            return
        groups = self.neutron.records["security-groups"].values()
        chosen = [next((g for g in groups if ref in (g["id"], g["name"])), None) for ref in record["security_groups"]]
        found = [g for g in chosen if g is not None]
        record["security_groups"] = [g["name"] for g in found] or record["security_groups"]
        for port in self.neutron.device_ports(record["id"]):
            port["security_groups"] = [g["id"] for g in found]

    def _first_fixed(self, server_id: str, family: int) -> str:
        for entries in self.neutron.addresses(server_id, typed=False).values():
            for entry in entries:
                if entry["version"] == family:
                    return entry["addr"]
        return ""

    def delete_server(self, server_id: str) -> None:
        """Delete a server and its ports (floating IPs are detached, not released).

        With ``delete_polls`` > 0 the server stays visible as ``DELETED`` (listed, and by
        id) for that many GETs of it before it answers 404, as real Nova does for a few
        seconds while nova-compute finishes.
        """
        self.neutron.delete_server_ports(server_id)
        record = self.servers[server_id]
        self._release_volumes(record)
        if self.delete_polls > 0 and record["status"] != "DELETED":
            record.update(status="DELETED", updated=self.seq.now())
            self._polls[server_id] = self.delete_polls
            return
        del self.servers[server_id]
        self._polls.pop(server_id, None)

    @property
    def cinder(self) -> Any:
        """The Cinder state while the layout lists block storage in its catalog, else None."""
        return self._cinder if self.features.get("block_storage") else None

    def _release_volumes(self, record: dict) -> None:
        """Delete the volumes marked delete_on_termination, detach the others (once)."""
        for volume in record["volumes"] if self.cinder is not None else ():
            if volume["id"] not in self.cinder.volumes:
                continue
            self.cinder.detach(volume["id"])
            if volume.get("delete_on_termination"):
                self.cinder.delete(volume["id"])

    def discard_volumes(self, volumes: list[dict]) -> None:
        """Delete volumes made for a server Nova then refused."""
        for volume in volumes if self.cinder is not None else ():
            if volume["id"] in self.cinder.volumes and volume.get("delete_on_termination"):
                self.cinder.delete(volume["id"])

    def attach_volumes(self, record: dict) -> None:
        """Attach the server's boot volumes (in-use, as Nova leaves them once the build started)."""
        for volume in record["volumes"]:
            found = self.cinder.volumes.get(volume["id"]) if self.cinder is not None else None
            if found is not None and found["status"] == "available":
                self.cinder.attach(volume["id"], record["id"])

    def boot_volumes(self, mappings: Any, image_ref: str, *, builder: bool = False) -> list[dict]:
        """The boot volume of ``block_device_mapping_v2``: made from the image, or an existing volume.

        Raises the 400 Nova answers for a mapping it cannot use; a cloud without Cinder
        gets a volume id that does not exist (the build then fails, as Nova's does), as
        does a refusal of Cinder's (quota). ``builder`` (FakeCloud's builders) ignores the quota.
        """
        boot = next((m for m in mappings or () if isinstance(m, dict) and str(m.get("boot_index")) == "0"), None)
        if boot is None:
            return []
        if boot.get("destination_type") != "volume" or boot.get("source_type") not in ("image", "volume"):
            raise NovaFault(400, "Block Device Mapping is Invalid: Boot sequence for the instance and image/block "
                                 "device mapping combination is not valid.")
        keep = bool(boot.get("delete_on_termination"))
        if self.cinder is None:
            # Nova learns at build time that no volume service answers: the server ends in ERROR.
            return [{"id": self.seq.uuid(), "delete_on_termination": keep,
                     "fault": "Block Device Mapping is Invalid: the volume service is not available"}]
        try:
            if boot["source_type"] == "volume":
                volume = self.cinder.get(str(boot.get("uuid")))
                if volume["status"] != "available":
                    raise NovaFault(400, f"Invalid volume: volume '{volume['id']}' status must be 'available'. "
                                         f"Currently in '{volume['status']}'")
            else:
                volume = self._volume_from_image(boot, image_ref, enforce_quota=not builder)
        except CinderFault as fault:
            if fault.status == 404:
                raise NovaFault(400, f"Block Device Mapping is Invalid: {fault.message}") from None
            # nova-compute creates the volume: Cinder's refusal (quota, image size) aborts the build.
            return [{"id": self.seq.uuid(), "delete_on_termination": keep, "fault": fault.message}]
        entry = {"id": volume["id"], "delete_on_termination": keep}
        if volume["status"] == "error":
            entry["fault"] = (f"Volume {volume['id']} did not finish being created even after we waited 0 seconds "
                              "or 1 attempts. And its status is error.")
        return [entry]

    def _volume_from_image(self, boot: dict, image_ref: str, *, enforce_quota: bool) -> dict:
        """Create the boot volume of an image mapping, after the checks nova-api makes itself."""
        size, image_id = boot.get("volume_size"), str(boot.get("uuid") or image_ref)
        image = self.glance.images.get(image_id)
        if image is None or not self.glance.visible(image):
            raise NovaFault(400, f"Block Device Mapping is Invalid: failed to get image {image_id}.")
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise NovaFault(400, "Block Device Mapping is Invalid: Images with destination_type 'volume' need to "
                                 "have a non-zero size specified")
        if size < (image.get("min_disk") or 0):
            raise NovaFault(400, "Volume is smaller than the minimum size specified in image metadata. Volume size "
                                 f"is {size * 1024 ** 3} bytes, minimum size is {image['min_disk'] * 1024 ** 3} bytes.")
        return self.cinder.create_volume(size, image_ref=image_id, volume_type=boot.get("volume_type"),
                                         enforce_quota=enforce_quota)

    def tick(self, record: dict) -> None:
        """Count one GET of a building server (ACTIVE after ``build_polls``) or a deleted one (gone after ``delete_polls``)."""
        if record["status"] == "DELETED":
            self._polls[record["id"]] = self._polls.get(record["id"], 1) - 1
            if self._polls[record["id"]] <= 0:
                self.servers.pop(record["id"], None)
                self._polls.pop(record["id"], None)
            return
        if record["status"] != "BUILD":
            return
        self._polls[record["id"]] = self._polls.get(record["id"], 1) - 1
        if self._polls[record["id"]] <= 0:
            self._finish_build(record)

    def render(self, record: dict, mv: tuple[int, int], root: str) -> dict:
        """The server as ``GET /servers/{id}`` shows it at microversion ``mv``."""
        sid, status = record["id"], record["status"]
        vm_state, power = _VM_STATES.get(status, (status.lower(), 0))
        flavor = record["flavor"]
        server: dict[str, Any] = {
            "id": sid, "name": record["name"], "status": status, "tenant_id": self.ids.project_id,
            "user_id": self.ids.user_id, "metadata": record["metadata"], "created": record["created"],
            "updated": record["updated"], "key_name": record["key_name"],
            "hostId": hashlib.sha224(f"{self.ids.project_id}fake-host".encode()).hexdigest(),
            "addresses": self.neutron.addresses(sid, typed=self.features["typed_addresses"]),
            "accessIPv4": record["access_ipv4"], "accessIPv6": record["access_ipv6"],
            "image": {"id": record["image_id"], "links": [{"href": f"{root}/images/{record['image_id']}",
                                                            "rel": "bookmark"}]} if record["image_id"] else "",
            "links": [{"href": f"{root}/v2.1/servers/{sid}", "rel": "self"},
                      {"href": f"{root}/servers/{sid}", "rel": "bookmark"}],
            "progress": 0, "OS-DCF:diskConfig": "MANUAL", "config_drive": "True" if record["config_drive"] else "",
            "OS-EXT-AZ:availability_zone": self.neutron.vocab["availability_zone"],
            "OS-EXT-STS:vm_state": vm_state, "OS-EXT-STS:power_state": power,
            "OS-EXT-STS:task_state": "spawning" if status == "BUILD" else None,
            "OS-SRV-USG:launched_at": None if status == "BUILD" else record["created"].rstrip("Z") + ".000000",
            "OS-SRV-USG:terminated_at": None,
            "os-extended-volumes:volumes_attached": [v if mv >= (2, 3) else {"id": v["id"]} for v in record["volumes"]],
            "security_groups": [{"name": name} for name in record["security_groups"]],
        }
        if mv >= (2, 47):
            server["flavor"] = {"original_name": flavor["name"], "vcpus": flavor["vcpus"], "ram": flavor["ram"],
                                "disk": flavor["disk"], "ephemeral": flavor["OS-FLV-EXT-DATA:ephemeral"],
                                "swap": flavor["swap"], "extra_specs": dict(flavor["extra_specs"])}
        else:
            server["flavor"] = {"id": flavor["id"], "links": [{"href": f"{root}/flavors/{flavor['id']}",
                                                              "rel": "bookmark"}]}
        gated = [((2, 9), "locked", False), ((2, 19), "description", record["description"]),
                 ((2, 26), "tags", record["tags"]), ((2, 63), "trusted_image_certificates", None),
                 ((2, 73), "locked_reason", None), ((2, 96), "pinned_availability_zone", None)]
        server.update({key: value for since, key, value in gated if mv >= since})
        if record.get("fault") and status == "ERROR":
            server["fault"] = dict(record["fault"])
        return server


def render_flavor(flavor: dict, mv: tuple[int, int], root: str, detail: bool) -> dict:
    """A flavor as ``/flavors`` (``detail=False``) or ``/flavors/detail`` shows it at ``mv``.

    >>> sorted(render_flavor({"id": "1", "name": "m1.tiny"}, (2, 1), "http://127.0.0.1/compute", False))
    ['id', 'links', 'name']
    """
    links = [{"href": f"{root}/v2.1/flavors/{flavor['id']}", "rel": "self"},
             {"href": f"{root}/flavors/{flavor['id']}", "rel": "bookmark"}]
    out = {"id": flavor["id"], "name": flavor["name"], "links": links}
    if detail:
        out.update({k: v for k, v in flavor.items() if k not in ("description", "extra_specs")})
        if mv < (2, 75) and not flavor["swap"]:
            out["swap"] = ""
        if mv >= (2, 61):
            out["extra_specs"] = dict(flavor["extra_specs"])
    if mv >= (2, 55):
        out["description"] = flavor["description"]
    return out


class NovaAPI:
    """REST handlers for ``<base>/compute``: ``handle(call)`` returns a reply or None."""

    def __init__(self, state: NovaState, root_url: Any, max_version: tuple[int, int]) -> None:
        self.state, self.root_url, self.max_version = state, root_url, max_version

    def handle(self, call: Any) -> tuple[int, Any, dict] | None:
        """Answer ``call`` (path relative to the service prefix), None if unknown."""
        path = call.path.rstrip("/")
        if path == "" and call.method == "GET":
            return 200, {"versions": [self._version_doc(legacy=True), self._version_doc()]}, {}
        if not path.startswith("/v2.1"):
            return None
        rest = [p for p in path[len("/v2.1"):].split("/") if p]
        if not rest and call.method == "GET":
            return 200, {"version": self._version_doc()}, {}
        try:
            mv = self._microversion(call.headers)
        except NovaFault as fault:
            return fault.reply()
        echo = f"{mv[0]}.{mv[1]}"
        headers = {"OpenStack-API-Version": f"compute {echo}", "X-OpenStack-Nova-API-Version": echo,
                   "Vary": "OpenStack-API-Version, X-OpenStack-Nova-API-Version"}
        try:
            reply = self._route(call, rest, mv)
        except NovaFault as fault:
            reply = fault.reply()
        if reply is None:
            return None
        return reply[0], reply[1], {**headers, **reply[2]}

    def _version_doc(self, legacy: bool = False) -> dict:
        version = "" if legacy else f"{self.max_version[0]}.{self.max_version[1]}"
        return {"id": "v2.0" if legacy else "v2.1", "status": "SUPPORTED" if legacy else "CURRENT",
                "version": version, "min_version": "" if legacy else "2.1",
                "updated": "2011-01-21T11:33:21Z" if legacy else "2013-07-23T11:33:21Z",
                "links": [{"href": f"{self.root_url()}/{'v2' if legacy else 'v2.1'}/", "rel": "self"},
                          {"href": "http://docs.openstack.org/", "rel": "describedby", "type": "text/html"}],
                "media-types": [{"base": "application/json",
                                 "type": f"application/vnd.openstack.compute+json;version={2 if legacy else 2.1}"}]}

    def _microversion(self, headers: dict) -> tuple[int, int]:
        new = headers.get("openstack-api-version", "")
        if new:
            words = new.split()
            if len(words) == 2 and words[0].lower() == "compute":
                return parse_version(words[1], self.max_version)
        old = headers.get("x-openstack-nova-api-version", "")
        return parse_version(old, self.max_version) if old else (2, 1)

    def _route(self, call: Any, rest: list[str], mv: tuple[int, int]) -> tuple[int, Any, dict] | None:
        head, method = rest[0], call.method
        if head == "servers":
            return self._servers(call, rest[1:], mv)
        if head == "flavors" and method == "GET":
            return self._flavors(call, rest[1:], mv)
        if head == "os-keypairs":
            return self._keypairs(call, rest[1:], mv)
        if head in ("os-floating-ips", "os-floating-ip-pools"):
            # Real Nova answers 404 here above 2.35, and on clouds without the extension;
            # asking is legitimate, so it is not an unexpected call.
            if mv > (2, 35) or not self.state.features["nova_floating_ips"]:
                raise NovaFault(404, "The resource could not be found.")
            return self._proxy(call, head, rest[1:])
        return None

    # --- servers -------------------------------------------------------------------

    def _servers(self, call: Any, rest: list[str], mv: tuple[int, int]) -> tuple[int, Any, dict] | None:
        state, method, root = self.state, call.method, self.root_url()
        if not rest or rest == ["detail"]:
            if method == "POST" and not rest:
                return self._create(call.json or {}, mv)
            if method != "GET":
                return None
            return self._list(call.query, mv, detail=bool(rest))
        record = state.server(rest[0])
        if len(rest) == 1 and method == "GET":
            body = state.render(record, mv, root)
            state.tick(record)
            return 200, {"server": body}, {}
        if len(rest) == 1 and method == "DELETE":
            state.delete_server(record["id"])
            return 204, None, {}
        if rest[1:] == ["action"] and method == "POST":
            return self._action(record, call.json or {}, mv)
        if len(rest) == 3 and rest[1] == "metadata" and method == "PUT":
            return self._metadata_item(record, rest[2], call.json or {})
        return None

    def _metadata_item(self, record: dict, key: str, body: dict) -> tuple[int, Any, dict]:
        key = unquote(key)
        meta = body.get("meta")
        if not isinstance(meta, dict) or list(meta) != [key]:
            raise NovaFault(400, "Request body and URI mismatch")
        value = meta[key]
        if not isinstance(value, str) or len(value) > 255:
            raise NovaFault(400, f"Invalid input for field/attribute {key}. Value: {value!r}.")
        record["metadata"][key] = value
        return 200, {"meta": {key: value}}, {}

    def _list(self, query: dict, mv: tuple[int, int], detail: bool) -> tuple[int, Any, dict]:
        state, root = self.state, self.root_url()
        records = sorted(state.servers.values(), key=lambda s: (s["created"], s["id"]), reverse=True)
        if query.get("name"):
            try:
                pattern = re.compile(query["name"][-1])
            except re.error:
                raise NovaFault(400, f"Invalid filter: name {query['name'][-1]!r} is not a regex") from None
            records = [s for s in records if pattern.search(s["name"])]
        for key, field in (("status", "status"), ("image", "image_id"), ("flavor", None)):
            if query.get(key):
                wanted = query[key][-1]
                records = [s for s in records if (s["flavor"]["id"] if field is None else s[field]) ==
                           (wanted.upper() if key == "status" else wanted)]
        page, links = self._page(records, query, "/servers/detail" if detail else "/servers", "id")
        if detail:
            items = [state.render(s, mv, root) for s in page]
            for record in page:
                state.tick(record)
        else:
            items = [{"id": s["id"], "name": s["name"], "links": [
                {"href": f"{root}/v2.1/servers/{s['id']}", "rel": "self"},
                {"href": f"{root}/servers/{s['id']}", "rel": "bookmark"}]} for s in page]
        body: dict[str, Any] = {"servers": items}
        if links:
            body["servers_links"] = links
        return 200, body, {}

    def _page(self, items: list[dict], query: dict, path: str, key: str) -> tuple[list[dict], list[dict]]:
        """Nova pagination: a next link whenever a page is full (even if nothing follows)."""
        raw = (query.get("limit") or [str(_MAX_LIMIT)])[-1]
        if not raw.isdigit():
            raise NovaFault(400, f"Invalid input for query parameters limit. Value: {raw}.")
        limit = min(int(raw), _MAX_LIMIT)
        start = 0
        if query.get("marker"):
            keys = [item[key] for item in items]
            if query["marker"][-1] not in keys:
                raise NovaFault(400, f"marker [{query['marker'][-1]}] not found")
            start = keys.index(query["marker"][-1]) + 1
        page = items[start:start + limit]
        if not page or len(page) < limit:
            return page, []
        params = [(k, v) for k, vs in query.items() if k not in ("limit", "marker") for v in vs]
        params += [("limit", str(limit)), ("marker", str(page[-1][key]))]
        return page, [{"href": f"{self.root_url()}/v2.1{path}?{urlencode(params)}", "rel": "next"}]

    def _create(self, body: dict, mv: tuple[int, int]) -> tuple[int, Any, dict]:
        state, spec = self.state, body.get("server")
        if not isinstance(spec, dict) or not isinstance(spec.get("name"), str) or not spec["name"].strip():
            raise NovaFault(400, "Invalid input for field/attribute name. Value: None. None is not of type 'string'")
        networks = spec.get("networks")
        if networks is None and mv >= (2, 37):
            raise NovaFault(400, "Invalid input for field/attribute server. Value: "
                                 f"{spec}. 'networks' is a required property")
        if isinstance(networks, str) and (mv < (2, 37) or networks not in ("auto", "none")):
            raise NovaFault(400, f"Invalid input for field/attribute networks. Value: {networks}.")
        try:
            flavor = state.flavor(spec.get("flavorRef", ""))
        except NovaFault:
            raise NovaFault(400, "Invalid flavorRef provided.") from None
        image = self._boot_image(spec)
        groups = [g.get("name") for g in spec.get("security_groups") or () if isinstance(g, dict)]
        for name in groups if not state.legacy else ():
            if not any(name in (g["name"], g["id"]) for g in state.neutron.records["security-groups"].values()):
                raise NovaFault(400, f"Unable to find security_group with name or id '{name}'")
        volumes = state.boot_volumes(spec.get("block_device_mapping_v2"), spec.get("imageRef") or "") \
            if image is None else []
        try:
            record = state.create_server(
                spec["name"], image=image, flavor=flavor, networks=networks, key_name=spec.get("key_name"),
                metadata=spec.get("metadata"), security_groups=groups or None,
                access=(spec.get("accessIPv4", ""), spec.get("accessIPv6", "")), description=spec.get("description"),
                config_drive=bool(spec.get("config_drive")), volumes=volumes)
        except NovaFault:
            state.discard_volumes(volumes)
            raise
        state.attach_volumes(record)
        root, sid = self.root_url(), record["id"]
        links = [{"href": f"{root}/v2.1/servers/{sid}", "rel": "self"},
                 {"href": f"{root}/servers/{sid}", "rel": "bookmark"}]
        return 202, {"server": {"id": sid, "links": links, "OS-DCF:diskConfig": "MANUAL",
                                "security_groups": [{"name": n} for n in record["security_groups"]],
                                "adminPass": record["admin_pass"]}}, {"Location": links[0]["href"]}

    def _boot_image(self, spec: dict) -> dict | None:
        ref = str(spec.get("imageRef") or "").rstrip("/").rsplit("/", 1)[-1]
        volume_boot = any(str(b.get("boot_index")) == "0" for b in spec.get("block_device_mapping_v2") or ()
                          if isinstance(b, dict))
        if not ref and volume_boot:
            return None
        image = self.state.glance.images.get(ref)
        if image is None or not self.state.glance.visible(image):
            raise NovaFault(400, "Can not find requested image")
        return None if volume_boot else image

    def _action(self, record: dict, body: dict, mv: tuple[int, int]) -> tuple[int, Any, dict] | None:
        state, name = self.state, next(iter(body), None)
        if name in ("addFloatingIp", "removeFloatingIp"):
            if not state.features["nova_floating_ips"] and mv >= (2, 44):
                raise NovaFault(400, f"There is no such action: {name}")
            args = body[name] or {}
            fips = [f for f in state.neutron.records["floatingips"].values()
                    if f["floating_ip_address"] == args.get("address") and state.neutron.visible("floatingips", f)]
            if not fips:
                raise NovaFault(404, f"Floating IP not found for address {args.get('address')}.")
            ports = state.neutron.device_ports(record["id"])
            if name == "removeFloatingIp":
                if fips[0]["port_id"] not in [p["id"] for p in ports]:
                    raise NovaFault(409, f"Floating IP {args.get('address')} is not associated with instance "
                                         f"{record['id']}.")
                state.neutron.disassociate(fips[0])
                return 202, None, {}
            fixed = args.get("fixed_address")
            port = next((p for p in ports if fixed in [None] + [i["ip_address"] for i in p["fixed_ips"]]), None)
            if port is None:
                raise NovaFault(400, f"Instance {record['id']} has no fixed IP to attach a floating IP to.")
            try:
                state.neutron.associate(fips[0], port["id"], fixed)
            except NeutronFault as fault:
                raise NovaFault(400, fault.message) from None
            return 202, None, {}
        transitions = {"os-start": ("SHUTOFF", "ACTIVE"), "os-stop": ("ACTIVE", "SHUTOFF"),
                       "reboot": ("ACTIVE", "ACTIVE")}
        if name not in transitions:
            return None
        before, after = transitions[name]
        if record["status"] != before:
            raise NovaFault(409, f"Cannot '{name}' instance {record['id']} while it is in vm_state "
                                 f"{_VM_STATES.get(record['status'], (record['status'].lower(),))[0]}")
        record.update(status=after, updated=state.seq.now())
        return 202, None, {}

    # --- flavors, keypairs, nova-network proxies -------------------------------------

    def _flavors(self, call: Any, rest: list[str], mv: tuple[int, int]) -> tuple[int, Any, dict] | None:
        state, root, query = self.state, self.root_url(), call.query
        if not rest or rest == ["detail"]:
            wanted = (query.get("is_public") or [""])[-1].lower()
            # Real Nova never lists disabled flavors to a non-admin (FakeCloud's user is a
            # member); they stay readable by id.
            flavors = [f for f in state.flavors.values() if not f["OS-FLV-DISABLED:disabled"]]
            if wanted in ("true", "t", "1", "yes", "y"):
                flavors = [f for f in flavors if f["os-flavor-access:is_public"]]
            elif wanted in ("false", "f", "0", "no", "n"):
                flavors = [f for f in flavors if not f["os-flavor-access:is_public"]]
            for key, field in (("minRam", "ram"), ("minDisk", "disk")):
                if query.get(key):
                    if not query[key][-1].isdigit():
                        raise NovaFault(400, f"Invalid {key} filter [{query[key][-1]}]")
                    flavors = [f for f in flavors if f[field] >= int(query[key][-1])]
            page, links = self._page(flavors, query, "/flavors/detail" if rest else "/flavors", "id")
            body: dict[str, Any] = {"flavors": [render_flavor(f, mv, root, bool(rest)) for f in page]}
            if links:
                body["flavors_links"] = links
            return 200, body, {}
        flavor = state.flavor(rest[0])
        if len(rest) == 1:
            return 200, {"flavor": render_flavor(flavor, mv, root, True)}, {}
        if rest[1] == "os-extra_specs" and len(rest) == 2:
            return 200, {"extra_specs": dict(flavor["extra_specs"])}, {}
        if rest[1] == "os-extra_specs" and len(rest) == 3:
            if rest[2] not in flavor["extra_specs"]:
                raise NovaFault(404, f"Flavor {flavor['id']} has no extra specs with key {rest[2]}.")
            return 200, {rest[2]: flavor["extra_specs"][rest[2]]}, {}
        return None

    def _keypairs(self, call: Any, rest: list[str], mv: tuple[int, int]) -> tuple[int, Any, dict] | None:
        state, method = self.state, call.method
        shown = ("name", "public_key", "fingerprint") + (("type",) if mv >= (2, 2) else ())
        if not rest and method == "GET":
            items = list(state.keypairs.values())
            page, links = self._page(items, call.query, "/os-keypairs", "name") if mv >= (2, 35) else (items, [])
            body: dict[str, Any] = {"keypairs": [{"keypair": {k: kp[k] for k in shown}} for kp in page]}
            if links:
                body["keypairs_links"] = links
            return 200, body, {}
        if not rest and method == "POST":
            spec = (call.json or {}).get("keypair") or {}
            name, pattern = spec.get("name"), _KEY_NAME_292 if mv >= (2, 92) else _KEY_NAME
            if not isinstance(name, str) or not pattern.match(name) or len(name) > 255:
                raise NovaFault(400, f"Invalid input for field/attribute name. Value: {name}.")
            if spec.get("public_key") is None and mv >= (2, 92):
                raise NovaFault(400, "Invalid input for field/attribute keypair. 'public_key' is a required property")
            record = state.add_keypair(name, spec.get("public_key"), spec.get("type", "ssh"))
            out = {k: record[k] for k in shown + ("user_id",)}
            if "private_key" in record:
                out["private_key"] = record["private_key"]
            return (201 if mv >= (2, 2) else 200), {"keypair": out}, {}
        if len(rest) != 1 or method not in ("GET", "DELETE"):
            return None
        if rest[0] not in state.keypairs:
            raise NovaFault(404, f"Keypair {rest[0]} not found for user {state.ids.user_id}")
        if method == "DELETE":
            del state.keypairs[rest[0]]
            return (204 if mv >= (2, 2) else 202), None, {}
        record = state.keypairs[rest[0]]
        return 200, {"keypair": {k: v for k, v in record.items() if k != "type" or mv >= (2, 2)}}, {}

    def _proxy(self, call: Any, head: str, rest: list[str]) -> tuple[int, Any, dict] | None:
        neutron, method = self.state.neutron, call.method
        pools = [n for n in neutron.records["networks"].values() if n["router:external"]]
        if head == "os-floating-ip-pools":
            return (200, {"floating_ip_pools": [{"name": n["name"]} for n in pools]}, {}) if method == "GET" else None
        if not rest and method == "GET":
            fips = [f for f in neutron.records["floatingips"].values() if neutron.visible("floatingips", f)]
            return 200, {"floating_ips": [self._proxy_view(f) for f in fips]}, {}
        if not rest and method == "POST":
            wanted = ((call.json or {}).get("pool"))
            pool = next((n for n in pools if wanted in (None, n["name"])), None)
            if pool is None:
                raise NovaFault(404, f"Floating IP pool not found: {wanted}.")
            try:
                fip = neutron.add_floating_ip(pool["id"])
            except NeutronFault:
                raise NovaFault(404, f"No more floating IPs in pool {pool['name']}.") from None
            return 200, {"floating_ip": self._proxy_view(fip)}, {}
        fip = neutron.records["floatingips"].get(rest[0]) if len(rest) == 1 else None
        if fip is None or not neutron.visible("floatingips", fip) or method not in ("GET", "DELETE"):
            if len(rest) == 1 and method in ("GET", "DELETE"):
                raise NovaFault(404, f"Floating IP not found for ID {rest[0]}")
            return None
        if method == "DELETE":
            neutron.delete("floatingips", fip["id"])
            return 202, None, {}
        return 200, {"floating_ip": self._proxy_view(fip)}, {}

    def _proxy_view(self, fip: dict) -> dict:
        neutron = self.state.neutron
        port = neutron.records["ports"].get(fip["port_id"] or "")
        return {"id": fip["id"], "ip": fip["floating_ip_address"], "fixed_ip": fip["fixed_ip_address"],
                "pool": neutron.records["networks"][fip["floating_network_id"]]["name"],
                "instance_id": port["device_id"] if port else None}
