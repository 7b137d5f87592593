"""The workflow records the repo reads (cases, care, resident reports) and the API
models that show them are declared twice: a dataclass of the SELECT's columns
(repo/case_rows.py, repo/care_rows.py, repo/case_context.py, repo/reports.py) and a
pydantic model with the docs (api/cases.py, api/care.py, api/reports.py). This ties each
pair, so a column added to one and forgotten in the other fails here rather than
vanishing from the API or failing at run time."""

from __future__ import annotations

from dataclasses import fields

import pytest
from pydantic import BaseModel

from anju_platform.api import care as care_api
from anju_platform.api import cases as cases_api
from anju_platform.api import reports as reports_api
from anju_platform.repo import care_rows, case_context, case_rows, reports

# (record, API model, record fields the API does not show, API fields the service adds)
PAIRS: list[tuple[type, type[BaseModel], set[str], set[str]]] = [
    # the alert's first day and opening time: for the visit's checks and the suppression
    (case_rows.CaseRow, cases_api.CaseOut, {"first_day", "opened_at"}, {"overdue"}),
    (case_rows.VisitRow, cases_api.VisitOut, set(), set()),
    (case_rows.PhotoRow, cases_api.PhotoOut, {"path"}, set()),  # the file stays inside
    (case_rows.DeductionRow, cases_api.DeductionOut, set(), set()),
    (case_rows.DecisionRow, cases_api.DecisionOut, set(), set()),
    (case_rows.SuppressionRow, cases_api.SuppressionOut, set(), set()),
    (case_context.Member, cases_api.MemberOut, set(), set()),
    (case_context.Household, cases_api.HouseholdOut, set(), set()),
    # the alert's persons: what the care job looks for at the doors
    (care_rows.CareTask, care_api.CareTaskOut, {"updated_at", "persons"}, {"overdue"}),
    (care_rows.CareContact, care_api.ContactOut, set(), set()),
    (care_rows.AbsenceReport, care_api.AbsenceReportOut, set(), set()),
    (reports.ReportRow, reports_api.ReportOut, set(), set()),
]


@pytest.mark.parametrize(
    ("record", "model", "hidden", "added"), PAIRS, ids=[p[0].__name__ for p in PAIRS]
)
def test_record_and_api_model_name_the_same_fields(
    record: type, model: type[BaseModel], hidden: set[str], added: set[str]
) -> None:
    columns = {f.name for f in fields(record)}
    shown = set(model.model_fields)
    assert hidden <= columns and not added & columns
    assert columns - hidden == shown - added, f"{record.__name__} vs {model.__name__}"
