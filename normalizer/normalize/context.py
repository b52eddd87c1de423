"""Where a normalised resource lives: the cloud, region, zone and owning project.

>>> ctx = Context(cloud="mycloud", region_name="RegionOne", project_id="p1", project_name="demo")
>>> location(ctx, zone="nova").project.name
'demo'
"""

from __future__ import annotations

from dataclasses import dataclass

from munch import Munch

from normalizer.normalize.fields import munch_from

__all__ = ["Context", "location"]


@dataclass(frozen=True)
class Context:
    """The facts about the caller's connection that every normalised resource carries.

    >>> Context(cloud="mycloud", region_name=None).project_id is None
    True
    """

    cloud: str
    region_name: str | None
    project_id: str | None = None
    project_name: str | None = None
    project_domain_id: str | None = None


def location(ctx: Context, *, zone: str | None = None, project_id: str | None = None) -> Munch:
    """Build a resource's ``location``: ``{cloud, region_name, zone, project: {id, name, domain_id}}``.

    ``project_id`` is the owner the API reported. When it is missing or is the caller's
    own project, the caller's project (with name and domain) is used; a resource owned
    by another project gets that project's id, and name and domain_id None, because the
    API does not tell them.

    >>> ctx = Context(cloud="c", region_name="r", project_id="p1", project_name="demo")
    >>> location(ctx, project_id="other").project
    Munch({'id': 'other', 'name': None, 'domain_id': None})
    """
    if project_id is None or project_id == ctx.project_id:
        project = munch_from(id=ctx.project_id, name=ctx.project_name, domain_id=ctx.project_domain_id)
    else:
        project = munch_from(id=project_id, name=None, domain_id=None)
    return munch_from(cloud=ctx.cloud, region_name=ctx.region_name, zone=zone, project=project)
