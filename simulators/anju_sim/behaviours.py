"""Behaviours beyond residents' own routines: visitors, caregivers, couriers, and the
misuse that violations add. Each has `day(ctx)` and adds passages for that day; it must
draw randomness only from ctx.rng / ctx.nrng so days stay independent and repeatable."""

from __future__ import annotations

from dataclasses import dataclass, field

from anju_sim.model import Actor, DayRange
from anju_sim.passages import IN, OUT, DayContext, Passage

H = 3600


def _in(r: DayRange, day: int) -> bool:
    return r[0] <= day < r[1]


@dataclass(slots=True)
class Caregiver:
    """A daily carer for an elderly tenant: a repeated face that is normal (trap), on a
    card when registered with the office, else on a visitor pass renewed every day."""

    carer: Actor
    host: Actor
    days: DayRange

    def day(self, ctx: DayContext) -> None:
        if ctx.weekday == 6 or not _in(self.days, ctx.day) or not self.host.present(ctx.day):
            return
        t = int(8.5 * H + ctx.rng.random() * H)
        stay = int(2 * H + ctx.rng.random() * H)
        if self.carer.card:  # registered with the office: has a card
            for tt, d in ((t, IN), (t + stay, OUT)):
                ctx.add(Passage(tt, self.host.entrance, d, self.carer, "card", self.carer.card))
        else:
            ctx.visit(self.carer, self.host.entrance, self.host.unit_id or "", t, stay)


@dataclass(slots=True)
class WeekendFamily:
    """Children and grandchildren visiting at weekends: one pass, the rest follow."""

    visitors: list[Actor]
    host: Actor

    def day(self, ctx: DayContext) -> None:
        if ctx.weekday < 5 or ctx.rng.random() > 0.5 or not self.host.present(ctx.day):
            return
        t = int(10 * H + ctx.rng.random() * 6 * H)
        stay = int(2 * H + ctx.rng.random() * 4 * H)
        unit = self.host.unit_id or ""
        ctx.visit(self.visitors[0], self.host.entrance, unit, t, stay)
        for v in self.visitors[1:]:
            ctx.add(Passage(t + 3, self.host.entrance, IN, v, "tailgate"))


@dataclass(slots=True)
class Couriers:
    """Deliveries: a small pool of couriers with door PINs visits many flats."""

    couriers: list[Actor]
    flats: list[Actor]  # one resident per household, to find the entrance
    rate: float  # per household and day
    exit_logged: float

    def day(self, ctx: DayContext) -> None:
        rng = ctx.rng
        n = int(ctx.nrng.poisson(self.rate * len(self.flats)))
        for _ in range(n):
            host = self.flats[int(rng.random() * len(self.flats))]
            c = self.couriers[int(rng.random() * len(self.couriers))]
            t = int(9 * H + rng.random() * 11.5 * H)
            ctx.add(Passage(t, host.entrance, IN, c, "pin"))
            if rng.random() < self.exit_logged:
                ctx.add(Passage(t + 120 + int(rng.random() * 300), host.entrance, OUT, c, "pin"))


@dataclass(slots=True)
class OneOffVisitors:
    """Friends and repairmen: a new face, a visitor pass, a few hours."""

    flats: list[Actor]
    rate: float

    def day(self, ctx: DayContext) -> None:
        rng = ctx.rng
        n = int(ctx.nrng.poisson(self.rate * len(self.flats)))
        for _ in range(n):
            host = self.flats[int(rng.random() * len(self.flats))]
            if not host.present(ctx.day):
                continue
            t = int(10 * H + rng.random() * 10 * H)
            ctx.visit(None, host.entrance, host.unit_id or "", t, int(H + rng.random() * 2 * H))


@dataclass(slots=True)
class ChangeOfUse:
    """A shop or hostel in a flat: many distinct visitors a day, some regulars."""

    entrance: int
    unit_id: str
    days: DayRange
    hostel: bool
    regulars: list[Actor] = field(default_factory=list)

    def day(self, ctx: DayContext) -> None:
        if not _in(self.days, ctx.day):
            return
        rng = ctx.rng
        for _ in range(10 + int(rng.random() * 30)):
            who = (
                self.regulars[int(rng.random() * len(self.regulars))]
                if (self.regulars and rng.random() < 0.3)
                else None
            )
            if self.hostel:
                t = int(17 * H + rng.random() * 6 * H)
                stay = -int(8 * H + rng.random() * 3 * H)  # guests of last night leave
            else:
                t = int(9 * H + rng.random() * 11 * H)
                stay = int(600 + rng.random() * 3000)
            if rng.random() < 0.5:
                ctx.visit(who, self.entrance, self.unit_id, t, stay)
            else:
                ctx.add(Passage(t, self.entrance, IN, who, "tailgate"))
                ctx.add(Passage(t + stay, self.entrance, OUT, who, "tailgate"))


@dataclass(slots=True)
class CardClone:
    """A copy of a tenant's card used at another entrance within minutes of the real one."""

    holder: Actor
    cloner: Actor
    other_entrance: int
    on_days: list[int]
    elsewhere: tuple[str, str, str] | None = None  # (estate, gateway, door) elsewhere

    def day(self, ctx: DayContext) -> None:
        if ctx.day not in self.on_days or not self.holder.present(ctx.day):
            return
        t = int(8 * H + ctx.rng.random() * 12 * H)
        card = self.holder.card
        ctx.add(Passage(t, self.holder.entrance, IN, self.holder, "card", card))
        gap = 30 + int(ctx.rng.random() * 240)
        p = Passage(t + gap, self.other_entrance, IN, self.cloner, "card", card, at=self.elsewhere)
        ctx.add(p)


@dataclass(slots=True)
class BorrowedCard:
    """Someone else's card at the door: the camera sees a face that is not the holder's.
    Also used for a former tenant's card after move-out (granted by a stale list, or
    denied as expired) and for an evicted tenant (denied, then follows someone in)."""

    user: Actor
    card: str
    entrance: int
    on_days: list[int]
    granted: float = 1.0  # chance the door still opens
    reason: str = "expired"
    follow_in: bool = False  # denied at the door, then tailgates in
    card_attempt: bool = True  # False: only follows someone in (worlds)

    def day(self, ctx: DayContext) -> None:
        if ctx.day not in self.on_days:
            return
        rng = ctx.rng
        t = int(7 * H + rng.random() * 15 * H)
        if not self.card_attempt:
            ctx.add(Passage(t, self.entrance, IN, self.user, "tailgate", camera=True))
            back = t + int(H + rng.random() * 3 * H)
            ctx.add(Passage(back, self.entrance, OUT, self.user, "tailgate"))
            return
        ok = rng.random() < self.granted
        ctx.add(
            Passage(
                t,
                self.entrance,
                IN,
                self.user,
                "card",
                self.card,
                granted=ok,
                reason=None if ok else self.reason,
                camera=True,
            )
        )
        if not ok and self.follow_in:
            ctx.add(
                Passage(
                    t + 40 + int(rng.random() * 600),
                    self.entrance,
                    IN,
                    self.user,
                    "tailgate",
                    camera=True,
                )
            )
        if ok or self.follow_in:
            ctx.add(
                Passage(
                    t + int(H + rng.random() * 3 * H), self.entrance, OUT, self.user, "tailgate"
                )
            )


@dataclass(slots=True)
class Visits:
    """A former occupant dropping by now and then with their own face or card (the
    lease holder of a sublet collecting rent, a lender checking on the flat)."""

    person: Actor
    entrance: int
    on_days: list[int]

    def day(self, ctx: DayContext) -> None:
        if ctx.day not in self.on_days:
            return
        rng, a = ctx.rng, self.person
        method = "face" if a.enrolled else ("card" if a.card else "tailgate")
        t = int(10 * H + rng.random() * 9 * H)
        ctx.add(Passage(t, self.entrance, IN, a, method))
        ctx.add(Passage(t + int(H / 2 + rng.random() * 1.5 * H), self.entrance, OUT, a, method))
