"""The measure library: the contract's measures come from it, a trust adds its own, broken files are named."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from erreview import service, store
from erreview.measures import MeasureError, load_measures, shipped_measures
from erreview.metrics.decisions import COMPLAINT_POINT, DECISION_POINTS
from erreview.periods import parse_period

from .conftest import EXAMPLES

GRIEVANCE = """
id = "grievance_upheld"
label = "Grievance upheld"
question = "If I raise a grievance and I am from a minority ethnic background, is it as likely to be upheld?"
population_text = "Grievances with an outcome, not withdrawn"
event_text = "Upheld in whole or in part"
harm_direction = "below"
case_types = ["grievance"]
population = [{ column = "complaint_outcome", set = true }, { column = "complaint_outcome", not_in = ["withdrawn"] }]
event = [{ column = "complaint_outcome", in = ["upheld", "partially_upheld"] }]
"""


def test_the_contract_measures_come_from_the_library():
    shipped = shipped_measures()
    assert [m.id for m in shipped] == ["wres_indicator3", *(p.name for p in DECISION_POINTS), "complaint_upheld"]
    assert COMPLAINT_POINT.question == shipped[-1].question
    assert all(m.question.endswith("?") for m in shipped)


@pytest.fixture
def trust_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "measures"
    folder.mkdir()
    (folder / "grievance.toml").write_text(GRIEVANCE)
    return folder


def test_a_trust_measure_is_computed_on_screen_data_and_in_the_pack(cli, tmp_path, settings, trust_dir):
    from erreview.cli import app

    url = settings.database_url
    assert cli.invoke(app, ["--db", url, "import", "--cases", str(EXAMPLES / "edge_cases.csv")]).exit_code == 0
    engine = store.engine_for(url)
    mine = settings.model_copy(update={"measure_dir": trust_dir})
    [result] = service.trust_measure_results(engine, mine)
    # Independent: count straight from the CSV.
    raw = pd.read_csv(EXAMPLES / "edge_cases.csv", dtype=str, keep_default_na=False)
    grievances = raw[(raw["case_type"] == "grievance") & ~raw["complaint_outcome"].isin(["", "withdrawn"])]
    white = grievances["ethnic_category"].str.split().str[0].str[0].str.upper().isin(["A", "B", "C"])
    stated = ~grievances["ethnic_category"].str.strip().str.upper().isin(["", "Z", "99"])
    upheld = grievances["complaint_outcome"].isin(["upheld", "partially_upheld"])
    assert (result.white.n, result.white.events) == (int(white.sum()), int((white & upheld).sum()))
    bme = stated & ~white
    assert (result.bme.n, result.bme.events) == (int(bme.sum()), int((bme & upheld).sum()))
    assert result.point.question.startswith("If I raise a grievance")

    pack = service.review_pack(engine, mine, parse_period("2024/25-H2"))
    definitions = pack.table("measures").frame
    assert GRIEVANCE.split('question = "')[1].split('"')[0] in definitions["Question"].tolist()
    assert "added by the trust" in definitions["Source"].tolist()
    assert pack.table("trust_measures").frame["Decision point"].tolist() == ["Grievance upheld"]


def test_the_measures_screen_shows_the_trust_question(cli, settings, trust_dir, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from erreview.cli import app
    from erreview.review.roles import Actor, Role

    # With data: a board viewer sees the trust's measures only over the review pack's window, so an empty
    # database shows no table at all.
    url = settings.database_url
    assert cli.invoke(app, ["--db", url, "import", "--cases", str(EXAMPLES / "edge_cases.csv")]).exit_code == 0
    monkeypatch.setenv("ERREVIEW_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("ERREVIEW_MEASURE_DIR", str(trust_dir))
    store.make_engine(settings.database_url).dispose()
    at = AppTest.from_file(str(Path(__file__).parent.parent / "panels" / "measures.py"), default_timeout=60)
    from .sessions import SESSION_KEY, session_token

    at.session_state[SESSION_KEY] = session_token(settings.database_url, Actor("board", Role.BOARD_VIEWER))
    at.run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "is it as likely to be upheld?" in text and "added by the trust" in text
    assert "Does a decided case end in dismissal?" in text
    assert at.dataframe[-1].value["Measure"].tolist() == ["Grievance upheld"]


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda t: t.replace('harm_direction = "below"', 'harm_direction = "sideways"'), "field harm_direction"),
        (
            lambda t: t.replace('column = "complaint_outcome", in', 'column = "outcome", in'),
            "'outcome' is not a column",
        ),
        (lambda t: t.replace('"upheld", "partially_upheld"]', '"won"]'), "field event.0: won not among"),
        (lambda t: t.replace('case_types = ["grievance"]', 'case_types = ["moan"]'), "field case_types.0"),
        (lambda t: t.replace('id = "grievance_upheld"', 'id = "suspension"'), "field id: 'suspension' is already"),
        (lambda t: t + "colour = 1\n", "field colour: Extra inputs"),
        (lambda t: t + "[broken\n", "is not valid TOML"),
    ],
)
def test_a_broken_measure_names_the_file_and_field(trust_dir, edit, expected):
    path = trust_dir / "grievance.toml"
    path.write_text(edit(GRIEVANCE))
    with pytest.raises(MeasureError) as caught:
        load_measures(trust_dir)
    assert "measure grievance.toml" in caught.value.message
    assert expected in caught.value.message
