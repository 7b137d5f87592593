"""Command-line input checked where it enters: days, times, database URLs, output
paths. A bad value raises `CliError` with one line that says what was wrong and what to
type instead; the `anju` entry point (`anju_cli.main`) prints it and exits non-zero.

Only the standard library at import (the edge build has no psycopg)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

USAGE = 2  # bad input, as click's usage errors
FAILED = 1  # the input was fine, the work could not be done


class CliError(Exception):
    """Refused input or an unusable environment, said in one line; exit status `code`."""

    def __init__(self, message: str, code: int = USAGE) -> None:
        super().__init__(message)
        self.code = code


def masked(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return url
    if not password:
        return url
    netloc = parts.netloc.replace(f":{password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise CliError(f"{option} {text!r} is not a day ({exc}); use YYYY-MM-DD") from None


def moment(text: str, option: str) -> datetime:
    """An ISO 8601 day or time; naive means UTC."""
    try:
        t = datetime.fromisoformat(text)
    except ValueError:
        raise CliError(
            f"{option} {text!r} is not a time; use ISO 8601, e.g. 2026-03-01 or "
            "2026-03-01T08:00+08:00"
        ) from None
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def in_order(start: date | datetime | None, end: date | datetime | None, names: str) -> None:
    """Refuse a range whose start is after its end; names: e.g. '--since/--until'."""
    if start is not None and end is not None and start > end:
        first, last = names.split("/")
        raise CliError(f"{first} {start.isoformat()} is after {last} {end.isoformat()}")


def database_url(url: str | None, option: str = "--database-url") -> str:
    """The option's URL, else DATABASE_URL / the default; refused when libpq cannot
    parse it (checked here, before anything connects)."""
    import psycopg

    from anju_common.settings import get_database_settings

    where = option
    if not url:
        url, where = get_database_settings().url, "DATABASE_URL"
    scheme = url.split("://", 1)[0] if "://" in url else ""
    try:
        if scheme and scheme not in ("postgresql", "postgres"):
            raise ValueError(scheme)
        psycopg.conninfo.conninfo_to_dict(url)
    except (ValueError, psycopg.Error):
        raise CliError(
            f"{where} {masked(url)!r} is not a PostgreSQL URL; "
            "use postgresql://user@host:5432/dbname"
        ) from None
    return url


def mqtt_url(url: str | None, option: str = "--url") -> str:
    """The option's broker URL, else MQTT_URL / the default, if it parses."""
    from anju_common.settings import get_mqtt_settings, parse_mqtt_url

    where = option
    if not url:
        url, where = get_mqtt_settings().url, "MQTT_URL"
    try:
        parse_mqtt_url(url)
    except ValueError:
        raise CliError(
            f"{where} {masked(url)!r} is not a broker URL; use mqtt://user:password@host:1883 "
            "or mqtts:// for TLS"
        ) from None
    return url


def _refused(what: Path, exc: OSError) -> CliError:
    return CliError(f"cannot write {what}: {exc.strerror or exc}")


def output_file(path: Path, option: str) -> Path:
    """A file to write (replaced when it exists), tried now rather than after the work:
    not a folder, its folder exists and takes a file."""
    if path.is_dir():
        raise CliError(f"{option} {path} is a folder; give a file name")
    if not path.parent.is_dir():
        raise CliError(f"{option} {path}: the folder {path.parent} does not exist")
    existed = path.exists()
    try:
        with path.open("ab"):
            pass
    except OSError as exc:
        raise _refused(path, exc) from None
    if not existed:
        path.unlink(missing_ok=True)
    return path


def output_folder(path: Path, option: str, force: bool) -> Path:
    """A folder to write into, created now: an existing non-empty one only with --force
    (files of the same names are replaced)."""
    if path.exists() and not path.is_dir():
        raise CliError(f"{option} {path} is a file; give a folder")
    if path.is_dir() and any(path.iterdir()) and not force:
        raise CliError(
            f"{option} {path} is not empty; add --force to write into it "
            "(files of the same names are replaced)"
        )
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _refused(path, exc) from None
    return path
