"""The pack's "Actions and progress" section: what was agreed about each finding, and where it stands.

Actions carry no counts about people, so nothing here needs suppression; evidence notes were screened
for identifiers when they were saved.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from erreview.actions import STATUS_LABELS, ActionStatus

TITLE = "Actions and progress"
NOTE = (
    "Actions agreed in response to the findings, with their owner and due date. Overdue: not finished and past "
    "its due date. Signed off: accepted by the board."
)
COLUMNS = ["Action", "Measure", "Period", "Division", "Owner", "Due", "Status", "Overdue", "Signed off", "Evidence"]


def actions_section(actions: pd.DataFrame, *, as_of: date) -> pd.DataFrame:
    """One row per action, overdue first, then by due date; finished actions signed off before ``as_of``."""
    if actions.empty:
        return pd.DataFrame(columns=COLUMNS)
    due = pd.to_datetime(actions["due_date"])
    open_ = actions["status"].isin([ActionStatus.OPEN, ActionStatus.IN_PROGRESS])
    late = open_ & (due < pd.Timestamp(as_of))
    frame = pd.DataFrame(
        {
            "Action": actions["title"],
            "Measure": actions["measure"].str.replace("_", " "),
            "Period": actions["period"],
            "Division": actions["division"].replace("", "Whole trust"),
            "Owner": actions["owner"],
            "Due": due.dt.strftime("%d %b %Y"),
            "Status": actions["status"].map(lambda s: STATUS_LABELS[ActionStatus(s)]),
            "Overdue": late.map({True: "OVERDUE", False: ""}),
            "Signed off": actions["signed_off_by"].fillna("").map(lambda s: "yes" if s else ""),
            "Evidence": actions["evidence"].fillna(""),
            "_late": late,
            "_due": due,
        }
    )
    frame = frame.sort_values(["_late", "_due"], ascending=[False, True], kind="stable")
    return frame[COLUMNS].reset_index(drop=True)


def progress_line(actions: pd.DataFrame, *, as_of: date) -> str:
    """One sentence for the summary: how many actions, how many done, how many overdue."""
    if actions.empty:
        return "No actions have been recorded against these findings yet."
    status = actions["status"]
    late = status.isin([ActionStatus.OPEN, ActionStatus.IN_PROGRESS]) & (
        pd.to_datetime(actions["due_date"]) < pd.Timestamp(as_of)
    )
    done = int((status == ActionStatus.DONE).sum())
    signed = int(actions["signed_off_by"].fillna("").astype(bool).sum())
    return (
        f"Of {len(actions)} action(s) agreed, {done} are done ({signed} signed off by the board) and "
        f"{int(late.sum())} are overdue."
    )
