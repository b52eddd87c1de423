# Copyright: openstack-normalizer developers
# Apache License 2.0 (see LICENSE)
"""Shared by the normalizer.cloud modules: the connection options and how errors are returned."""

from __future__ import annotations

import json
import traceback

try:
    import normalizer
    from normalizer.exceptions import NormalizerError
    IMPORT_ERROR = None
except ImportError:  # reported through fail_json by require_normalizer()
    normalizer = None
    NormalizerError = Exception
    IMPORT_ERROR = traceback.format_exc()

#: The argument_spec entries every module shares (see doc_fragments/connection.py).
CONNECTION_ARGS = {
    "cloud": {"type": "str"},
    "auth": {"type": "dict", "no_log": True},
    "region_name": {"type": "str"},
    "profile": {"type": "str"},
}


def require_normalizer(module):
    """Fail the task with an install hint when openstack-normalizer is not importable."""
    if normalizer is None:
        module.fail_json(msg="the Python package openstack-normalizer is required on the controller: "
                             "pip install openstack-normalizer", exception=IMPORT_ERROR)


def connect(module):
    """A normalizer Cloud for the module's connection options (no request is sent yet)."""
    require_normalizer(module)
    params = module.params
    kwargs = {}
    if params.get("region_name"):
        kwargs["region_name"] = params["region_name"]
    if params.get("profile"):
        kwargs["profile"] = params["profile"]
    kwargs.update(params.get("auth") or {})
    try:
        return normalizer.connect(params.get("cloud"), **kwargs)
    except NormalizerError as error:
        fail_with(module, error)


def fail_with(module, error, **extra):
    """Fail the task with a normalizer error's one-line message and its structured fields."""
    fields = error.to_dict() if hasattr(error, "to_dict") else {"error": type(error).__name__, "msg": str(error)}
    fields.update(extra)
    fields.setdefault("msg", str(error))
    module.fail_json(**fields)


def plain(value):
    """A normalizer result as plain JSON data (dicts, lists, text, numbers), for exit_json and fail_json.

    Normalized records are Munch and list subclasses with their own reprs; Ansible's
    results need plain types. Anything JSON cannot hold becomes its text.
    """
    return json.loads(json.dumps(value, default=str))
