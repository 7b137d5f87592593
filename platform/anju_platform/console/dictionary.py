"""The console's UI dictionaries (static/js/i18n/<lang>.js) read from Python, so that
what the server writes for people (the PDF evidence pack) uses the same words as the
console: one vocabulary, not a copy."""

from __future__ import annotations

import functools
import re
from pathlib import Path

DICTS = Path(__file__).resolve().parent / "static" / "js" / "i18n"
_ENTRY = re.compile(r"^\s*'([^']+)':\s*'((?:[^'\\]|\\.)*)',?\s*$")
_VAR = re.compile(r"\{(\w+)\}")


@functools.cache
def dictionary(lang: str = "zh-CN") -> dict[str, str]:
    out = {}
    for line in (DICTS / f"{lang}.js").read_text(encoding="utf-8").splitlines():
        m = _ENTRY.match(line)
        if m:
            out[m.group(1)] = m.group(2).replace("\\'", "'")
    return out


def t(key: str, lang: str = "zh-CN", **values: object) -> str:
    """Like the console's t(): the text with {name} filled in; a missing key shows itself."""
    text = dictionary(lang).get(key, key)
    return _VAR.sub(lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0), text)


def term(group: str, name: object, lang: str = "zh-CN") -> str:
    """Like the console's term(): a stable API name translated, unknown names as they are."""
    if name is None or name == "":
        return ""
    return dictionary(lang).get(f"{group}.{name}", str(name))
