"""The demo: shipped synthetic data, one account per role, a few open cases to work on.

Used by ``erreview demo`` and by the browser tests. Never for real data: the demo passwords are public.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from erreview import service, store
from erreview.auth import DEMO_PASSWORD, add_user
from erreview.bundled import demo_data
from erreview.config import Settings
from erreview.review.roles import SYSTEM, Role
from erreview.review.workflow import assign_case, list_cases

DEMO_DATA = demo_data()
DEMO_PANEL = "North"
DEMO_INTERVENTION = date(2024, 4, 1)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: Role
    name: str
    panels: str = ""
    divisions: str = ""


DEMO_ACCOUNTS = (
    DemoAccount("admin", Role.ADMIN, "Ada Admin"),
    DemoAccount("lead", Role.CASE_LEAD, "Lee Caselead"),
    DemoAccount("panel", Role.PANEL_MEMBER, "Pat Panel", DEMO_PANEL),
    # A second member: the panel's quorum is attested by each member from their own account.
    DemoAccount("panel2", Role.PANEL_MEMBER, "Remi Ambassador", DEMO_PANEL),
    DemoAccount("analyst", Role.INCLUSION_ANALYST, "Ina Analyst"),
    DemoAccount("board", Role.BOARD_VIEWER, "Bo Board"),
    DemoAccount("divlead", Role.DIVISION_LEAD, "Dee Division", divisions="Medicine"),
)


def prepare_demo(engine: store.Engine, settings: Settings, *, data: Path = DEMO_DATA) -> str | None:
    """Load the demo into an empty database; returns a summary, or ``None`` if it already held data."""
    if service.current_data_version(engine) != 0:
        return None
    summary = service.import_files(
        engine, settings, workforce=data / "workforce.csv", cases=data / "cases.csv", user="demo"
    )
    for account in DEMO_ACCOUNTS:
        add_user(
            engine,
            username=account.username,
            role=account.role,
            display_name=account.name,
            password=DEMO_PASSWORD,
            panels=account.panels,
            by="demo",
            divisions=account.divisions,
            allow_demo_password=True,
        )
    # Give the case lead the ten most recent undecided disciplinary cases to work on.
    cases = list_cases(engine, actor=SYSTEM)
    open_cases = cases[(cases["case_type"] == "disciplinary") & cases["initial_route"].isna()]
    for case_id in open_cases.sort_values("opened_date", ascending=False)["case_id"].head(10):
        assign_case(engine, case_id, actor=SYSTEM, case_lead="lead")
    service.change_setting(engine, settings, "intervention_date", DEMO_INTERVENTION.isoformat(), user="demo")
    return summary.to_text()


def sign_in_help() -> str:
    lines = [f"Demo accounts (password '{DEMO_PASSWORD}' for each):"]
    lines += [f"  {a.username:<8} {a.role.value}" for a in DEMO_ACCOUNTS]
    return "\n".join(lines)
