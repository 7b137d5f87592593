"""Anju edge agent: cameras, door controllers and QR scanners on an estate gateway."""

__version__ = "0.1.0"
