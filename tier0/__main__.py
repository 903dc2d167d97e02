"""``python -m tier0``: the same as the ``tier0`` command."""

import sys

from tier0.cli.main import main

sys.exit(main())
