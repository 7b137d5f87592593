"""The web console: static HTML, CSS and ES modules served by the platform (no build
step, nothing fetched from elsewhere), plus the one read it needs that the other
routers do not give (gateway health for the estate overview)."""
