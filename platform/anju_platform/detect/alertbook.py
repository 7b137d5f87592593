"""Applies findings to the alerts table through the merge rules (merge.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import psycopg

from anju_platform.detect import repo_alerts
from anju_platform.detect.merge import (
    DEFAULT_POLICY,
    SUPERSEDES,
    SUPPRESSED_BY,
    Live,
    Policy,
    decide,
    stale,
    with_day,
)
from anju_platform.detect.model import Finding
from anju_platform.detect.settings import DetectSettings
from anju_platform.workflow.cases import is_suppressed

IMMEDIATE = {"vacancy", "vacancy_warning", "elderly_not_seen"}  # exact conditions: no hysteresis


def merge_policy(s: DetectSettings) -> Policy:
    return Policy(s.mismatch_min_days, s.mismatch_window_days)


class AlertBook:
    def __init__(
        self,
        conn: psycopg.Connection,
        estate: str,
        grids: dict[str, str | None],
        cooldown_from: date,
        sent: set[tuple[int, str]] | None = None,
        policy: Policy = DEFAULT_POLICY,
    ) -> None:
        self.conn, self.estate, self.grids, self.policy = conn, estate, grids, policy
        # (alert, evidence key) already stored by this pass: a finding repeated day after
        # day carries mostly the same evidence, which the insert would only skip
        self.sent = sent if sent is not None else set()
        self.live: dict[tuple[str, str], Live] = {
            (a.unit_id, a.type): a for a in repo_alerts.live_alerts(conn, estate)
        }
        self.cooling = repo_alerts.cooling(conn, estate, cooldown_from)
        # (unit, type) patterns explained on an inspection visit: no new alert for them
        self.suppressions = repo_alerts.suppressions(conn, estate)

    def apply(self, f: Finding) -> None:
        key = (f.unit_id, f.type)
        live = self.live.get(key)
        if live is None and any((f.unit_id, t) in self.live for t in SUPPRESSED_BY.get(f.type, ())):
            return
        if live is None and is_suppressed(self.suppressions, f.unit_id, f.type, f.day):
            return
        d = decide(live, f, key in self.cooling, self.policy)
        if d.action == "create":
            aid = repo_alerts.create_alert(
                self.conn,
                self.estate,
                self.grids.get(f.unit_id),
                f,
                d.status,
                d.score,
                d.level,
                d.first_day,
            )
            live = Live(
                aid,
                f.unit_id,
                f.type,
                d.status,
                d.score,
                d.level,
                d.first_day,
                d.last_day,
                frozenset({f.day}),
            )
        elif d.action == "update" and live is not None:
            repo_alerts.update_alert(
                self.conn, live.alert_id, f, d.status, d.score, d.level, d.first_day, d.last_day
            )
            live = with_day(live, d, f.day)
        elif live is not None:
            live = with_day(live, d, f.day) if d.status else live
        if live is None:
            return
        self.live[key] = live
        aid = live.alert_id
        new = tuple(e for e in f.evidence if (aid, e.key) not in self.sent)
        if new:
            repo_alerts.add_evidence(self.conn, aid, replace(f, evidence=new))
            self.sent.update((aid, e.key) for e in new)
        if live.status != "watch":
            for weaker in SUPERSEDES.get(f.type, ()):
                other = self.live.pop((f.unit_id, weaker), None)
                if other is not None:
                    reason = f"superseded by {f.type} #{live.alert_id}"
                    repo_alerts.set_status(self.conn, other.alert_id, "closed", reason)

    def close_ended(self, today: date, evaluated: set[str], found: set[tuple[str, str]]) -> None:
        """Close alerts whose pattern ended: at once for exact daily conditions, after a
        quiet period for the others."""
        for key, live in list(self.live.items()):
            if live.status not in ("watch", "open") or key in found:
                continue
            if (live.type in IMMEDIATE and live.unit_id in evaluated) or stale(
                live, today, self.policy
            ):
                repo_alerts.set_status(self.conn, live.alert_id, "closed", "pattern ended")
                del self.live[key]
