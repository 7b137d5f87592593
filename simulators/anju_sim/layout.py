"""The estate's physical layout: buildings of 6, 11 or 18 floors with 2-4 entrances,
one gateway (door controller, camera, QR scanner) per entrance, flats, grids."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from anju_sim.model import (
    Building,
    Device,
    Entrance,
    Estate,
    Gateway,
    Grid,
    GridStaff,
    Register,
    Unit,
)
from anju_sim.params import SimParams

# Names as an estate office writes them (the console shows them to staff).
CITY_ZH = {"Xiangyang": "襄阳市"}
DEVICE_ZH = {"door": "门禁", "camera": "摄像头", "qr_scanner": "扫码器"}


@dataclass(slots=True)
class Layout:
    """One estate's layout as the register builder keeps it (the rows go to `reg`)."""

    reg: Register
    p: SimParams
    rng: random.Random  # the register's stream: the layout draws from it in order
    estate_id: str
    index: int
    office: int
    flats: int
    name: Callable[[], str]  # a staff member's name, drawn from the same stream
    units: list[Unit] = field(default_factory=list)
    entrances: list[str] = field(default_factory=list)
    gateways: list[str] = field(default_factory=list)
    doors: dict[str, str] = field(default_factory=dict)
    entrance_of: dict[str, int] = field(default_factory=dict)  # unit id -> entrance index


def build_layout(b: Layout) -> None:
    """Estate row, buildings, entrances with their gateway and devices, flats, grids."""
    e, rng, eid = b.reg, b.rng, b.estate_id
    e.estates.append(
        Estate(
            eid,
            f"{CITY_ZH.get(b.p.city, b.p.city)}公租房{b.index + 1}号小区",
            b.p.city,
            f"Housing office {b.office + 1}",
            f"{b.index + 1} Gongzu Road, {b.p.city}",
        )
    )
    bno = 0
    while len(b.units) < b.flats:
        bno += 1
        floors = rng.choice((6, 6, 11, 18))
        per_floor = 2 if floors == 6 else 4
        bid = f"{eid}-bno{bno:02d}"
        e.buildings.append(Building(bid, eid, f"{bno}栋", floors))
        for k in range(1, rng.choice((2, 3, 4)) + 1):
            if len(b.units) >= b.flats:
                break
            _entrance(b, bid, bno, k, floors, per_floor)
    grids = (len(b.units) + b.p.grid_size - 1) // b.p.grid_size
    for g in range(grids):
        gid = f"{eid}-g{g + 1:02d}"
        e.grids.append(Grid(gid, eid, f"第{g + 1}网格"))
        for s, role in enumerate(("inspector", "manager")):
            e.grid_staff.append(GridStaff(gid, f"{gid}-s{s + 1}", b.name(), role))
    for i, u in enumerate(b.units):
        u.grid_id = f"{eid}-g{i // b.p.grid_size + 1:02d}"
    e.units.extend(b.units)


def _entrance(b: Layout, bid: str, bno: int, k: int, floors: int, per_floor: int) -> None:
    ent = f"{bid}-{k}"
    gw = f"gw-{b.estate_id}-{bno:02d}-{k}"
    b.reg.entrances.append(Entrance(ent, bid, f"{k}单元"))
    b.reg.gateways.append(Gateway(gw, b.estate_id, f"{bno}栋{k}单元门口", gw))
    door = f"{ent}-door"
    for kind, suffix in (("door", "door"), ("camera", "cam"), ("qr_scanner", "qr")):
        b.reg.devices.append(
            Device(
                f"{gw}-{suffix}",
                gw,
                kind,
                bid,
                ent,
                door if kind == "door" else None,
                f"{bno}栋{k}单元 {DEVICE_ZH[kind]}",
            )
        )
    idx = len(b.entrances)
    b.entrances.append(ent)
    b.gateways.append(gw)
    b.doors[gw] = door
    for floor in range(1, floors + 1):
        for n in range(1, per_floor + 1):
            if len(b.units) >= b.flats:
                return
            num = f"{bno}-{k}-{floor:02d}{n:02d}"
            rooms = b.rng.choice((1, 2, 2, 3))
            area = round(28 + rooms * 14 + b.rng.random() * 8, 2)
            room = f"{floor:02d}{n:02d}"  # as on the door: 1栋2单元0501
            unit = Unit(f"{b.estate_id}-{num}", b.estate_id, bid, ent, "", floor, room, area, rooms)
            b.units.append(unit)
            b.entrance_of[unit.unit_id] = idx
