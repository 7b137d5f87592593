"""The register of one estate: buildings, entrances, grids, flats, households, people,
credentials, face enrollments, gateways and devices, plus one actor per resident."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np

from anju_common.cardhash import card_hash, scoped_card_key
from anju_common.localtime import day_start
from anju_sim import embeddings
from anju_sim.layout import Layout, build_layout
from anju_sim.model import (
    Actor,
    Credential,
    EstateSim,
    FaceEnrollment,
    Household,
    HouseholdMember,
    Label,
    Person,
    Register,
    Unit,
)
from anju_sim.params import SimParams
from anju_sim.seeds import sub_seed

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国红梅兰玉兵斌辉鹏飞雪琳"
KINDS = (  # household composition, weight
    ("elderly_alone", 14),
    ("elderly_couple", 10),
    ("single", 12),
    ("couple", 14),
    ("family", 40),
    ("three_gen", 10),
)


def routine_for(age: int, rng: random.Random, night_share: float) -> str:
    if age < 6:
        return "none"  # small children go out with a parent and carry no credential
    if age < 18:
        return "student"
    if age >= 60:
        return "retiree"
    if rng.random() < 0.8:
        return "night" if rng.random() < night_share else "worker"
    return "home"


@dataclass(slots=True)
class Member:
    person: Person
    actor: Actor
    age: int


@dataclass(slots=True)
class HouseholdPlan:
    household: Household
    unit: Unit
    entrance: int
    kind: str
    members: list[Member] = field(default_factory=list)
    used: bool = False  # already carries a violation


class EstateBuilder:
    def __init__(
        self, params: SimParams, reg: Register, index: int, office: int, flats: int
    ) -> None:
        self.p = params
        self.reg = reg
        self.index = index
        self.estate_id = f"e{index + 1:02d}"
        self.rng = random.Random(sub_seed(params.seed, self.estate_id, "register"))
        self.nrng = np.random.default_rng(sub_seed(params.seed, self.estate_id, "faces"))
        master = params.master_secret.encode()
        self.key = scoped_card_key(master, self.estate_id, params.world.card_scope)
        # the world's own draws, apart from the register stream (default world: none)
        self.wrng = random.Random(sub_seed(params.seed, self.estate_id, "world"))
        self.flats = flats
        self.office = office
        self.actors: list[Actor] = []
        self.households: list[HouseholdPlan] = []
        self.units: list[Unit] = []
        self.entrances: list[str] = []
        self.gateways: list[str] = []
        self.doors: dict[str, str] = {}
        self.behaviours: list[object] = []
        self.labels: list[Label] = []
        self.traps: list[Label] = []
        self._persons = 0
        self._entrance_of: dict[str, int] = {}
        self._pending_faces: list[tuple[Person, Actor, int]] = []
        # this estate's rows start here in the shared register lists (see moves.py)
        self.rows0 = (len(reg.household_members), len(reg.credentials))
        self.rows_absence0 = len(reg.absences)
        self.closed: dict[str, tuple[datetime, bool]] = {}  # person -> (left at, evicted)

    # -- time helpers -------------------------------------------------------------
    def date_of(self, day: int) -> date:
        return self.p.start + timedelta(days=day)

    def utc_of(self, day: int, hour: float = 0.0) -> datetime:
        return day_start(self.date_of(day)) + timedelta(hours=hour)

    def label(
        self,
        hp: HouseholdPlan,
        kind: str,
        start: int,
        end: int | None,
        persons: list[str],
        violation: bool = True,
        days: int | None = None,
        note: str | None = None,
    ) -> Label:
        """A ground-truth record; an end past the window means 'still going'."""
        return Label(
            estate_id=self.estate_id,
            unit_id=hp.unit.unit_id,
            household_id=hp.household.household_id,
            type=kind,
            start=self.utc_of(start),
            end=None if end is None or end > self.p.days else self.utc_of(end),
            persons=persons,
            violation=violation,
            days=days,
            note=note,
        )

    def layout(self) -> None:
        lay = Layout(
            self.reg,
            self.p,
            self.rng,
            self.estate_id,
            self.index,
            self.office,
            self.flats,
            self.name,
        )
        build_layout(lay)
        self.units.extend(lay.units)
        self.entrances.extend(lay.entrances)
        self.gateways.extend(lay.gateways)
        self.doors.update(lay.doors)
        self._entrance_of.update(lay.entrance_of)

    # -- people ------------------------------------------------------------------
    def name(self) -> str:
        g = "".join(self.rng.choice(GIVEN) for _ in range(self.rng.choice((1, 2))))
        return self.rng.choice(SURNAMES) + g

    def new_actor(self, ident: str, routine: str, entrance: int, unit_id: str | None) -> Actor:
        a = Actor(len(self.actors), ident, routine, entrance, unit_id)
        self.actors.append(a)
        return a

    def stranger(self, entrance: int, unit_id: str | None, routine: str = "none") -> Actor:
        """An unregistered person with a stable face (subtenant, caregiver, visitor)."""
        return self.new_actor(
            f"x-{self.estate_id}-{len(self.actors):06d}", routine, entrance, unit_id
        )

    def new_person(self, age: int, gender: str | None = None) -> Person:
        self._persons += 1
        pid = f"{self.estate_id}-p{self._persons:05d}"
        gender = gender or self.rng.choice("MF")
        person = Person(pid, self.name(), self.p.start.year - age, gender, self.estate_id)
        self.reg.persons.append(person)
        return person

    def add_member(
        self,
        hp: HouseholdPlan,
        age: int,
        role: str,
        from_day: int | None = None,
        gender: str | None = None,
    ) -> Member:
        person = self.new_person(age, gender)
        routine = routine_for(age, self.rng, self.p.night_shift)
        actor = self.new_actor(person.person_id, routine, hp.entrance, hp.unit.unit_id)
        actor.person_id = person.person_id
        actor.tailgates = self.p.world.resident_tailgate
        valid_from = hp.household.move_in or hp.household.lease_start
        if from_day is not None:
            valid_from = self.date_of(from_day)
        self.reg.household_members.append(
            HouseholdMember(hp.household.household_id, person.person_id, role, valid_from, None)
        )
        self.credentials(person, actor, age, valid_from)
        m = Member(person, actor, age)
        hp.members.append(m)
        return m

    def credentials(self, person: Person, actor: Actor, age: int, since: date) -> None:
        rng, pid = self.rng, person.person_id
        vf = day_start(since)
        creds = self.reg.credentials
        if age >= 10 and rng.random() < self.p.card_share:
            number = f"{rng.randrange(10**9, 10**10)}"
            actor.card = card_hash(self.key, number)
            creds.append(
                Credential(f"{pid}-card1", pid, self.estate_id, "card", actor.card, vf, None, None)
            )
        if age >= 14 and rng.random() < self.p.tenant_qr_share:
            actor.qr = f"tq-{rng.getrandbits(48):012x}"
            creds.append(
                Credential(f"{pid}-qr1", pid, self.estate_id, "qr", actor.qr, vf, None, None)
            )
        if age >= 14 and rng.random() < self.p.face_consent:
            actor.enrolled = True
            consent_day = (since - self.p.start).days + rng.randrange(0, 30)
            self._pending_faces.append((person, actor, consent_day))

    def populate(self) -> None:
        rng = self.rng
        kinds, weights = zip(*KINDS, strict=True)
        for u in self.units:
            if rng.random() >= self.p.occupancy:
                continue
            years = rng.randrange(1, 9)
            lease_start = self.p.start - timedelta(days=365 * years + rng.randrange(0, 365))
            hh = Household(
                f"{u.unit_id}-h1",
                u.unit_id,
                lease_start,
                lease_start + timedelta(days=365 * (years + 3)),
                lease_start + timedelta(days=rng.randrange(3, 30)),
                None,
            )
            self.reg.households.append(hh)
            hp = HouseholdPlan(hh, u, self._entrance_of[u.unit_id], rng.choices(kinds, weights)[0])
            self.households.append(hp)
            self.compose(hp)

    def compose(self, hp: HouseholdPlan) -> None:
        r = self.rng.randint
        k = hp.kind
        if k == "elderly_alone":
            self.add_member(hp, r(65, 90), "lease_holder")
        elif k == "elderly_couple":
            self.add_member(hp, r(63, 85), "lease_holder", gender="M")
            self.add_member(hp, r(60, 83), "member", gender="F")
        elif k == "single":
            self.add_member(hp, r(22, 58), "lease_holder")
        elif k == "couple":
            age = r(24, 55)
            self.add_member(hp, age, "lease_holder", gender="M")
            self.add_member(hp, max(20, age + r(-5, 3)), "member", gender="F")
        else:
            age = r(28, 50)
            self.add_member(hp, age, "lease_holder", gender="M")
            self.add_member(hp, max(22, age + r(-5, 3)), "member", gender="F")
            for _ in range(self.rng.choice((1, 1, 2, 3))):
                self.add_member(hp, r(0, min(17, age - 20)), "member")
            if k == "three_gen":
                self.add_member(hp, r(62, 85), "member")

    def finish(self) -> EstateSim:
        centres, sigmas = embeddings.centres(self.nrng, len(self.actors), self.p.face_spread)
        for person, actor, consent_day in self._pending_faces:
            self._enroll(person, actor, consent_day, centres, sigmas)
        mine = [f for f in self.reg.face_enrollments if f.estate_id == self.estate_id]
        gate = embeddings.FaceGate(
            [f.person_id for f in mine],
            np.asarray([f.embedding for f in mine], dtype=np.float64),
            self.p.face_threshold,
            self.p.face_margin,
        )
        return EstateSim(
            self.index,
            self.estate_id,
            self.key,
            self.entrances,
            self.gateways,
            self.doors,
            self.units,
            self.actors,
            centres,
            sigmas,
            self.behaviours,
            gate,
        )

    def _enroll(
        self, person: Person, actor: Actor, day: int, centres: np.ndarray, sigmas: np.ndarray
    ) -> None:
        """A consented face enrollment (one noisy sighting of the person's centre)."""
        k = actor.aid
        emb = embeddings.sightings(self.nrng, centres[k : k + 1], sigmas[k : k + 1])[0]
        pid, at = person.person_id, self.utc_of(day, 10)
        self.reg.face_enrollments.append(
            FaceEnrollment(
                f"{pid}-fe1",
                pid,
                self.estate_id,
                [float(x) for x in emb],
                at,
                f"consent-{pid}",
            )
        )
        left, evicted = self.closed.get(pid, (None, False))
        self.reg.credentials.append(
            Credential(
                f"{pid}-face1",
                pid,
                self.estate_id,
                "face",
                f"{pid}-fe1",
                at,
                left,
                left if evicted else None,
            )
        )
