"""``python -m newsmill.cli``."""

import sys

from newsmill.cli import main

sys.exit(main())
