"""One line for whatever stops a command: the `anju` entry point's only error path.

Input is checked where it enters (`anju_common.cliargs`); what still escapes a command
(a database that refuses the connection, a file that cannot be written, a bug) is
turned into one line here, never a traceback (ANJU_DEBUG=1 shows it)."""

from __future__ import annotations

from typing import Any

from anju_common.cliargs import FAILED, USAGE, CliError

DEBUG_HINT = "ANJU_DEBUG=1 shows the traceback"


def _text(exc: BaseException) -> str:
    """The exception's message on one line."""
    return " ".join(str(exc).split()) or type(exc).__name__


def _database(exc: BaseException) -> str:
    name = type(exc).__name__
    primary = getattr(getattr(exc, "diag", None), "message_primary", None)
    text = " ".join(primary.split()) if primary else _text(exc)  # without the query excerpt
    text = text.removeprefix("connection failed: ")
    if name in ("OperationalError", "ConnectionTimeout") and "connect" in text.lower():
        return f"cannot connect to the database: {text} (check --database-url or DATABASE_URL)"
    if name == "UndefinedTable":
        return f"the database has no Anju schema ({text}); run `anju db migrate` first"
    return f"database error: {text}"


def _invalid(exc: Any) -> str:
    """A pydantic ValidationError: settings read from the environment, or parameters."""
    first = exc.errors()[0]
    field = ".".join(str(p) for p in first.get("loc", ())) or exc.title
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"invalid {exc.title}.{field}: {first.get('msg')}{more}"


def _os(exc: OSError) -> str:
    reason = exc.strerror or _text(exc)
    if exc.filename:
        return f"cannot use {exc.filename}: {reason}"
    if isinstance(exc, ConnectionError):
        return f"cannot connect: {reason}"
    return reason


def describe(exc: BaseException) -> tuple[str, int]:
    """(one line, exit status) for an exception that ended a command."""
    if isinstance(exc, CliError):
        return _text(exc), exc.code
    # click's exceptions (typer vendors its own copy of click, so not by class): usage
    # errors such as a bad option value, and an aborted prompt
    code = getattr(exc, "exit_code", None)
    if hasattr(exc, "format_message") and isinstance(code, int):
        return " ".join(exc.format_message().split()), code
    if type(exc).__name__ == "Abort":
        return "aborted", FAILED
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted", 130
    module = type(exc).__module__
    if module.startswith("psycopg"):
        return _database(exc), FAILED
    if module.startswith("pydantic") and type(exc).__name__ == "ValidationError":
        return _invalid(exc), USAGE
    if isinstance(exc, OSError):
        return _os(exc), FAILED
    if "ConnectionError" in type(exc).__name__:  # requests / niquests / httpx
        return f"cannot connect: {_text(exc)}", FAILED
    if isinstance(exc, (RuntimeError, ValueError)):  # raised with a message for people
        return f"{_text(exc)} ({DEBUG_HINT})", FAILED
    return f"unexpected error: {type(exc).__name__}: {_text(exc)} ({DEBUG_HINT})", FAILED


def command_path(root: Any, args: list[str]) -> str:
    """The subcommand words of `args` ("anju simulate generate"), for the message;
    `root` is the click group of `anju`."""
    words = ["anju"]
    group = root
    for arg in args:
        commands = getattr(group, "commands", None)
        if not isinstance(commands, dict):
            break
        sub = commands.get(arg)
        if sub is None:
            if arg.startswith("-"):
                continue  # a group option (--version) before the subcommand
            break
        words.append(arg)
        group = sub
    return " ".join(words)
