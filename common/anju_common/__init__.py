"""Anju shared contract: event models, topics, settings pieces, migrations."""
