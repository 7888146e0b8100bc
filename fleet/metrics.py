"""Prometheus metrics: counters kept in this process, fleet gauges read from the database.

Gauges (terminals by state, outbox backlog and lag, certificates per service) are computed at
scrape time from PostgreSQL, so every server process behind a load balancer reports the same
fleet-wide figures; counters (heartbeats, events, verifications) count what this process saw.
Every label value comes from a fixed set: services outside the catalogue are counted as
`other` (fleet.service_labels), so no terminal can add series at will.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from fleet.db.models import Certificate, Terminal, TerminalStatus
from fleet.liveness import FLEET_STATES, fleet_state
from fleet.protocol import BatchAck, OutboxBatch
from fleet.service_labels import catalogue_service_ids, service_label_sql
from fleet.settings import FleetSettings


def fleet_snapshot(session: Session, now: datetime) -> dict[str, int]:
    """How many terminals are in each fleet state right now."""
    counts = dict.fromkeys(FLEET_STATES, 0)
    rows = session.execute(
        select(
            Terminal.enrolled_at, Terminal.revoked_at, TerminalStatus.last_seen_at,
            TerminalStatus.interval_s, TerminalStatus.state,
        ).outerjoin(TerminalStatus, TerminalStatus.terminal_id == Terminal.id)
    )
    for enrolled_at, revoked_at, last_seen_at, interval_s, state in rows:
        counts[fleet_state(now=now, enrolled=enrolled_at is not None,
                           revoked=revoked_at is not None, last_seen_at=last_seen_at,
                           interval_s=interval_s, reported_state=state)] += 1
    return counts


class _FleetCollector(Collector):
    def __init__(self, sessions: sessionmaker[Session], settings: FleetSettings) -> None:
        self._sessions = sessions
        self._settings = settings

    def collect(self) -> Iterator[Metric]:
        now = self._settings.clock()
        with self._sessions() as session:
            states = fleet_snapshot(session, now)
            pending, oldest = session.execute(
                select(func.coalesce(func.sum(TerminalStatus.outbox_length), 0),
                       func.min(TerminalStatus.outbox_oldest_at))
            ).one()
            label = service_label_sql(Certificate.service_id, catalogue_service_ids())
            per_service = session.execute(
                select(label, func.count(), func.count(Certificate.revoked_at))
                .group_by(label)
                .order_by(label)
            ).all()
        terminals = GaugeMetricFamily("fleet_terminals", "Terminals by fleet state",
                                      labels=["state"])
        for state, count in states.items():
            terminals.add_metric([state], count)
        yield terminals
        yield GaugeMetricFamily("fleet_outbox_pending_events",
                                "Events waiting in terminals' outboxes (as last reported)",
                                value=int(pending))
        lag = 0.0
        if oldest is not None:
            lag = max(0.0, (now - oldest).total_seconds())
        yield GaugeMetricFamily("fleet_outbox_lag_seconds",
                                "Age of the oldest event not yet received from any terminal",
                                value=lag)
        issued = GaugeMetricFamily("fleet_certificates", "Certificates in the central registry",
                                   labels=["service_id"])
        revoked = GaugeMetricFamily("fleet_certificates_revoked", "Revoked certificates",
                                    labels=["service_id"])
        for service_id, count, revoked_count in per_service:
            issued.add_metric([service_id], count)
            revoked.add_metric([service_id], revoked_count)
        yield issued
        yield revoked


class FleetMetrics:
    """One registry per application (tests build several apps in one process)."""

    def __init__(self, sessions: sessionmaker[Session], settings: FleetSettings) -> None:
        self.registry = CollectorRegistry()
        self.heartbeats = Counter("fleet_heartbeats", "Heartbeats received",
                                  registry=self.registry)
        self.events = Counter("fleet_outbox_events", "Outbox events applied, by kind",
                              ["kind"], registry=self.registry)
        self.duplicates = Counter("fleet_outbox_duplicate_events",
                                  "Resent outbox events acknowledged without counting again",
                                  registry=self.registry)
        self.verifications = Counter("fleet_verifications", "Public verification look-ups",
                                     ["outcome"], registry=self.registry)
        self.registry.register(_FleetCollector(sessions, settings))

    def count_batch(self, batch: OutboxBatch, ack: BatchAck) -> None:
        applied = sorted(batch.events, key=lambda e: e.seq)[ack.duplicates:]
        for event in applied:
            self.events.labels(event.kind).inc()
        if ack.duplicates:
            self.duplicates.inc(ack.duplicates)
