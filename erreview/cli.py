"""The ``erreview`` command line (contract §6).

Errors go to stderr with a non-zero exit code; ``--json`` output goes to stdout and nothing else does.

Start-up is kept short: this module imports only typer and erreview's light modules. The database layer,
pandas and the statistics libraries are imported inside the commands that use them
(tests/test_startup.py checks it).
"""

from __future__ import annotations

import json
import logging
import os
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from erreview.errors import ErreviewError
from erreview.periods import parse_period
from erreview.review.roles import Role

if TYPE_CHECKING:
    from erreview.config import Settings
    from erreview.store import Engine


class _Commands(TyperGroup):
    """Every library refusal (an :class:`ErreviewError`) becomes a plain ``error: ...`` line and exit code 1."""

    def invoke(self, ctx: Any) -> Any:  # typer vendors its own click; its Context is not public
        try:
            return super().invoke(ctx)
        except ErreviewError as exc:
            raise fail(exc.message) from None


app = typer.Typer(
    name="erreview",
    cls=_Commands,
    help="Find and stop racial bias in employee-relations cases: import pseudonymised data, "
    "compute WRES indicator 3 and decision-point disparities, produce the six-monthly review pack.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain click help: rendering it with rich costs a tenth of a second at start-up
)


class State:
    settings: Settings


state = State()


def fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


@app.callback()
def main(
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Database URL (default: env ERREVIEW_DATABASE_URL, "
            "else sqlite:///erreview.db in the working directory).",
        ),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress to stderr.")] = False,
) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        stream=sys.stderr,
        format="%(levelname)s %(name)s: %(message)s",
    )
    from erreview.config import check_production, get_settings
    from erreview.files import private_umask

    private_umask()  # the database, backups and exports this command writes are the owner's only

    state.settings = get_settings(database_url=db)
    check_production(state.settings, needs_cookie_secret=False)


def _engine() -> Engine:
    from erreview import store

    try:
        engine = store.engine_for(state.settings.database_url)
    except Exception as exc:  # SQLAlchemy raises many types for a bad URL or unreachable server
        raise fail(f"cannot open the database {state.settings.database_url!r}: {exc}") from None
    from erreview.store import audit

    audit.bind(engine.url, state.settings)  # the audit key comes from this run's pseudonym key
    return engine


def _print_json(payload: Any) -> None:
    sys.stdout.write(json.dumps(payload, indent=1, allow_nan=False) + "\n")


@app.command("import")
def import_(
    workforce: Annotated[Path | None, typer.Option(help="ESR workforce extract (CSV or .xlsx).")] = None,
    cases: Annotated[Path | None, typer.Option(help="ER-tracker cases extract (CSV or .xlsx).")] = None,
    profile: Annotated[
        Path | None,
        typer.Option(
            help="Import profile (TOML) mapping the extract's column names, values and dates to the contract."
        ),
    ] = None,
    replace_snapshots: Annotated[
        bool,
        typer.Option("--replace-snapshots", help="Replace workforce snapshots already stored for the same dates."),
    ] = False,
) -> None:
    """Validate and import files atomically: any problem in either file and nothing is written. Rows for a
    case handled in erreview, or naming another person, are reported as conflicts and not applied."""
    if workforce is None and cases is None:
        raise fail("give --workforce FILE, --cases FILE or both")
    from erreview import service
    from erreview.profiles import load_profile

    summary = service.import_files(
        _engine(),
        state.settings,
        workforce=workforce,
        cases=cases,
        workforce_name=workforce.name if workforce else None,
        cases_name=cases.name if cases else None,
        profile=load_profile(profile) if profile else None,
        replace_snapshots=replace_snapshots,
    )
    typer.echo(summary.to_text())


def _fmt(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


@app.command()
def wres(
    period: Annotated[
        str | None,
        typer.Option(help="Period label, e.g. 2024/25-H1 or 2024/25. Default: every half-year with data."),
    ] = None,
    pool: Annotated[
        int,
        typer.Option(min=1, help="Pool entrants and headcounts over N consecutive periods ending with the period."),
    ] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="Print the contract's JSON to stdout.")] = False,
) -> None:
    """WRES indicator 3: relative likelihood of BME vs White staff entering a formal disciplinary
    investigation, per period, with its 95% interval and band."""
    chosen = parse_period(period) if period else None
    from erreview import tallies

    results = tallies.wres_results(state.settings.database_url, period=chosen, pool=pool)
    if results is None:  # a database to create or migrate first, or one the quick counts cannot open
        from erreview import service

        results = service.wres_results(_engine(), period=chosen, pool=pool)
    if as_json:
        for result in results:  # the JSON has no place for the reason; say it on stderr
            if not result.available:
                typer.echo(f"note: {result.period.label} unavailable: {result.unavailable_reason}", err=True)
        _print_json({"periods": [r.as_json() for r in results]})
        return
    if not results:
        typer.echo("no data: import a workforce snapshot and cases first")
        return
    typer.echo(f"{'period':<12}{'snapshot':<12}{'BME':>14}{'White':>14}{'unknown':>9}{'ratio':>7}  {'95% CI':<14}band")
    for r in results:
        if not r.available or r.estimate is None:
            typer.echo(f"{r.period.label:<12}{'-':<12}unavailable: {r.unavailable_reason}")
            continue
        g = r.as_json()
        bme, white, unknown = g["bme"], g["white"], g["unknown"]
        assert isinstance(bme, dict) and isinstance(white, dict) and isinstance(unknown, dict)
        e = r.estimate
        band = e.band.value if e.band else "n/a"
        typer.echo(
            f"{r.period.label:<12}{g['snapshot_date']!s:<12}"
            f"{bme['entrants']:>6}/{bme['headcount']:<7}{white['entrants']:>6}/{white['headcount']:<7}"
            f"{unknown['headcount']:>9}{_fmt(e.ratio):>7}  "
            f"{_fmt(e.ci_low) + '–' + _fmt(e.ci_high):<14}{band}{' *' if e.significant else ''}"
            + ("  (still running: incomplete)" if date.today() <= r.period.end else "")
        )


def _parse_date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise fail(f"{option} {value!r} is not a date in the form YYYY-MM-DD") from None


@app.command()
def decisions(
    date_from: Annotated[
        str | None, typer.Option("--from", help="First opened_date to include (YYYY-MM-DD). Default: all.")
    ] = None,
    date_to: Annotated[
        str | None, typer.Option("--to", help="Last opened_date to include (YYYY-MM-DD). Default: all.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the contract's JSON to stdout.")] = False,
) -> None:
    """Decision points: where in the disciplinary process BME and White staff are treated differently
    (formal investigation, suspension, case to answer, sanction, dismissal, appeal, regulator referral)."""
    start, end = _parse_date(date_from, "--from"), _parse_date(date_to, "--to")
    if start and end and start > end:
        raise fail(f"--from {start} is after --to {end}")
    from erreview import tallies

    counted = tallies.decision_results(state.settings.database_url, opened_from=start, opened_to=end)
    if counted is None:  # a database to create or migrate first, or one the quick counts cannot open
        from erreview import service

        engine = _engine()
        counted = (
            service.decision_results(engine, opened_from=start, opened_to=end),
            service.complaint_results(engine, opened_from=start, opened_to=end),
        )
    results, complaints = counted
    if as_json:
        _print_json({"decision_points": [r.as_json() for r in results], "complaints": complaints.as_json()})
        return
    typer.echo(f"{'decision point':<22}{'BME':>14}{'White':>14}{'ratio':>7}  {'95% CI':<13}{'band':<12}{'q':>6}  flag")
    for r in [*results, complaints]:
        e = r.estimate
        band = e.band.value if e.band else "n/a"
        q = "n/a" if r.q_value is None else f"{r.q_value:.3f}"
        flag = r.flag.value + (" (harms BME staff)" if r.adverse else "")
        typer.echo(
            f"{r.point.name:<22}{r.bme.events:>6}/{r.bme.n:<7}{r.white.events:>6}/{r.white.n:<7}"
            f"{_fmt(e.ratio):>7}  {_fmt(e.ci_low) + '–' + _fmt(e.ci_high):<13}{band:<12}{q:>6}  {flag}"
        )


@app.command()
def export(
    period: Annotated[str, typer.Option(help="The period, e.g. 2024/25-H2 (or a year, 2024/25).")],
    out: Annotated[Path, typer.Option(help="Folder to write the pack into (created if needed).")],
    audience: Annotated[
        str,
        typer.Option(
            help="board: the review pack for boards and committees; community: the community and staff-network "
            "pack (stricter small-number threshold, plain-English summary)."
        ),
    ] = "board",
) -> None:
    """Write the six-monthly review pack for boards (or, with --audience community, for the Community Advisory
    Board and staff networks): Excel workbook, PDF report and CSV tables, with small numbers suppressed.
    A pack that would narrow down a count hidden here or in a pack already exported, even with parts of it
    withheld (packs exported out of date order), is refused with the reason, and nothing is written."""
    if audience not in ("board", "community"):
        raise fail(f"--audience must be board or community, not {audience!r}")
    from erreview import service
    from erreview.export.writers import write_review_pack

    chosen = parse_period(period)
    engine = _engine()
    refused = service.export_refusal(engine, chosen)
    if refused:
        raise fail(refused)
    make = service.community_pack if audience == "community" else service.review_pack
    pack = make(engine, state.settings, chosen)
    paths = write_review_pack(pack, out)
    service.record_export(
        engine,
        user="command line",
        period=chosen.label,
        files=[p.name for p in paths],
        record=pack.record.to_json() if pack.record else None,
    )
    for path in paths:
        typer.echo(str(path))


@app.command()
def synth(
    out: Annotated[Path, typer.Option(help="Folder to write workforce.csv and cases.csv into.")],
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same files.")] = 2024,
    staff: Annotated[int, typer.Option(min=50, help="Staff in post at any time (about).")] = 13_000,
    years: Annotated[int, typer.Option(min=1, max=30, help="Financial years of history.")] = 6,
    end_year: Annotated[
        int | None,
        typer.Option(help="First calendar year of the last financial year (default: the last complete one)."),
    ] = None,
) -> None:
    """Write a synthetic trust (contract-format CSVs) with planted disparities; no real person."""
    from erreview.synth import SynthConfig, write_synthetic

    config = SynthConfig(seed=seed, staff=staff, years=years)
    if end_year is not None:
        config = replace(config, end_fy=end_year)
    paths = write_synthetic(config, out)
    for path in paths:
        typer.echo(str(path))


users_app = typer.Typer(help="Manage who can sign in and their roles.", no_args_is_help=True, rich_markup_mode=None)
app.add_typer(users_app, name="users")


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument(help="Login name (use the email address for Microsoft sign-in).")],
    role: Annotated[Role, typer.Option(help="What the user may do.")],
    name: Annotated[str, typer.Option(help="Display name.")] = "",
    panels: Annotated[str, typer.Option(help="Panels a panel member sits on (comma-separated).")] = "",
    divisions: Annotated[
        str, typer.Option(help="Divisions a division lead is responsible for (comma-separated).")
    ] = "",
    password: Annotated[
        bool, typer.Option("--password/--no-password", help="Ask for a local password (leave off for OIDC-only users).")
    ] = True,
) -> None:
    """Add a user (or change an existing one's role, panels or password)."""
    from erreview.auth import add_user

    secret = None
    if password:
        secret = os.environ.get("ERREVIEW_NEW_PASSWORD") or typer.prompt(
            "Password", hide_input=True, confirmation_prompt=True
        )
    add_user(
        _engine(),
        username=username,
        role=role,
        display_name=name,
        password=secret,
        panels=panels,
        by="command line",
        divisions=divisions,
    )
    typer.echo(f"user {username.strip().lower()} saved as {role.value}")


@users_app.command("list")
def users_list() -> None:
    """List users and their roles."""
    from erreview.auth import users

    for user in users(_engine()):
        typer.echo(
            f"{user['username']:<32}{user['role']:<20}{user['panels']:<20}"
            f"{'password' if user['local password'] else ''} {'oidc' if user['OIDC bound'] else ''}"
            f"{'' if user['active'] else ' (deactivated)'}"
        )


@users_app.command("deactivate")
def users_deactivate(username: Annotated[str, typer.Argument(help="The user to deactivate.")]) -> None:
    """Stop a user signing in and end their open sessions at once (their history stays)."""
    from erreview.auth import set_active

    set_active(_engine(), username, False, by="command line")
    typer.echo(f"user {username.strip().lower()} deactivated; their sessions have ended")


@users_app.command("activate")
def users_activate(username: Annotated[str, typer.Argument(help="The user to reactivate.")]) -> None:
    """Let a deactivated user sign in again."""
    from erreview.auth import set_active

    set_active(_engine(), username, True, by="command line")
    typer.echo(f"user {username.strip().lower()} activated")


@users_app.command("sign-out")
def users_sign_out(username: Annotated[str, typer.Argument(help="The user to sign out everywhere.")]) -> None:
    """End every session of a user on every device (organisation sign-ins must sign in again)."""
    from erreview.auth import sign_out_everywhere

    ended = sign_out_everywhere(_engine(), username, by="command line")
    typer.echo(f"user {username.strip().lower()} signed out everywhere ({ended} session(s) ended)")


audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True, rich_markup_mode=None)
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def audit_verify() -> None:
    """Check every entry of the keyed, hash-chained audit log and every anchor recorded outside the database;
    say where it was edited, deleted, reordered or cut short."""
    from erreview import service

    report = service.verify_audit(_engine())
    if not report.ok:
        raise fail(f"the audit log has been tampered with: {report.reason}", code=2)
    typer.echo(f"audit log intact: {report.entries} entries, {report.anchored} anchors checked; {report.head_text()}")


@app.command()
def backup(out: Annotated[Path, typer.Option(help="File to write the backup to (SQLite database file).")]) -> None:
    """Copy the embedded SQLite database safely while it is in use (SQLite online backup). For PostgreSQL
    use pg_dump (see the README)."""
    from erreview.store import backup as backups

    pages = backups.backup_sqlite(state.settings.database_url, out)
    typer.echo(f"backed up {pages} pages to {out}")


@app.command()
def restore(
    source: Annotated[Path, typer.Argument(help="A backup made by `erreview backup`.")],
    force: Annotated[bool, typer.Option("--force", help="Overwrite a database that already holds data.")] = False,
) -> None:
    """Restore the embedded SQLite database from a backup (checked first: it must be an erreview database)."""
    from erreview.store import backup as backups

    backups.restore_sqlite(source, state.settings.database_url, force=force)
    typer.echo(f"restored {state.settings.database_url} from {source}")


def streamlit_command(port: int, *, app_file: Path | None = None) -> list[str]:
    """How erreview starts its app: local address only, headless, no usage statistics, the shipped
    Streamlit settings."""
    from erreview import bundled

    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app_file or bundled.app_file()),
        *bundled.streamlit_options(),
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        # Tables' own "Download as CSV" is neither audited nor formula-safe; erreview offers its own downloads.
        "--client.disableDataExport",
        "true",
    ]


@app.command()
def demo(
    port: Annotated[int, typer.Option(help="Port for the app.")] = 8501,
    load_only: Annotated[bool, typer.Option("--load-only", help="Load the demo data and stop.")] = False,
) -> None:
    """Load the shipped synthetic demo data and demo accounts into an empty database, then start the app."""
    from erreview.demo import prepare_demo, sign_in_help

    if state.settings.mode == "production":
        raise fail("the demo (public passwords, synthetic data) is not available in production mode")
    engine = _engine()
    loaded = prepare_demo(engine, state.settings)
    if loaded:
        typer.echo(f"demo loaded: {loaded}", err=True)
    typer.echo(sign_in_help(), err=True)
    if load_only:
        return
    command = streamlit_command(port)
    typer.echo(f"erreview is starting on http://localhost:{port}", err=True)
    os.environ["ERREVIEW_DATABASE_URL"] = state.settings.database_url
    os.execv(sys.executable, command)


@app.command("settings")
def settings_() -> None:
    """List every setting with its environment variable, current value and meaning."""
    from erreview.config import Settings

    for name, field in Settings.model_fields.items():
        value = getattr(state.settings, name)
        shown = "(set)" if name == "pseudonym_key" and value is not None else value
        typer.echo(f"ERREVIEW_{name.upper():<24} {shown!s:<40} {field.description}")


if __name__ == "__main__":  # pragma: no cover
    app()
