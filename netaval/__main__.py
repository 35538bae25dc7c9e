"""``python -m netaval``: the same as the ``netaval`` command."""

import sys

from netaval.cli import main

sys.exit(main())
