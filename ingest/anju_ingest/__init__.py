"""Ingest: MQTT -> validated, batched, idempotent COPY into PostgreSQL."""
