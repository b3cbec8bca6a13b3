"""One-off: rewrite the contract's example files the way a typical ER tracker labels them.

Run from the repository root: ``python tests/data/profiles/make_tracker_extract.py``. The output is committed;
the test imports it through ``erreview/profiles/example_er_tracker.toml`` and compares the numbers with the
contract-format originals. Labels are written here by hand (not read from the profile), every fifth value is
left in its contract form (a profile passes those through) and case is mixed on purpose.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

HERE = Path(__file__).parent
EXAMPLES = HERE.parent / "examples"
ETHNIC = {
    "A": "White - British",
    "B": "White - Irish",
    "C": "White - Any other White background",
    "D": "Mixed - White and Black Caribbean",
    "E": "Mixed - White and Black African",
    "F": "Mixed - White and Asian",
    "G": "Mixed - Any other mixed background",
    "H": "Asian or Asian British - Indian",
    "J": "Asian or Asian British - Pakistani",
    "K": "Asian or Asian British - Bangladeshi",
    "L": "Asian or Asian British - Any other Asian background",
    "M": "Black or Black British - Caribbean",
    "N": "Black or Black British - African",
    "P": "Black or Black British - Any other Black background",
    "R": "Chinese",
    "S": "Any other ethnic group",
    "Z": "Not Stated",
    "99": "Unknown",
}
VALUES = {
    "gender": {
        "female": "Woman",
        "f": "WOMAN",
        "male": "Man",
        "m": "man",
        "other": "Non-binary",
        "not_stated": "Not declared",
    },
    "case_type": {
        "disciplinary": "Disciplinary",
        "capability": "Capability",
        "grievance": "Grievance",
        "bullying_harassment": "Bullying & Harassment",
        "sickness": "Sickness Absence",
    },
    "allegation_category": {
        "clinical_practice": "Clinical Practice",
        "behaviour": "Conduct / Behaviour",
        "attendance": "Attendance",
        "fraud_theft": "Fraud / Theft",
        "information_governance": "Information Governance",
        "patient_care": "Patient Care",
        "other": "Other",
    },
    "referral_source": {
        "manager": "Line Manager",
        "colleague": "Colleague",
        "patient_complaint": "Patient Complaint",
        "incident_report": "Datix Incident",
        "external": "External Body",
    },
    "initial_route": {"informal": "Informal Resolution", "formal": "Formal Investigation", "no_further_action": "NFA"},
    "restriction": {
        "none": "None",
        "restricted_duties": "Restricted Duties",
        "redeployed": "Redeployment",
        "suspended": "Excluded",
    },
    "investigation_outcome": {
        "no_case_to_answer": "No Case to Answer",
        "fast_track": "Fast Track Hearing",
        "hearing": "Refer to Hearing",
    },
    "sanction": {
        "no_action": "No Further Action",
        "formal_verbal_warning": "Stage 1 - Verbal Warning",
        "first_written_warning": "Stage 2 - First Written Warning",
        "final_written_warning": "Stage 3 - Final Written Warning",
        "action_short_of_dismissal": "Action Short of Dismissal",
        "dismissal": "Dismissal",
    },
    "appeal_outcome": {"upheld": "Upheld", "partially_upheld": "Partially Upheld", "not_upheld": "Not Upheld"},
    "regulator_referral": {"yes": "Y", "no": "N"},
    "complaint_outcome": {
        "upheld": "Upheld",
        "partially_upheld": "Partially Upheld",
        "not_upheld": "Not Upheld",
        "withdrawn": "Withdrawn",
    },
}
NAMES = {
    "snapshot_date": "Snapshot Date",
    "case_id": "Case Ref",
    "person_id": "Employee Number",
    "ethnic_category": "Ethnic Origin",
    "gender": "Gender",
    "band": "Pay Band",
    "staff_group": "Staff Group",
    "division": "Directorate",
    "case_type": "Case Type",
    "allegation_category": "Allegation",
    "referral_source": "Referred By",
    "opened_date": "Date Opened",
    "initial_route": "Initial Outcome",
    "route_date": "Decision Date",
    "formal_investigation_date": "Investigation Start Date",
    "restriction": "Restriction",
    "investigation_outcome": "Investigation Outcome",
    "sanction": "Hearing Outcome",
    "appeal_outcome": "Appeal Outcome",
    "regulator_referral": "Referred to Regulator",
    "closed_date": "Date Closed",
    "suspension_start_date": "Exclusion Start",
    "suspension_end_date": "Exclusion End",
    "complaint_outcome": "Complaint Outcome",
}


def ethnic(value: str) -> str:
    token = (value.split() or ["Z"])[0].upper()
    code = token if token in ETHNIC else token[0]
    return ETHNIC[code]


def relabel(row: dict[str, str], i: int) -> dict[str, str]:
    out = {}
    for column, value in row.items():
        keep = i % 5 == 0  # left in contract form: the profile must pass it through
        if value == "":
            new = ""
        elif column.endswith("_date"):
            d = date.fromisoformat(value)
            new = f"{d.day:02d}/{d.month:02d}/{d.year}"
        elif column == "ethnic_category":
            new = value if keep else ethnic(value)
        elif column in VALUES:
            new = value if keep else VALUES[column][value.lower()]
        else:
            new = value
        out[NAMES[column]] = new
    return out


def rewrite(source: str, target: str, *, handler: bool) -> None:
    with (EXAMPLES / source).open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    out_rows = [relabel(r, i) for i, r in enumerate(rows)]
    names = list(out_rows[0])[::-1]  # a different column order too
    if handler:
        names.insert(2, "Case Handler")
        for i, r in enumerate(out_rows):
            r["Case Handler"] = f"HR Advisor {i % 4 + 1}"
    with (HERE / target).open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=names)
        writer.writeheader()
        writer.writerows(out_rows)


if __name__ == "__main__":
    rewrite("workforce.csv", "tracker_workforce.csv", handler=False)
    rewrite("cases.csv", "tracker_cases.csv", handler=True)
    rewrite("edge_cases.csv", "tracker_edge_cases.csv", handler=True)
