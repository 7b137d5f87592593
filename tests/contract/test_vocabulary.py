"""Issue 19 item 1: one vocabulary. Every value of every workflow term has a Chinese and
an English label in anju_common.vocabulary, and the evidence pack, the webhooks and the
console's dictionaries say exactly those (they disagreed: 属实 / 确认违规, 扣分成立 /
维持扣分, 移交租赁资格复核 / 租赁资格复核 / 租约复核, ...)."""

from __future__ import annotations

import re

import pytest

from anju_common.vocabulary import GROUPS, LABELS, label, labels
from anju_platform.console.dictionary import DICTS, console_vocabulary, dictionary
from anju_platform.workflow import evidence_pack, webhooks

CONSOLE = {"zh": "zh-CN", "en": "en"}


@pytest.mark.parametrize("group", sorted(GROUPS))
def test_every_value_has_a_label_in_both_languages(group: str) -> None:
    values = {str(v) for v in GROUPS[group]}
    assert set(LABELS[group]) == values, f"{group}: labels for other values than the enum's"
    for value in values:
        zh, en = LABELS[group][value]
        assert zh.strip() and en.strip(), f"{group}.{value} lacks a label"
        assert not zh.isascii(), f"{group}.{value}: the Chinese label is not Chinese"
    assert set(LABELS) == set(GROUPS)


@pytest.mark.parametrize("lang", sorted(CONSOLE))
def test_the_console_keeps_no_copy_and_says_what_the_table_says(lang: str) -> None:
    """The browser gets the terms from GET /api/v1/overview/config; the PDF evidence
    pack from the same table through console/dictionary.py."""
    source = (DICTS / f"{CONSOLE[lang]}.js").read_text(encoding="utf-8")
    copies = re.findall(rf"^\s*'((?:{'|'.join(GROUPS)})\.[^']+)':", source, re.M)
    assert copies == [], f"{CONSOLE[lang]}.js copies terms of the table: {copies}"
    terms = console_vocabulary()["labels"][CONSOLE[lang]]
    for group in GROUPS:
        for value, text in labels(group, lang).items():
            assert terms[f"{group}.{value}"] == text
            assert dictionary(CONSOLE[lang])[f"{group}.{value}"] == text
    assert console_vocabulary()["values"] == {g: [str(v) for v in e] for g, e in GROUPS.items()}


def test_evidence_pack_and_webhooks_use_the_table() -> None:
    assert labels("outcome") == evidence_pack.OUTCOME_ZH
    assert labels("caseStatus") == evidence_pack.STATUS_ZH
    assert labels("decision") == evidence_pack.DECISION_ZH
    assert labels("reasonCode") == evidence_pack.REASON_ZH
    for outcome in GROUPS["outcome"]:
        _, lines = webhooks.message_zh(
            {"kind": "case.visited", "body": {"outcome": outcome}}, None, 8
        )
        assert f"核查结果：{label('outcome', outcome)}" in lines
    for decision in GROUPS["decision"]:
        _, lines = webhooks.message_zh(
            {"kind": "case.decided", "body": {"decision": decision}}, None, 8
        )
        assert f"处理决定：{label('decision', decision)}" in lines
    for alert_type in GROUPS["type"]:
        title, _ = webhooks.message_zh(
            {"kind": "alert.opened", "body": {"type": alert_type}}, None, 8
        )
        assert title == f"新预警：{label('type', alert_type)}"


def test_an_unknown_value_shows_as_it_is() -> None:
    assert label("outcome", "confirmed") == "属实"
    assert label("decision", "lease_review", "en") == "Referred for lease review"
    assert label("outcome", "maybe") == "maybe"


CONSOLE_LISTS = ("ALERT_TYPES", "ALERT_STATUSES", "OUTCOMES", "REASONS", "DECISIONS")


@pytest.mark.parametrize("name", CONSOLE_LISTS)
def test_the_consoles_lists_come_from_the_api(name: str) -> None:
    source = (DICTS.parent / "i18n.js").read_text(encoding="utf-8")
    assert f"export const {name} = [];" in source, f"i18n.js lists {name} by hand"
