"""Which service ids may become a metric label: the bundled catalogue's, nothing else.

A service id in a certificate or usage event is whatever the terminal sent (the protocol only
caps its length), so labelling metrics with it would let one terminal create a time series
per made-up id. Ids outside the catalogue share the label `other`.
"""

from __future__ import annotations

import functools

from sqlalchemy import ColumnElement, case, literal

OTHER = "other"


@functools.cache
def catalogue_service_ids() -> frozenset[str]:
    """Every service id of the bundled catalogue (services_catalog/data), loaded once."""
    from services_catalog.catalog import load_catalog

    return frozenset(service.id for service in load_catalog().services)


def service_label_sql(column: ColumnElement[str], known: frozenset[str]) -> ColumnElement[str]:
    """The label of each row's service id: itself when `known`, else `other`. Computed by the
    database, so a flood of unknown ids is grouped there, not in this process."""
    if not known:
        return literal(OTHER)
    return case((column.in_(sorted(known)), column), else_=literal(OTHER))
