"""Simulators: synthetic estates, streaming, replay, virtual cameras."""
