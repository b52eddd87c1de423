"""Gunicorn entry for Keystone: ``gunicorn --chdir <this dir> keystone_app:application``.

Keystone's WSGI module parses ``sys.argv`` with oslo.config, which then rejects gunicorn's
own options ("unrecognized arguments: --bind ..."): hide them before the import.
"""

import sys

sys.argv = sys.argv[:1]

from keystone.wsgi.api import application  # noqa: E402,F401
