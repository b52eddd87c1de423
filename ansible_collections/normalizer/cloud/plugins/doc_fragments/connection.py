# Copyright: openstack-normalizer developers
# Apache License 2.0 (see LICENSE)
"""The connection options every normalizer.cloud module shares."""

from __future__ import annotations


class ModuleDocFragment:  # pylint: disable=too-few-public-methods
    """Connection options: a clouds.yaml entry, or explicit auth, plus region and profile."""

    DOCUMENTATION = r"""
options:
  cloud:
    description:
      - Name of a cloud in C(clouds.yaml), searched like openstacksdk does
        (C(./clouds.yaml), C(~/.config/openstack/clouds.yaml), C(/etc/openstack/clouds.yaml),
        or the file named by E(OS_CLIENT_CONFIG_FILE)).
      - When neither O(cloud) nor O(auth) is given, E(OS_CLOUD) or the E(OS_*) variables decide.
    type: str
  auth:
    description:
      - Authentication values given directly (C(auth_url), C(username), C(password),
        C(project_name), C(user_domain_name), C(project_domain_name), or an application
        credential), instead of a clouds.yaml entry.
    type: dict
  region_name:
    description:
      - The region to use; the cloud's default region when omitted.
    type: str
  profile:
    description:
      - The vendor profile (see C(openstack-normalizer profile list)); the cloud's
        C(profile:) setting in clouds.yaml, else C(generic), when omitted.
    type: str
requirements:
  - python >= 3.10
  - openstack-normalizer
"""
