"""Issue 19 item 1: one vocabulary. Every value of every workflow term has a Chinese and
an English label in anju_common.vocabulary, and the evidence pack, the webhooks and the
console's dictionaries say exactly those (they disagreed: 属实 / 确认违规, 扣分成立 /
维持扣分, 移交租赁资格复核 / 租赁资格复核 / 租约复核, ...)."""

from __future__ import annotations

import re

import pytest

from anju_common.vocabulary import GROUPS, LABELS, label, labels
from anju_platform.console.dictionary import DICTS, dictionary
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
@pytest.mark.parametrize("group", sorted(GROUPS))
def test_the_console_says_what_the_table_says(group: str, lang: str) -> None:
    console = {
        k.removeprefix(f"{group}."): text
        for k, text in dictionary(CONSOLE[lang]).items()
        if k.startswith(f"{group}.")
    }
    assert console == labels(group, lang), f"{CONSOLE[lang]}.js disagrees on {group}"


def test_evidence_pack_and_webhooks_use_the_table() -> None:
    assert labels("outcome") == evidence_pack.OUTCOME_ZH
    assert labels("caseStatus") == evidence_pack.STATUS_ZH
    assert labels("decision") == evidence_pack.DECISION_ZH
    assert labels("reasonCode") == evidence_pack.REASON_ZH
    for outcome in GROUPS["outcome"]:
        _, lines = webhooks.message_zh({"kind": "case.visited", "body": {"outcome": outcome}})
        assert f"核查结果：{label('outcome', outcome)}" in lines
    for decision in GROUPS["decision"]:
        _, lines = webhooks.message_zh({"kind": "case.decided", "body": {"decision": decision}})
        assert f"处理决定：{label('decision', decision)}" in lines
    for alert_type in GROUPS["type"]:
        title, _ = webhooks.message_zh({"kind": "alert.opened", "body": {"type": alert_type}})
        assert title == f"新预警：{label('type', alert_type)}"


def test_an_unknown_value_shows_as_it_is() -> None:
    assert label("outcome", "confirmed") == "属实"
    assert label("decision", "lease_review", "en") == "Referred for lease review"
    assert label("outcome", "maybe") == "maybe"


CONSOLE_LISTS = {  # the console's lists of stable names (js/i18n.js) -> their group
    "ALERT_TYPES": "type",
    "ALERT_STATUSES": "status",
    "OUTCOMES": "outcome",
    "REASONS": "reasonCode",
    "DECISIONS": "decision",
}


@pytest.mark.parametrize("name", sorted(CONSOLE_LISTS))
def test_the_consoles_lists_are_the_enums(name: str) -> None:
    source = (DICTS.parent / "i18n.js").read_text(encoding="utf-8")
    m = re.search(rf"export const {name} = \[(.*?)\];", source, re.S)
    assert m, f"{name} not found in i18n.js"
    listed = re.findall(r"'([^']+)'", m.group(1))
    assert listed == [str(v) for v in GROUPS[CONSOLE_LISTS[name]]], name
