"""The bundled demo back-end: a real HTTP service over SQLite sample data for the demo persons.

`DemoBackend` is what `kiosk --simulate`, `kiosk-admin services try` (with base_url "demo") and
the tests start; the adapters talk to it exactly as they would to an agency's system.
"""

from services_catalog.demo_backend.seed import (
    LI_XIUYING,
    WANG_JIANGUO,
    ZHANG_WEI,
    ZHAO_SHULAN,
)
from services_catalog.demo_backend.server import FAILURE_MODES, DemoBackend

DEMO_PERSONS = (ZHANG_WEI, LI_XIUYING, WANG_JIANGUO, ZHAO_SHULAN)

__all__ = [
    "DEMO_PERSONS",
    "FAILURE_MODES",
    "LI_XIUYING",
    "WANG_JIANGUO",
    "ZHANG_WEI",
    "ZHAO_SHULAN",
    "DemoBackend",
]
