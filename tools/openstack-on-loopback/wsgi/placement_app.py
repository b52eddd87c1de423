"""Gunicorn entry for Placement: ``gunicorn --chdir <this dir> placement_app:application``.

Placement parses ``sys.argv`` with oslo.config at import, which rejects gunicorn's own
options: hide them before the import.
"""

import sys

sys.argv = sys.argv[:1]

from placement.wsgi.api import application  # noqa: E402,F401
