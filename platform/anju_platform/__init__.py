"""Platform: register API, detection, alerts, console."""
