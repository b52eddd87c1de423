"""Plugins for the loopback OpenStack (tools/openstack-on-loopback): no agents, no data plane.

``loopback_fake`` is an ML2 mechanism driver that binds every port, so Nova can boot
without an L2 agent (``mechanism_drivers = loopback_fake`` in ml2_conf.ini).
"""
