"""``python -m normalizer``: the same as the ``openstack-normalizer`` command."""

import sys

from normalizer.cli import main

if __name__ == "__main__":
    sys.exit(main())
