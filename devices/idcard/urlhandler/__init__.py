"""pyserial URL handlers of the ID-card package: ``simreader://`` opens a simulated reader.

pyserial looks up a URL scheme ``foo`` as the module ``<package>.protocol_foo`` in each package
of `serial.protocol_handler_packages`; `register()` adds this package to that list. Importing
`devices.idcard` registers it, so any code that opens ports with `serial.serial_for_url` (the
driver among them) accepts a simulator URL where it accepts ``/dev/ttyUSB0``.
"""

from __future__ import annotations

import serial


def register() -> None:
    """Make ``simreader://`` URLs known to `serial.serial_for_url` (idempotent)."""
    if __name__ not in serial.protocol_handler_packages:
        serial.protocol_handler_packages.append(__name__)
