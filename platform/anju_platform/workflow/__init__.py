"""The inspection workflow (cases, reports, patrols, notifications, data lifecycle):
pure decision functions here, SQL in anju_platform.repo, routes in anju_platform.api."""
