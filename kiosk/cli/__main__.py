"""python -m kiosk.cli: the same as kiosk-admin."""

import sys

from kiosk.cli import main

sys.exit(main())
