"""Who may do what, enforced in the library (the UI only hides what the library would refuse anyway).

| role | may |
|---|---|
| admin | everything |
| case_lead | create cases; see and change the cases they lead; start panel checks; see comparators |
| panel_member | see cases referred to a panel they sit on; submit reviews for them |
| inclusion_analyst | aggregates only: WRES, decision points, post-action audit (never case-level rows) |
| board_viewer | aggregates only, as in the board pack |
| division_lead | aggregates for their own divisions beside the trust figure, small numbers suppressed |

Each entry point says which roles it needs with :func:`requires`; object-level rules (own cases, own
panels) are checked by :func:`can_see_case` and :func:`can_change_case`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ParamSpec, TypeVar

from erreview.errors import ErreviewError

P = ParamSpec("P")
R = TypeVar("R")


class Role(StrEnum):
    ADMIN = "admin"
    CASE_LEAD = "case_lead"
    PANEL_MEMBER = "panel_member"
    INCLUSION_ANALYST = "inclusion_analyst"
    BOARD_VIEWER = "board_viewer"
    DIVISION_LEAD = "division_lead"


ROLE_LABELS = {
    Role.ADMIN: "Administrator",
    Role.CASE_LEAD: "HR case lead",
    Role.PANEL_MEMBER: "Panel member",
    Role.INCLUSION_ANALYST: "Inclusion analyst",
    Role.BOARD_VIEWER: "Board viewer",
    Role.DIVISION_LEAD: "Division lead",
}
#: Roles that may see individual cases at all (subject to the object-level rules).
CASE_LEVEL_ROLES = frozenset({Role.ADMIN, Role.CASE_LEAD, Role.PANEL_MEMBER})
AGGREGATE_ROLES = frozenset(Role)


class AccessDenied(ErreviewError, PermissionError):
    """The actor's role or relationship to the case does not allow this."""


@dataclass(frozen=True)
class Actor:
    """The signed-in person, as the library sees them."""

    username: str
    role: Role
    panels: frozenset[str] = field(default_factory=frozenset)
    display_name: str = ""
    #: Divisions a division lead is responsible for (their scope; empty for other roles).
    divisions: frozenset[str] = field(default_factory=frozenset)

    @property
    def label(self) -> str:
        return self.display_name or self.username


#: The system itself (imports from the command line, migrations): acts as admin.
SYSTEM = Actor("system", Role.ADMIN, display_name="erreview (command line)")


def requires(*roles: Role) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Refuse the call unless the keyword argument ``actor`` has one of ``roles``."""
    allowed = frozenset(roles)

    def decorate(fn: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            actor = kwargs.get("actor")
            if not isinstance(actor, Actor):
                raise AccessDenied(f"{fn.__name__} needs a signed-in actor")
            if actor.role not in allowed:
                names = ", ".join(sorted(ROLE_LABELS[r] for r in allowed))
                raise AccessDenied(
                    f"{ROLE_LABELS[actor.role]}s cannot {fn.__name__.replace('_', ' ')}; this needs: {names}"
                )
            return fn(*args, **kwargs)

        wrapper.required_roles = allowed  # type: ignore[attr-defined]
        return wrapper

    return decorate


def can_see_case(actor: Actor, *, case_lead: str | None, panel: str | None) -> bool:
    if actor.role is Role.ADMIN:
        return True
    if actor.role is Role.CASE_LEAD:
        return case_lead == actor.username
    if actor.role is Role.PANEL_MEMBER:
        return panel is not None and panel in actor.panels
    return False


def can_change_case(actor: Actor, *, case_lead: str | None) -> bool:
    return actor.role is Role.ADMIN or (actor.role is Role.CASE_LEAD and case_lead == actor.username)


def required_roles(fn: Any) -> frozenset[Role]:
    """The roles an entry point declares (for tests and the admin screen)."""
    return frozenset(getattr(fn, "required_roles", frozenset()))
