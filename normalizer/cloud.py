"""The :class:`Cloud` facade: what ``normalizer.connect()`` returns.

It holds the configuration, the effective profile, the transport, the cache and one
service object per OpenStack service, and delegates. Reads fetch raw data through the
services (cached there) and hand it to the pure composition in ``interpret`` and the
decisions in ``select``; nothing here decides what a field means.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from collections.abc import Iterator, Mapping
from typing import Any, Callable

from munch import Munch

from normalizer import config as config_module
from normalizer import error_mapping
from normalizer.arguments import flag, keyword_request, looks_like_uuid, object_reference, optional_text, reference
from normalizer.cache import ResourceCache
from normalizer.config_translate import substitute
from normalizer.facts import CloudFacts
from normalizer.exceptions import (AmbiguousMatch, NoMatch, NormalizerError,
                                   SelectionError, UnsupportedOnCloud)
from normalizer.normalize import (Context, normalize_flavor, normalize_floating_ip, normalize_keypair)
from normalizer.profiles import Profile, load_profile
from normalizer.normalize.records import RecordList
from normalizer.provision.conformance import ConformanceReport, conformance_report, probe_public_key, probe_report
from normalizer.provision.idempotency import compare_existing, ensure_request, one_server_named
from normalizer.provision.access import PORT_FORWARDING_EXTENSION
from normalizer.provision.plan import ServerPlan, ServerRequest, check_create_options, plan_server
from normalizer.provision.server_lifecycle import CreateOptions, DeleteResult, Provisioner, ServerSurroundings
from normalizer.provision.waiting import Waiter, port_answers
from normalizer.provision.orphan_sweep import OrphanSweep
from normalizer.provision.orphans import epoch_seconds, older_than_seconds
from normalizer.interpret import (Topology, image_login, image_view, nat_destination, network_role_decision,
                                  network_roles, network_views, server_login, server_viewer,
                                  explain_server_address, login_users, releasing, with_boot_volume_images)
from normalizer.select.addresses import ADDRESS_FIELDS
from normalizer.select.decision import Decision
from normalizer.select.flavors import pick_flavor
from normalizer.select.images import pick_image, pick_probe_image
from normalizer.select.lookup import find_by_id_or_name
from normalizer.select.network_roles import NetworkRoles
from normalizer.services.block_storage import BlockStorageService
from normalizer.services.compute import ComputeService, exact_name_filter
from normalizer.services.image import ImageService
from normalizer.services.network import NetworkService
from normalizer.transport import Transport, make_session

__all__ = ["Cloud", "connect", "connect_all"]

# What explain(flavor=...) and explain(image=...) accept: pick_flavor's and pick_image's arguments.
_FLAVOR_REQUEST = ("spec", "min_vcpus", "min_ram", "min_disk", "include_disabled", "include_private",
                   "include_excluded")
_IMAGE_REQUEST = ("alias", "distro", "version", "arch", "include_hidden", "include_snapshots")

class Cloud:
    """One OpenStack cloud region, with one AWS-like meaning.

    Build it with :func:`normalizer.connect`. Every ``list_*`` returns a list of
    :class:`munch.Munch` in the normalizer data model (docs/model.md); every ``get_*``
    returns one, or None when nothing matches, and raises
    :class:`~normalizer.exceptions.AmbiguousMatch` when several match.

    >>> cloud = normalizer.connect("mycloud")        # doctest: +SKIP
    >>> [f.name for f in cloud.list_flavors()][:2]   # doctest: +SKIP
    ['m1.tiny', 'm1.small']
    """

    def __init__(self, config: config_module.CloudConfig, profile: Profile, transport: Transport,
                 cache: ResourceCache, *, waiter: Waiter | None = None,
                 port_check: Callable[[str, int], bool] = port_answers) -> None:
        self._config = config
        self.profile = profile
        self._transport = transport
        self._cache = cache
        self._waiter = waiter or Waiter()
        self._port_check = port_check
        self._compute = ComputeService(transport, cache)
        self._network = NetworkService(transport, cache)
        self._image = ImageService(transport, cache)
        self._volumes = BlockStorageService(transport, cache)
        self._context: Context | None = None
        self._facts = CloudFacts(transport, self._compute, self._network, self._volumes)

    @classmethod
    def from_config(cls, config: config_module.CloudConfig, *, clock: Callable[[], float] | None = None,
                    sleep: Callable[[float], None] | None = None, wait_sleep: Callable[[float], None] | None = None,
                    wall_clock: Callable[[], float] | None = None,
                    port_check: Callable[[str, int], bool] | None = None) -> "Cloud":
        """Build a Cloud from a :class:`~normalizer.config.CloudConfig` (no network I/O).

        The hooks replace the machine's time and network for tests (``normalizer.testing.FakeClock``):

        * ``clock`` and ``sleep``: ``time.monotonic`` and ``time.sleep`` for retries,
          deadlines and waits;
        * ``wait_sleep``: the sleep of polling waits only (default ``sleep``), to tell
          them apart from retries;
        * ``wall_clock``: ``time.time`` for the cache's expiry;
        * ``port_check(host, port)``: the SSH banner check of ``wait_for_ssh``.

        >>> cloud = Cloud.from_config(normalizer.config.load_config("mycloud"))  # doctest: +SKIP
        >>> clock = normalizer.testing.FakeClock()                                # doctest: +SKIP
        >>> cloud = Cloud.from_config(config, clock=clock.monotonic, sleep=clock.sleep)  # doctest: +SKIP
        """
        profile = load_profile(config.profile_name, region_name=config.region_name, layers=config.profile_layers)
        session = config.session or make_session(
            config_module.build_auth_plugin(config, defaults=_auth_defaults(profile, config)),
            verify=config.verify, cert=config.cert, timeout=config.api_timeout)
        transport_kwargs = {k: v for k, v in (("clock", clock), ("sleep", sleep)) if v is not None}
        settings = profile.transport.for_connection(timeout=config.api_timeout, interface=config.interface)
        transport = Transport(session, settings, region_name=config.region_name, **transport_kwargs)
        cache = ResourceCache(config.cache, namespace=lambda: (
            config.name, config.region_name, transport.project.get("id")),
            **({"clock": wall_clock} if wall_clock is not None else {}))
        waiter = Waiter(**{**transport_kwargs, **({"sleep": wait_sleep} if wait_sleep is not None else {})})
        return cls(config, profile, transport, cache, waiter=waiter, port_check=port_check or port_answers)

    def __dir__(self) -> list[str]:
        """The public API only (tab completion), not the collaborators.

        >>> "list_servers" in dir(cloud), "_compute" in dir(cloud)  # doctest: +SKIP
        (True, False)
        """
        return sorted(name for name in {*dir(type(self)), *vars(self)} if not name.startswith("_"))

    def __repr__(self) -> str:
        return f"<Cloud {self.name!r} region={self.region_name!r} profile={self.profile.name!r}>"

    @property
    def name(self) -> str:
        """The cloud's name in clouds.yaml (``envvars`` or ``defaults`` otherwise).

        >>> normalizer.connect("mycloud").name  # doctest: +SKIP
        'mycloud'
        """
        return self._config.name

    @property
    def region_name(self) -> str | None:
        """The region this Cloud talks to.

        >>> normalizer.connect("mycloud", region_name="RegionTwo").region_name  # doctest: +SKIP
        'RegionTwo'
        """
        return self._config.region_name

    def _ctx(self) -> Context:
        if self._context is None:
            project = self._transport.project
            self._context = Context(cloud=self.name, region_name=self.region_name, project_id=project.get("id"),
                                    project_name=project.get("name"), project_domain_id=project.get("domain_id"))
        return self._context

    @contextlib.contextmanager
    def _answers(self, call: str) -> Iterator[None]:
        """Around code that handles the cloud's answers, once the caller's arguments are checked.

        Answers are read defensively, so a KeyError or TypeError raised in here means one
        had a shape the API reference does not describe: the caller gets an APIError
        naming the call, not a bare Python error (only NormalizerError leaves Cloud).
        """
        try:
            yield
        except NormalizerError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as error:
            raise error_mapping.error_from_unexpected(error, f"{self.name}: {call}") from None

    # --- networks ---------------------------------------------------------------------

    def _topology(self, servers: list | None = None, for_addresses: bool = False) -> tuple[Topology, NetworkRoles]:
        """One topology snapshot (see :class:`~normalizer.facts.CloudFacts`) and every network's role."""
        topology = self._facts.topology(servers, self.profile.network, for_addresses=for_addresses)
        return topology, network_roles(topology, self.profile)

    def list_networks(self) -> list[Munch]:
        """Every network this project can see, normalized, with its role and the reason.

        On clouds without a usable network API (nova-network style), the networks are
        the labels of the servers' Nova addresses.

        >>> [(n.name, n.is_public, n.nat_source) for n in cloud.list_networks()]  # doctest: +SKIP
        [('tenant', False, False), ('floating-pool', False, True)]
        """
        with self._answers("list_networks"):
            topology, roles = self._topology()
            return RecordList("network", network_views(topology, roles, self._ctx()))

    def get_network(self, name_or_id: str) -> Munch | None:
        """The network with this id or name, or None.

        >>> cloud.get_network("tenant").cidrs  # doctest: +SKIP
        ['10.0.0.0/24']
        """
        name_or_id = reference(name_or_id, "name_or_id")
        with self._answers("get_network"):
            return find_by_id_or_name(self.list_networks(), name_or_id, "network")

    def _role_network(self, role: str) -> Munch | None:
        topology, roles = self._topology()
        decision = getattr(roles, role)
        if decision.ambiguous:
            raise AmbiguousMatch(
                f"{self.name}: cannot tell the {decision.subject}: {decision.reason}",
                hint=roles.hints[role], candidates=[c.candidate for c in decision.considered])
        if decision.value is None:
            return None
        return next((n for n in network_views(topology, roles, self._ctx()) if n.id == decision.value), None)

    def get_public_network(self) -> Munch | None:
        """The network where servers get a directly reachable address, or None (FIP clouds).

        >>> cloud.get_public_network().name  # doctest: +SKIP
        'provider-net'
        """
        with self._answers("get_public_network"):
            return self._role_network("public")

    def get_private_network(self) -> Munch | None:
        """The tenant network servers boot on by default, or None.

        >>> cloud.get_private_network().name  # doctest: +SKIP
        'tenant'
        """
        with self._answers("get_private_network"):
            return self._role_network("private")

    def get_external_network(self) -> Munch | None:
        """The floating-IP pool this project can use, or None.

        An external network that no router of the project reaches is not chosen while
        another one is reachable; two reachable ones raise AmbiguousMatch.

        >>> cloud.get_external_network().name  # doctest: +SKIP
        'floating-pool'
        """
        with self._answers("get_external_network"):
            return self._role_network("external")

    # --- servers ----------------------------------------------------------------------

    def _server_view(self, servers: list, images: list | None = None,
                     known: tuple[Topology, NetworkRoles] | None = None) -> Callable[[Mapping[str, Any]], Munch]:
        """A function normalizing these raw servers with this cloud's roles, preferences and login users.

        One image listing serves every server's login user (``images``, ``known``: what the
        caller already read); a boot volume's image metadata gives its server's image.
        """
        glance = self._image.list_images() if images is None else images
        raws, images = with_boot_volume_images(servers, self._facts.boot_volumes(servers),
                                               {image.get("id"): image for image in glance})
        by_id = {str(raw.get("id")): raw for raw, listed in zip(raws, servers) if raw is not listed}
        topology, roles = known or self._topology(servers, for_addresses=True)
        fips = self._raw_floating_ips()
        view = server_viewer(roles, self.profile, self._ctx(), images=images, topology=topology, floating_ips=fips,
                             login_user=login_users(images, self.profile), forwards=self._facts.forwards(fips))
        return lambda raw, *more: view(by_id.get(str(raw.get("id")), raw), *more)

    def _raw_floating_ips(self) -> list:
        return self._facts.project_floating_ips(nova_proxy=self.profile.network.floating_ip_api != "none")

    def list_servers(self) -> list[Munch]:
        """Every server of the project, normalized; the cost does not grow with their number.

        >>> [(s.name, s.state, s.interface_ip) for s in cloud.list_servers()]  # doctest: +SKIP
        [('web1', 'running', '203.0.113.10')]
        """
        with self._answers("list_servers"):
            raws = self._compute.list_servers()
            view = self._server_view(raws)
            # without a cache the raw list is ours alone: each raw server can go once it is normalized
            return RecordList("server", releasing(raws, view) if not self._cache.enabled else map(view, raws))

    def get_server(self, name_or_id: str) -> Munch | None:
        """The server with this id or exact name, or None.

        >>> cloud.get_server("web1").interface_ip  # doctest: +SKIP
        '203.0.113.10'
        """
        name_or_id = object_reference(name_or_id, "name_or_id")
        with self._answers("get_server"):
            raw = self._raw_server(name_or_id)
            return self._server_view([raw])(raw) if raw is not None else None

    # --- flavors, images, floating IPs, keypairs ------------------------------------

    def list_flavors(self, *, get_extra_specs: bool = False) -> list[Munch]:
        """Every flavor this project may use, public and private, normalized.

        :param get_extra_specs: also fetch extra specs (free from Nova microversion 2.61;
            one call per flavor before it).

        >>> [(f.name, f.vcpus, f.ram) for f in cloud.list_flavors()][:1]  # doctest: +SKIP
        [('m1.tiny', 1, 512)]
        """
        flag(get_extra_specs, "get_extra_specs")
        with self._answers("list_flavors"):
            ctx = self._ctx()
            return RecordList("flavor", (normalize_flavor(raw, ctx) for raw in
                                          self._compute.list_flavors(with_extra_specs=get_extra_specs)))

    def get_flavor(self, name_or_id: str, *, get_extra_specs: bool = False) -> Munch | None:
        """The flavor with this id or name, or None.

        >>> cloud.get_flavor("m1.small").ram  # doctest: +SKIP
        2048
        """
        name_or_id = reference(name_or_id, "name_or_id")
        flag(get_extra_specs, "get_extra_specs")
        with self._answers("get_flavor"):
            return find_by_id_or_name(self.list_flavors(get_extra_specs=get_extra_specs), name_or_id, "flavor")

    def pick_flavor(self, spec: str | None = None, *, min_vcpus: int | None = None, min_ram: int | None = None,
                    min_disk: int | None = None, include_disabled: bool = False, include_private: bool = False,
                    include_excluded: bool = False) -> Munch:
        """The smallest flavor that satisfies an AWS instance type or minimums.

        :param spec: an AWS instance type (``"t3.small"``) or a profile size alias.
        :param min_ram: MiB; ``min_disk``: GiB; explicit minimums override the spec's.
        :raises NoMatch: nothing satisfies; the message names the three nearest flavors.

        Disabled, non-public and excluded families (GPU, bare metal, ...) are skipped
        unless asked for; ``cloud.explain(flavor="t3.small")`` says how the pick differs
        from the request.

        >>> cloud.pick_flavor("t3.small").name  # doctest: +SKIP
        'm1.medium'
        """
        for name, value in (("include_disabled", include_disabled), ("include_private", include_private),
                            ("include_excluded", include_excluded)):
            flag(value, name)
        with self._answers("pick_flavor"):
            raws = self._compute.list_flavors()
            decision = self._flavor_decision(raws, spec, min_vcpus=min_vcpus, min_ram=min_ram, min_disk=min_disk,
                                             include_disabled=include_disabled, include_private=include_private,
                                             include_excluded=include_excluded)
            return normalize_flavor(next(r for r in raws if r.get("id") == decision.value), self._ctx())

    def _flavor_decision(self, raws: list, spec: Any, **request: Any) -> Decision:
        return pick_flavor(raws, self.profile, spec, **request)

    def list_images(self) -> list[Munch]:
        """Every image this project can see, normalized.

        >>> [i.name for i in cloud.list_images()][:1]  # doctest: +SKIP
        ['Ubuntu 22.04 LTS (Jammy Jellyfish)']
        """
        with self._answers("list_images"):
            ctx = self._ctx()
            return RecordList("image", (image_view(raw, self.profile, ctx) for raw in self._image.list_images()))

    def get_image(self, name_or_id: str) -> Munch | None:
        """The image with this id or name, or None.

        >>> cloud.get_image("cirros").min_disk  # doctest: +SKIP
        1
        """
        name_or_id = reference(name_or_id, "name_or_id")
        with self._answers("get_image"):
            ctx = self._ctx()
            raw = self._image.get_image(name_or_id) if looks_like_uuid(name_or_id) else None
            if raw is not None:
                return image_view(raw, self.profile, ctx)
            return find_by_id_or_name(self.list_images(), name_or_id, "image")

    def pick_image(self, alias: str | None = None, *, distro: str | None = None, version: str | None = None,
                   arch: str | None = None, include_hidden: bool = False, include_snapshots: bool = False) -> Munch:
        """The newest active, visible image of a distro (and version, arch); never a server snapshot unless asked.

        :param alias: ``"ubuntu-22.04"``, ``"debian-12"``, ``"rocky"``...; ``distro=``,
            ``version=`` and ``arch=`` given explicitly override the alias's parts.
        :raises NoMatch: no image qualifies; the message names the nearest ones.

        The distro and version come from ``os_distro``/``os_version``, then the profile's
        name rules, then generic name rules; duplicates resolve deterministically.

        >>> cloud.pick_image("ubuntu-22.04").name  # doctest: +SKIP
        'Ubuntu 22.04 LTS (Jammy Jellyfish)'
        """
        for name, value in (("alias", alias), ("distro", distro), ("version", version), ("arch", arch)):
            optional_text(value, name)
        flag(include_hidden, "include_hidden")
        flag(include_snapshots, "include_snapshots")
        with self._answers("pick_image"):
            raws = self._image.list_images()
            decision = pick_image(raws, self.profile, alias=alias, distro=distro, version=version, arch=arch,
                                  include_hidden=include_hidden, include_snapshots=include_snapshots)
            return image_view(next(r for r in raws if r.get("id") == decision.value), self.profile, self._ctx())

    def login_user(self, image_or_server: Any) -> str | None:
        """The account an image's cloud-init creates for the injected key, or None when unknown.

        :param image_or_server: a normalized image or server, or an image's name or id.

        Order: ``login.overrides`` (clouds.yaml/profile), the image's ``os_admin_user``,
        the vendor's rules, generic rules, then the distro table; ``cloud.explain`` says which.

        >>> cloud.login_user("debian-12")  # doctest: +SKIP
        'debian'
        """
        if not isinstance(image_or_server, Mapping):
            image_or_server = reference(image_or_server, "image_or_server")
        with self._answers("login_user"):
            return self._login_decision(image_or_server).value

    def _login_decision(self, subject: Any) -> Decision:
        raws = self._image.list_images()
        if isinstance(subject, Mapping) and "addresses" in subject:
            image_id = (subject.get("image") or {}).get("id")
            raw_server = {"id": subject.get("id"), "name": subject.get("name"), "image": {"id": image_id} if image_id else ""}
            return server_login(raw_server, {r.get("id"): r for r in raws}, self.profile)
        key = subject.get("id") if isinstance(subject, Mapping) else subject
        matches = [r for r in raws if r.get("id") == key] or [r for r in raws if r.get("name") == key]
        if not matches:
            raise NoMatch(f"{self.name}: no image {key!r}", hint="pass an image's name or id, or a normalized image")
        return image_login(matches[0], self.profile)[1]

    def list_floating_ips(self) -> list[Munch]:
        """Every floating IP of the project (Neutron, or Nova's proxy API on nova-network clouds).

        >>> [f.floating_ip_address for f in cloud.list_floating_ips()]  # doctest: +SKIP
        ['203.0.113.10']
        """
        with self._answers("list_floating_ips"):
            ctx = self._ctx()
            return RecordList("floating_ip", (normalize_floating_ip(raw, ctx) for raw in self._raw_floating_ips()))

    def list_keypairs(self) -> list[Munch]:
        """Every keypair of the user, normalized.

        >>> [k.name for k in cloud.list_keypairs()]  # doctest: +SKIP
        ['deploy']
        """
        with self._answers("list_keypairs"):
            ctx = self._ctx()
            return RecordList("keypair", (normalize_keypair(raw, ctx) for raw in self._compute.list_keypairs()))

    # --- provisioning ----------------------------------------------------------------

    def plan_server(self, name: str, image: Any, flavor: Any, *, network: Any = None, key_name: str | None = None,
                    public_key: str | None = None, auto_ip: bool = True, userdata: str | None = None,
                    root_keys: Any = None, security_groups: Any = None, metadata: Any = None,
                    boot_from_volume: bool | None = None, volume_size: int | None = None,
                    volume_type: str | None = None, allow_ssh: Any = None, public_access: str = "auto") -> Munch:
        """The decisions ``create_server`` would take, with no side effects.

        ``image`` and ``flavor`` accept a name, an id, an alias (``"ubuntu-22.04"``,
        ``"t3.small"``) or a normalized object. The result names the image, flavor, boot
        network (passed to Nova explicitly, so it never answers "Multiple possible
        networks found"), the boot volume (``boot_volume``: size and type, None when the
        flavor's root disk serves), whether a floating IP is needed and from which pool,
        how SSH reaches the server (``public_access``, ``ssh_group``), the login user and
        the user-data, and lists every step's decision with its reason.
        ``existing`` is the server of that name (None when there is none), whose decision
        then comes first among the steps, and ``differences`` how it differs (image,
        flavor, ERROR): what :meth:`ensure_server` would return instead of creating one.

        >>> plan = cloud.plan_server("web1", "ubuntu-22.04", "t3.small", public_key=key)  # doctest: +SKIP
        >>> plan.floating_ip_pool, plan.login_user                                         # doctest: +SKIP
        ('6e4b...', 'ubuntu')
        """
        request = ServerRequest(name=name, image=image, flavor=flavor, network=network, key_name=key_name,
                                public_key=public_key, auto_ip=auto_ip, userdata=userdata, root_keys=root_keys,
                                security_groups=security_groups, metadata=metadata, boot_from_volume=boot_from_volume,
                                volume_size=volume_size, volume_type=volume_type, allow_ssh=allow_ssh,
                                public_access=public_access)
        with self._answers("plan_server"):
            return self._prepare(request, existing=True)[0].to_munch()

    def _prepare(self, request: ServerRequest, *, existing: bool = False) -> tuple[ServerPlan, ServerSurroundings]:
        """The plan (``existing``: knowing the server of that name), and the surroundings of the server."""
        images = self._image.list_images()
        flavors = self._compute.list_flavors()
        topology, roles = self._topology()
        neutron = self._facts.capabilities.neutron is True
        forwarding = self._network.has_extension(PORT_FORWARDING_EXTENSION) \
            if neutron and request.public_access == "port_forward" else None
        plan = plan_server(request, images=images, flavors=flavors, networks=list(topology.networks), roles=roles,
                           profile=self.profile, neutron=neutron, block_storage=self._facts.block_storage,
                           port_forwarding=forwarding)
        if existing:  # listed past the cache: a server made or deleted a moment ago counts
            raws = self._compute.list_servers(filters={"name": exact_name_filter(request.name)}, fresh=True)
            raw = one_server_named(raws, request.name)
            server = self._server_view([raw], images, (topology, roles))(raw) if raw is not None else None
            differences, decision = compare_existing(server, request, plan, images=images, flavors=flavors,
                                                     profile=self.profile)
            plan = plan.with_existing(server, decision, differences)
        return plan, self._surroundings(topology, roles, images)

    def _provisioner(self) -> Provisioner:
        return Provisioner(cloud_name=self.name, compute=self._compute, network=self._network, profile=self.profile,
                           waiter=self._waiter, port_check=self._port_check, volumes=self._volumes)

    def _surroundings(self, topology: Topology, roles: NetworkRoles, images: list) -> ServerSurroundings:
        """How to normalize servers created now (as listings do), and where their floating IPs come from."""
        by_id = {image.get("id"): image for image in images}
        view = server_viewer(roles, self.profile, self._ctx(), images=by_id, topology=topology,
                             login_user=login_users(by_id, self.profile))
        return ServerSurroundings(view=view, neutron=self._facts.capabilities.neutron is True,
                                  has_extension=self._network.has_extension)

    def create_server(self, name: str, image: Any, flavor: Any, *, network: Any = None, key_name: str | None = None,
                      public_key: str | None = None, auto_ip: bool = True, ip_version: int | None = None,
                      wait: bool = True, timeout: float = 600, userdata: str | None = None, root_keys: Any = None,
                      security_groups: Any = None, metadata: Any = None, keep_on_failure: bool = False,
                      reuse_ips: bool = False, wait_for_ssh: bool = False, boot_from_volume: bool | None = None,
                      volume_size: int | None = None, volume_type: str | None = None, allow_ssh: Any = None,
                      public_access: str = "auto") -> Munch:
        """Create a server you can SSH into: the eight steps in one call, or nothing left behind.

        Takes the decisions of :meth:`plan_server`, then: creates the temporary keypair
        for ``public_key``; boots on the chosen network (passed explicitly); waits for
        ACTIVE (polling backs off, bounded by ``timeout``); when the server has no public
        IPv4 and ``auto_ip``, attaches a new floating IP from the usable pool to its port
        on the NAT-destination network, marked as created by normalizer for it
        (``reuse_ips=True`` claims an unattached one instead, safely); removes the
        temporary keypair. ``root_keys`` and ``userdata`` become cloud-init user-data.

        :param ip_version: 6 asks for SSH over IPv6: no floating IP is added.
        :param wait: False returns once Nova accepted the server (a floating IP, when
            needed, is still attached as soon as the server's port exists).
        :param keep_on_failure: keep what was created when a step fails (for debugging).
        :param wait_for_ssh: also wait until SSH on port 22 of ``interface_ip`` sends its banner (``SSH-2.0-``),
            not just until the TCP port opens.
        :param boot_from_volume: None boots from a new volume only when the flavor has no
            root disk (or the profile says so); the volume (``volume_size`` GiB, default
            what the image needs; ``volume_type``) is deleted with the server.
        :param allow_ssh: True, a CIDR or a list of CIDRs: a security group
            ``normalizer-<name>`` opens TCP 22 from them, removed with the server.
        :param public_access: ``"auto"`` (a direct address, else a floating IP, else port
            forwarding once the floating-IP quota is down to its last one), ``"floating_ip"`` or
            ``"port_forward"`` (one shared floating IP; the server's ``ssh_port`` says which port).
        :raises ProvisionError: a step failed; ``step``, ``removed`` and ``not_removed``
            say which and what was cleaned up (WaitTimeout when a wait ran out).

        >>> server = cloud.create_server("web1", "ubuntu-22.04", "t3.small", public_key=key)  # doctest: +SKIP
        >>> server.interface_ip, server.login_user                                              # doctest: +SKIP
        ('203.0.113.10', 'ubuntu')
        """
        check_create_options(ip_version=ip_version, wait=wait, timeout=timeout, keep_on_failure=keep_on_failure,
                             reuse_ips=reuse_ips, wait_for_ssh=wait_for_ssh)
        request = ServerRequest(name=name, image=image, flavor=flavor, network=network, key_name=key_name,
                                public_key=public_key, auto_ip=auto_ip, userdata=userdata, root_keys=root_keys,
                                security_groups=security_groups, metadata=metadata, boot_from_volume=boot_from_volume,
                                volume_size=volume_size, volume_type=volume_type, allow_ssh=allow_ssh,
                                public_access=public_access)
        with self._answers("create_server"):
            plan, around = self._prepare(request)
            options = CreateOptions(public_key=public_key, auto_ip=auto_ip, ip_version=ip_version, wait=wait,
                                    timeout=timeout, keep_on_failure=keep_on_failure, reuse_ips=reuse_ips,
                                    wait_for_ssh=wait_for_ssh, public_access=public_access)
            return self._provisioner().create(plan, options, around)

    def ensure_server(self, name: str, image: Any, flavor: Any, **options: Any) -> Munch:
        """The server of this name if there is one, else a new one made by ``create_server`` (idempotent by name).

        Takes :meth:`create_server`'s keyword arguments. Returns ``server``, ``changed``
        (True: created by this call), ``plan`` (as :meth:`plan_server`) and
        ``differences``: how an existing server differs from the request (image, flavor,
        in ERROR), one line each. An existing server is returned as it is, never rebuilt;
        an image asked by alias matches any image of that distro and version. Two servers
        of that name raise AmbiguousMatch.

        >>> result = cloud.ensure_server("web1", "ubuntu-24.04", "t3.small", public_key=key)  # doctest: +SKIP
        >>> result.changed, result.server.login_user, result.differences                      # doctest: +SKIP
        (False, 'ubuntu', [])
        """
        request, settings = ensure_request(name, image, flavor, options)
        with self._answers("ensure_server"):
            plan, around = self._prepare(request, existing=True)
            if plan.existing is not None:
                return Munch(server=plan.existing, changed=False, plan=plan.to_munch(),
                             differences=list(plan.differences))
            server = self._provisioner().create(plan, settings, around)
            return Munch(server=server, changed=True, plan=plan.to_munch(), differences=[])

    def delete_server(self, name_or_id: Any, *, wait: bool = True, delete_ips: bool = True,
                      timeout: float = 600) -> DeleteResult:
        """Delete a server and the floating IPs normalizer created for it; false when there is no such server.

        Floating IPs are ours when their description or tag names this server (or, on
        nova-network clouds, the server's ``normalizer:floating_ips`` metadata lists
        them) and they still serve it; no other floating IP is touched. One made for this
        server that the user has moved to another is kept, logged and listed in the
        result's ``kept_floating_ips``.

        >>> result = cloud.delete_server("web1")  # doctest: +SKIP
        >>> bool(result), result.released_floating_ips  # doctest: +SKIP
        (True, ['5b1c...'])
        """
        check_create_options(wait=wait, timeout=timeout, delete_ips=delete_ips)
        ref = object_reference(name_or_id, "name_or_id")
        with self._answers("delete_server"):
            raw = self._raw_server(ref, fresh=True)
            if raw is None:
                return DeleteResult.nothing_yet(None, ref)
            listing = (lambda: self._facts.floating_ips(fresh=True)) if delete_ips else None
            return self._provisioner().delete(raw, wait=wait, list_fips=listing, timeout=timeout)

    def add_public_ip(self, server: Any, *, reuse: bool = False, timeout: float = 600) -> Munch:
        """Give an existing server a public IPv4 address by the same rules as ``create_server``.

        A server that already has one is returned unchanged; on a direct-access cloud
        nothing is added.

        >>> cloud.add_public_ip("web1").public_v4  # doctest: +SKIP
        '203.0.113.11'
        """
        check_create_options(timeout=timeout, reuse=reuse)
        ref = object_reference(server, "server")
        with self._answers("add_public_ip"):
            raw = self._raw_server(ref, fresh=True)
            if raw is None:
                raise NoMatch(f"{self.name}: no server {ref!r}", hint="pass a server's name, id or object")
            topology, roles = self._topology([raw])
            external = roles.external
            if external.ambiguous:
                raise AmbiguousMatch(f"{self.name}: cannot choose the floating-IP pool: {external.reason}",
                                     hint=roles.hints["external"], candidates=[c.candidate for c in external.considered])
            around = self._surroundings(topology, roles, self._image.list_images())
            pool = None if self.profile.network.public_access == "direct" else external.value
            return self._provisioner().add_public_ip(raw, around, pool=pool, network_id=nat_destination(raw, roles),
                                                     reuse=reuse, timeout=timeout)

    def list_orphans(self, *, now: Any = None) -> list[Munch]:
        """Normalizer-marked resources whose server no longer exists (a crash, ``kill -9``).

        Each has ``kind`` (``floating_ip``, ``keypair``, ``security_group``), ``id``, ``name``, ``mark``,
        ``server_id`` (named by the mark, or None), ``created_at``, ``age`` (seconds at
        ``now``, a datetime or epoch seconds, default this machine's clock; None when the
        listing has no creation time, as Nova's keypair listing) and ``reason``. Four
        listings, however many resources. nova-network floating IPs carry no mark: never listed.

        >>> [(o.kind, o.name, o.reason) for o in cloud.list_orphans()]  # doctest: +SKIP
        [('floating_ip', '203.0.113.7', 'marked for server 5f0c..., which no longer exists; not attached')]
        """
        moment = epoch_seconds(time.time() if now is None else now)
        with self._answers("list_orphans"):
            return self._sweep().find(now=moment)

    def _sweep(self) -> OrphanSweep:
        return OrphanSweep(self._compute, self._network, self._facts, self._cache,
                           project_id=lambda: self._transport.project.get("id"))

    def cleanup_orphans(self, dry_run: bool = False, older_than: Any = None, *, now: Any = None) -> Munch:
        """Remove what :meth:`list_orphans` finds, and nothing else; ``dry_run=True`` only reports.

        ``older_than`` (seconds or a timedelta) leaves younger orphans alone, and those whose
        age stays unknown (a keypair's costs one GET here). Use it while other processes may
        be creating servers: for a few seconds a create in progress looks like an orphan
        (its keypair exists before its server). None removes every orphan.

        Returns ``removed`` (with dry_run, what would be), ``not_removed`` (each with
        ``error``; a failure does not stop the others) and ``skipped`` (``skipped_because``).

        >>> [o.name for o in cloud.cleanup_orphans(older_than=3600).removed]  # doctest: +SKIP
        ['203.0.113.7', 'normalizer-web1-1a2b3c4d']
        """
        flag(dry_run, "dry_run")
        limit, moment = older_than_seconds(older_than), epoch_seconds(time.time() if now is None else now)
        with self._answers("cleanup_orphans"):
            return self._sweep().cleanup(dry_run=dry_run, older_than=limit, now=moment)

    def conformance(self, *, probe: bool = False, image: Any = None, flavor: Any = None) -> Munch:
        """The eight provisioning steps on this cloud: ``native``, ``bridged`` (and how) or ``unsupported`` (why).

        Computed from the profile and live facts, creating nothing. ``probe=True`` really
        boots a small server (``image``: default the newest Ubuntu, else any active
        image; ``flavor``: default the smallest that fits it) through
        :meth:`create_server`, walks the steps, and deletes it.

        >>> [(s.number, s.status) for s in cloud.conformance().steps][4]  # doctest: +SKIP
        (5, 'bridged')
        >>> cloud.conformance().steps[4].how                              # doctest: +SKIP
        'floating IP from floating-pool attached to the port on tenant'
        """
        flag(probe, "probe")
        image = None if image is None else object_reference(image, "image")
        flavor = None if flavor is None else object_reference(flavor, "flavor")
        with self._answers("conformance"):
            topology, roles = self._topology()
            images = self._image.list_images()
            users = [image_login(raw, self.profile)[1].value for raw in images if raw.get("status") == "active"]
            traits = self._facts.conformance_traits(self._compute.list_flavors(),
                                                    self.profile.network.default_security_group)
            steps = conformance_report(roles=roles, networks=network_views(topology, roles, self._ctx()),
                                       profile=self.profile, neutron=self._facts.capabilities.neutron is True,
                                       login_users=users, **traits)
            if probe:
                chosen = image or pick_probe_image(images, self.profile) or _no_probe_image(self.name)
                size = flavor or self.pick_flavor(min_disk=self.get_image(chosen).min_disk or None).id
                key = probe_public_key()
                name = f"normalizer-probe-{hashlib.sha256(key.encode()).hexdigest()[:8]}"
                steps = probe_report(steps, lambda: self.create_server(name, chosen, size, public_key=key,
                                                                       root_keys=[key]), self.delete_server)
            return ConformanceReport(cloud=self.name, region_name=self.region_name, profile=self.profile.name,
                                     probed=probe, steps=steps)

    def _raw_server(self, ref: str, *, fresh: bool = False) -> dict | None:
        """The raw server with this name or id (``fresh``: past the cache)."""
        # server ids are UUIDs: a name is never worth a GET that can only answer 404
        raw = self._compute.get_server(ref, fresh=fresh) if looks_like_uuid(ref) else None
        if raw is None:
            listed = self._compute.list_servers(filters={"name": exact_name_filter(ref)}, fresh=fresh)
            raw = find_by_id_or_name([s for s in listed if s.get("name") == ref], ref, "server")
        return raw

    # --- explanations ----------------------------------------------------------------

    def explain(self, subject: Any = None, field: str | None = None, *, flavor: Any = None,
                image: Any = None) -> Munch:
        """Why normalizer decided what it did: the value, the rule, the reason, the alternatives.

        :param subject: ``"public_network"``, ``"private_network"`` or ``"external_network"``;
            a normalized network (its roles); a normalized server with ``field`` one of
            ``public_v4``, ``public_v6``, ``private_v4``, ``private_v6``, ``interface_ip``
            (the default).
            ``"login_user"`` for a server; a normalized image (its login user).
        :param flavor: explain what ``pick_flavor`` picks for this request: an instance
            type (``"t3.small"``) or a mapping of ``pick_flavor`` keyword arguments.
        :param image: explain what ``pick_image`` picks: an alias (``"ubuntu-22.04"``) or a
            mapping of ``pick_image`` keyword arguments.

        >>> print(cloud.explain(flavor="t3.small").reason)  # doctest: +SKIP
        asked t3.small (>= 2 vCPUs, >= 2048 MiB RAM); picked m1.medium: 2 vCPUs, 4096 MiB RAM (+2048 MiB), 40 GiB disk
        >>> print(cloud.explain("external_network").reason)  # doctest: +SKIP
        floating-pool (6e4b...) is the external network a router of this project reaches
        >>> cloud.explain(cloud.get_server("web1"), "public_v4").rule  # doctest: +SKIP
        'floating IP'
        """
        optional_text(field, "field")
        flavor_request = keyword_request(flavor, "flavor", "spec", _FLAVOR_REQUEST)
        image_request = keyword_request(image, "image", "alias", _IMAGE_REQUEST)
        with self._answers("explain"):
            if flavor_request is not None:
                spec = flavor_request.pop("spec", None)
                return self._flavor_decision(self._compute.list_flavors(), spec, **flavor_request).to_munch()
            if image_request is not None:
                return pick_image(self._image.list_images(), self.profile, **image_request).to_munch()
            return self._decision(subject, field).to_munch()

    def _decision(self, subject: Any, field: str | None) -> Decision:
        if isinstance(subject, str) and subject.endswith("_network"):
            roles = self._topology()[1]
            role = subject[: -len("_network")]
            if role in ("public", "private", "external"):
                return getattr(roles, role)
        if isinstance(subject, Mapping) and ("disk_format" in subject or field == "login_user"):
            return self._login_decision(subject)
        if isinstance(subject, Mapping) and "addresses" in subject:
            topology, roles = self._topology()
            return explain_server_address(subject, field or "interface_ip", roles, self.profile,
                                          topology=topology, floating_ips=self._raw_floating_ips())
        if isinstance(subject, Mapping) and "nat_source" in subject:
            return network_role_decision(subject, self._topology()[1])
        raise SelectionError(f"cannot explain {subject!r}",
                             hint="pass 'public_network', 'private_network', 'external_network', "
                                  "a network, or a server with one of " + ", ".join(ADDRESS_FIELDS))


# --- module helpers ---------------------------------------------------------------------


def _no_probe_image(cloud: str) -> str:
    raise UnsupportedOnCloud(f"{cloud}: no active image to probe with", hint="pass image= to conformance(probe=True)")


def _auth_defaults(profile: Profile, config: config_module.CloudConfig) -> dict[str, Any]:
    auth_url = profile.identity.auth_url
    if not auth_url:
        return {}
    return {"auth_url": substitute(auth_url, {"region_name": config.region_name or ""}, cloud=config.name,
                                   key="identity.auth_url")}


def connect(cloud: str | None = None, **kwargs: Any) -> Cloud:
    """Connect to one cloud region; no network I/O happens until the first call.

    :param cloud: a clouds.yaml entry; ``OS_CLOUD`` (or the only cloud) when omitted.
    :param kwargs: ``region_name``, ``profile``, ``profile_overrides``, ``session`` (a
        ready keystoneauth1 Session), ``cache`` (a ``cache:`` section) or auth options
        (``auth_url``, ``username``, ``password``, ``project_name``, ...).

    >>> cloud = normalizer.connect("mycloud")                                  # doctest: +SKIP
    >>> cloud = normalizer.connect(session=sess, profile="generic", region_name="RegionOne")  # doctest: +SKIP
    """
    return Cloud.from_config(config_module.load_config(cloud, **kwargs))


def connect_all(**kwargs: Any) -> list[Cloud]:
    """One :class:`Cloud` per cloud and region in clouds.yaml.

    >>> [(c.name, c.region_name) for c in normalizer.connect_all()]  # doctest: +SKIP
    [('mycloud', 'region-a'), ('mycloud', 'region-b')]
    """
    return [Cloud.from_config(config) for config in config_module.load_all_configs(**kwargs)]
