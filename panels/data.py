"""Data: upload workforce and cases extracts, see every problem before anything is written, import."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from erreview import service
from erreview.errors import ErreviewError
from erreview.profiles import Profile, example_profile_path, load_profile, parse_profile
from erreview.review.roles import Role
from panels.common import Col, completeness, data_key, engine, focus_message, require, settings, show_error, show_table

#: The import check's problems: where each is, then what is wrong (or, for a value the profile does not map,
#: how many rows have it and the closest contract value).
PROBLEM_COLUMNS = [
    Col("file", "File", help="The extract the problem is in."),
    Col("row", "Row", "number", "The row as a spreadsheet numbers it (the headings are row 1); — for the whole file."),
    Col("column", "Column", help="The column the problem is in; — for the whole row."),
    Col("value", "Value", help="The value found; — if empty or not shown."),
    Col("reason", "Problem", help="What is wrong, and how to fix it."),
    Col("rows", "Rows", "count", "How many rows have this value."),
    Col("suggested mapping", "Closest contract value", help="The contract value it most resembles; — if none."),
]
CONFLICT_COLUMNS = [
    Col("case_id", "Case", help="The case's reference in the ER tracker."),
    Col("why not applied", "Why not applied", help="Why the row was left as it is in erreview."),
]
QUALITY_COLUMNS = [
    Col("division", "Division", help="The division at the latest workforce snapshot."),
    Col(
        "share_not_stated", "Not stated (share)", "rate", "Share of the division's staff whose ethnicity is not stated."
    ),
    Col("not_stated", "Ethnicity not stated", "count", "Staff whose ethnicity is not stated or not known."),
    Col("staff", "Staff", "count", "Staff in the division at the snapshot."),
    Col("snapshot_date", "Snapshot", "date", "The workforce snapshot the figures come from."),
]

actor = require(Role.ADMIN, Role.INCLUSION_ANALYST)
st.title("Data", anchor=False)
st.markdown(
    "Upload an ESR workforce extract and/or an ER-tracker cases extract (CSV UTF-8 or Excel .xlsx). "
    "Every row is checked first; nothing is written unless both files are entirely valid. Staff "
    "identifiers are pseudonymised before storage, and unknown columns (such as names) are refused."
)

if actor.role is not Role.ADMIN:
    st.info(
        "Only an administrator can import data (imports change the records every screen is built on). "
        "The data quality below is for everyone who uses this screen.",
        icon=":material/lock:",
    )
else:
    PROFILE_CHOICES = [
        "No profile: the files follow the import contract",
        "Example ER tracker (shipped)",
        "Upload a profile",
    ]
    choice = st.radio(
        "Import profile",
        PROFILE_CHOICES,
        help="A profile maps an extract's own column names, values and dates onto the contract, "
        "e.g. 'Stage 1 - Verbal Warning' to the contract's formal verbal warning.",
    )
    profile: Profile | None = None
    try:
        if choice == PROFILE_CHOICES[1]:
            profile = load_profile(example_profile_path())
        elif choice == PROFILE_CHOICES[2]:
            uploaded = st.file_uploader("Profile (TOML)", type=["toml"])
            if uploaded is not None:
                profile = parse_profile(uploaded.getvalue().decode("utf-8", errors="replace"), source=uploaded.name)
    except ErreviewError as exc:
        show_error(exc.message)
    if profile is not None:
        st.caption(f"Using the profile “{profile.name}”. {profile.description}")

    c1, c2 = st.columns(2)
    workforce = c1.file_uploader("Workforce extract (workforce.csv)", type=["csv", "xlsx"])
    cases = c2.file_uploader("Cases extract (cases.csv)", type=["csv", "xlsx"])

    if workforce or cases:
        w_bytes = workforce.getvalue() if workforce else None
        c_bytes = cases.getvalue() if cases else None
        with st.spinner("Checking every row…"):
            _, _, report = service.check_files(
                workforce=w_bytes,
                cases=c_bytes,
                workforce_name=workforce.name if workforce else None,
                cases_name=cases.name if cases else None,
                profile=profile,
            )
        if report.ok:
            st.success("No problems found. Ready to import.")
            replace = st.checkbox(
                "Replace stored snapshots",
                help="A workforce snapshot already stored for the same date is kept unless you tick this.",
            )
            if st.button("Import", type="primary"):
                try:
                    with st.spinner("Importing…"):
                        summary = service.import_files(
                            engine(),
                            settings(),
                            workforce=w_bytes,
                            cases=c_bytes,
                            workforce_name=workforce.name if workforce else None,
                            cases_name=cases.name if cases else None,
                            user=actor.username,
                            profile=profile,
                            actor=actor,
                            replace_snapshots=replace,
                        )
                    st.success(summary.to_text().split("\n")[0])
                    focus_message()
                    if summary.conflicts:
                        st.warning(
                            f"{len(summary.conflicts)} row(s) were not applied: the case is being handled in erreview, "
                            "or the row names a different person. The stored case stays as it is."
                        )
                        show_table(
                            pd.DataFrame(summary.conflicts, columns=["case_id", "why not applied"]),
                            CONFLICT_COLUMNS,
                            download="rows not applied",
                        )
                except ErreviewError as exc:
                    show_error(exc.message)
        else:
            show_error(f"{len(report.problems)} problem(s) found; nothing will be imported until they are fixed.")
            if profile is not None and any(
                p.row is None and "not mapped by the profile" in p.reason for p in report.problems
            ):
                st.caption(
                    "Values the profile does not map are listed once, with how many rows have them and the closest "
                    "contract value; add them to the profile's values section."
                )
            problems = pd.DataFrame([p.as_dict() for p in report.sorted()])
            show_table(problems, PROBLEM_COLUMNS, download="import problems")

st.header("Data quality", anchor=False)
quality = completeness(data_key())
if quality.empty:
    st.info("No workforce snapshot yet.")
else:
    total, missing = int(quality["staff"].sum()), int(quality["not_stated"].sum())
    st.metric(
        f"Ethnicity not stated at {pd.Timestamp(quality['snapshot_date'].iloc[0]):%-d %b %Y}",
        f"{missing:,} of {total:,}",
        f"{missing / total:.1%}",
        delta_color="off",
    )
    show_table(quality, QUALITY_COLUMNS, download="ethnicity data completeness")
