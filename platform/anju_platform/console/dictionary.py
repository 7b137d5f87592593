"""The console's UI dictionaries (static/js/i18n/<lang>.js) read from Python, so that
what the server writes for people (the PDF evidence pack) uses the same words as the
console: one vocabulary, not a copy. The workflow's terms (alert types, statuses,
outcomes, decisions...) are not in those files: they come from anju_common.vocabulary,
here and in the browser (GET /api/v1/overview/config, `vocabulary`)."""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

from anju_common.vocabulary import GROUPS, LABELS

DICTS = Path(__file__).resolve().parent / "static" / "js" / "i18n"
# One entry per line, its text in either quotes: biome (biome.json) writes "..." for a
# text with an apostrophe and keeps an entry on one line.
_ENTRY = re.compile(r"""^\s*'([^']+)':\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"),?\s*$""")
_VAR = re.compile(r"\{(\w+)\}")


@functools.cache
def dictionary(lang: str = "zh-CN") -> dict[str, str]:
    out = {}
    for line in (DICTS / f"{lang}.js").read_text(encoding="utf-8").splitlines():
        m = _ENTRY.match(line)
        if m and m.group(2) is not None:
            out[m.group(1)] = m.group(2).replace("\\'", "'")
        elif m:
            out[m.group(1)] = m.group(3).replace('\\"', '"')
    return out | vocabulary_terms(lang)


LANGS = {"zh-CN": "zh", "en": "en"}  # console language -> the table's


def vocabulary_terms(lang: str) -> dict[str, str]:
    """The workflow's terms under the console's keys ('outcome.confirmed': '属实')."""
    return {
        f"{group}.{value}": getattr(label, LANGS[lang])
        for group, labels in LABELS.items()
        for value, label in labels.items()
    }


def console_vocabulary() -> dict[str, Any]:
    """What the console loads at login: each group's values in order, and the terms."""
    return {
        "values": {group: [str(v) for v in enum] for group, enum in GROUPS.items()},
        "labels": {lang: vocabulary_terms(lang) for lang in LANGS},
    }


def t(key: str, lang: str = "zh-CN", **values: object) -> str:
    """Like the console's t(): the text with {name} filled in; a missing key shows itself."""
    text = dictionary(lang).get(key, key)
    return _VAR.sub(lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0), text)


def term(group: str, name: object, lang: str = "zh-CN") -> str:
    """Like the console's term(): a stable API name translated, unknown names as they are."""
    if name is None or name == "":
        return ""
    return dictionary(lang).get(f"{group}.{name}", str(name))
