"""Import profiles: a differently-labelled extract, mapped through a profile, gives the contract file's numbers."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from erreview import service, store
from erreview.cli import app
from erreview.profiles import ProfileError, example_profile_path, load_profile, parse_profile, suggest

from .conftest import DATA, EXAMPLES, assert_matches, load_json
from .pg import database_url

TRACKER = DATA / "profiles"
PROFILE = example_profile_path()


def _json(cli, url: str, *args: str) -> object:
    result = cli.invoke(app, ["--db", url, *args, "--json"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def _import(cli, url: str, *args: str):
    return cli.invoke(app, ["--db", url, "import", *args])


def test_the_tracker_extract_through_the_profile_gives_the_contract_numbers(cli, tmp_path, imported):
    url = database_url(tmp_path, "tracker.db")
    result = _import(
        cli,
        url,
        "--profile",
        str(PROFILE),
        "--workforce",
        str(TRACKER / "tracker_workforce.csv"),
        "--cases",
        str(TRACKER / "tracker_cases.csv"),
    )
    assert result.exit_code == 0, result.stderr
    # The spec's own expected output is the independent oracle for indicator 3 ...
    assert_matches(_json(cli, url, "wres"), load_json(EXAMPLES / "expected_wres.json"))
    # ... and the contract-format import of the same cases for everything decisions --json carries.
    assert_matches(_json(cli, url, "decisions"), _json(cli, imported, "decisions"))


def test_edge_cases_through_the_profile(cli, tmp_path):
    """The v2 values (new sanctions, exclusion dates, complaint outcomes) map too."""
    plain, mapped = database_url(tmp_path, "plain.db"), database_url(tmp_path, "mapped.db")
    assert _import(cli, plain, "--cases", str(EXAMPLES / "edge_cases.csv")).exit_code == 0
    result = _import(cli, mapped, "--profile", str(PROFILE), "--cases", str(TRACKER / "tracker_edge_cases.csv"))
    assert result.exit_code == 0, result.stderr
    assert_matches(_json(cli, mapped, "decisions"), _json(cli, plain, "decisions"))
    engine = store.engine_for(mapped)
    with store.session_scope(engine) as session:
        cases = store.cases_frame(session)
    assert "case_handler" not in cases.columns  # an ignored column is never stored
    assert set(cases["sanction"].dropna()) >= {"formal_verbal_warning", "action_short_of_dismissal"}


def test_without_the_profile_the_extract_is_refused(cli, tmp_path):
    result = _import(cli, database_url(tmp_path, "x.db"), "--cases", str(TRACKER / "tracker_cases.csv"))
    assert result.exit_code == 1
    assert "case handler" in result.stderr and "unknown column" in result.stderr


def test_unmapped_values_are_listed_once_with_count_and_suggestion(tmp_path, settings):
    frame = pd.read_csv(TRACKER / "tracker_cases.csv", dtype=str, keep_default_na=False)
    hits = frame["Hearing Outcome"] == "Stage 2 - First Written Warning"
    assert hits.sum() >= 2
    frame.loc[hits, "Hearing Outcome"] = "Stage Two First Written Warning"
    frame.loc[frame.index[:3], "Ethnic Origin"] = "Black African"
    path = tmp_path / "odd.csv"
    frame.to_csv(path, index=False)
    _, _, report = service.check_files(cases=path, profile=load_profile(PROFILE))
    assert not report.ok
    by_value = {p.value: p for p in report.problems}
    odd = by_value["Stage Two First Written Warning"]
    assert odd.row is None and odd.column == "sanction"
    assert f"({int(hits.sum())} row(s))" in odd.reason and "suggested mapping: first_written_warning" in odd.reason
    ethnic = by_value["Black African"]
    assert "(3 row(s))" in ethnic.reason and "suggested mapping: N" in ethnic.reason
    # Summarised, not repeated row by row.
    assert [p for p in report.problems if p.value == "Stage Two First Written Warning"] == [odd]
    engine = store.make_engine(settings.database_url)
    with pytest.raises(service.ImportRejected):
        service.import_files(engine, settings, cases=path, profile=load_profile(PROFILE))
    with store.session_scope(engine) as session:
        assert store.cases_frame(session).empty


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('name = "x"\n[cases.columns]\n"Ref" = "case_ref"\n', "field cases.columns.Ref: 'case_ref' is not a column"),
        (
            'name = "x"\n[cases.values.sanction]\n"Stage 1" = "verbal"\n',
            "field cases.values.sanction.Stage 1: 'verbal' must be one of",
        ),
        ('name = "x"\n[cases.values.band]\n"B5" = "Band 5"\n', "field cases.values.band: values can only be mapped"),
        ('name = "x"\n[cases.values.ethnic_category]\n"Irish" = "W"\n', "not an NHS ethnic category code"),
        ('name = "x"\n[cases]\ndate_format = "%m/%Y"\n', "field cases.date_format"),
        ('name = "x"\n[cases]\ncolumn = {}\n', "field cases.column: Extra inputs are not permitted"),
        ('name = "x"\n', "needs a [workforce] or a [cases] section"),
        ('name = "x"\n[cases\n', "is not valid TOML"),
    ],
)
def test_a_broken_profile_names_the_file_and_the_field(text, expected, tmp_path):
    path = tmp_path / "trust.toml"
    path.write_text(text)
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    assert "profile trust.toml" in caught.value.message
    assert expected in caught.value.message


def test_a_broken_profile_on_the_command_line(cli, tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('name = "x"\n[cases.columns]\n"Ref" = "nope"\n')
    result = _import(
        cli, database_url(tmp_path, "x.db"), "--profile", str(path), "--cases", str(EXAMPLES / "cases.csv")
    )
    assert result.exit_code == 1
    assert "error: profile bad.toml, field cases.columns.Ref" in result.stderr


def test_suggestions():
    assert suggest("sanction", "Stage 3 - Final Written Warning") == "final_written_warning"
    assert suggest("case_type", "Bullying and Harassment") == "bullying_harassment"
    assert suggest("ethnic_category", "Pakistani") == "J"
    assert suggest("ethnic_category", "White Irish") == "B"
    assert suggest("initial_route", "zzz") is None


def test_a_profile_maps_only_what_it_names():
    profile = parse_profile('name = "x"\n[cases.values.sanction]\n"Verbal" = "formal_verbal_warning"\n')
    mapping = profile.cases
    assert mapping is not None
    frame = pd.DataFrame({"sanction": ["verbal", "DISMISSAL", "", " Verbal "], "band": ["Verbal"] * 4})
    out = mapping.apply(frame, "cases")
    assert out["sanction"].tolist() == ["formal_verbal_warning", "DISMISSAL", "", "formal_verbal_warning"]
    assert out["band"].tolist() == ["Verbal"] * 4
    assert frame["sanction"].iloc[0] == "verbal"  # the input is not changed


def test_the_example_profile_loads_and_its_script_is_in_the_repository():
    assert load_profile(PROFILE).name == "Example ER tracker"
    assert Path(TRACKER / "make_tracker_extract.py").is_file()


def test_the_data_screen_offers_the_profiles(settings, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from erreview.review.roles import Actor, Role

    from .sessions import SESSION_KEY, session_token

    monkeypatch.setenv("ERREVIEW_DATABASE_URL", settings.database_url)
    store.make_engine(settings.database_url).dispose()
    at = AppTest.from_file(str(Path(__file__).parent.parent / "panels" / "data.py"), default_timeout=60)
    at.session_state[SESSION_KEY] = session_token(
        settings.database_url, Actor("ada", Role.ADMIN)
    )  # importing is for admins
    at.run()
    assert not at.exception
    radio = next(r for r in at.radio if r.label == "Import profile")
    radio.set_value("Example ER tracker (shipped)").run()
    assert not at.exception
    assert any("Example ER tracker" in c.value for c in at.caption)
