"""``python -m normalizer``: the same as the ``normalizer`` command."""

import sys

from normalizer.cli import main

sys.exit(main())
