"""The PDF evidence pack reads the console's dictionaries (console/dictionary.py) line by
line: every entry biome (biome.json) leaves in them must still be read, in either quotes."""

from __future__ import annotations

import re

import pytest

from anju_platform.console.dictionary import DICTS, dictionary, vocabulary_terms

KEY = re.compile(r"^\s*'([^']+)':")


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_every_entry_is_read(lang: str) -> None:
    lines = (DICTS / f"{lang}.js").read_text(encoding="utf-8").splitlines()
    keys = [m.group(1) for line in lines if (m := KEY.match(line))]
    read = dictionary(lang)
    assert keys and len(keys) == len(set(keys)), "a key written twice"
    missing = [k for k in keys if k not in read]
    assert missing == [], f"{lang}.js entries the reader skips (one entry per line?)"
    assert set(read) == set(keys) | set(vocabulary_terms(lang))


def test_apostrophes_survive_either_quotes() -> None:
    en = dictionary("en")
    assert en["pdf.signInspector"] == "Inspector's signature"
    assert "\\" not in "".join(en.values())
