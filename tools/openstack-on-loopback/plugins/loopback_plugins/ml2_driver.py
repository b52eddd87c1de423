"""ML2 mechanism driver ``loopback_fake``: binds every port on any segment, with no agent.

Stock drivers bind a port only when an L2 agent reports for its host; this stack has
no agents and no data plane, so without this Nova's boots end in ``binding_failed``.
Ports come out bound as (host, ``ovs``, ``ACTIVE``) the way an OVS cloud shows them.

Usage (ml2_conf.ini)::

    [ml2]
    mechanism_drivers = loopback_fake
"""

from __future__ import annotations

from neutron_lib import constants
from neutron_lib.api.definitions import portbindings
from neutron_lib.plugins.ml2 import api

VIF_DETAILS = {
    portbindings.CAP_PORT_FILTER: True,
    portbindings.OVS_HYBRID_PLUG: False,
    portbindings.VIF_DETAILS_CONNECTIVITY: portbindings.CONNECTIVITY_L2,
}


class LoopbackMechanismDriver(api.MechanismDriver):
    """Bind each port to the first segment offered, as an OVS port that is already up.

    >>> LoopbackMechanismDriver().connectivity
    'l2'
    """

    def initialize(self) -> None:
        """Nothing to set up: there is no backend (ML2 calls this once at start)."""

    @property
    def connectivity(self) -> str:
        """Nova and Neutron only ask this to pick a binding; an OVS-like L2 answer fits."""
        return portbindings.CONNECTIVITY_L2

    def bind_port(self, context) -> None:
        """Bind the port to the first segment offered, whatever the network type."""
        for segment in context.segments_to_bind:
            context.set_binding(segment[api.ID], portbindings.VIF_TYPE_OVS, dict(VIF_DETAILS),
                                status=constants.PORT_STATUS_ACTIVE)
            return
