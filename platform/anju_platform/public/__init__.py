"""Public pages (no account): the resident report form at /r/{code}, and the QR posters."""
