"""The synthetic generator: reproducible, contract-valid, and the pipeline recovers what it plants."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest

from erreview import service
from erreview.ingest import validate_cases, validate_workforce
from erreview.periods import Period
from erreview.synth import SynthConfig, generate, planted_wres_ratio, write_synthetic


def test_same_seed_same_bytes(tmp_path):
    config = SynthConfig(seed=7, staff=400, years=2, end_fy=2024)
    digests = []
    for run in ("a", "b"):
        paths = write_synthetic(config, tmp_path / run)
        digests.append([hashlib.sha256(p.read_bytes()).hexdigest() for p in paths])
    assert digests[0] == digests[1]
    other = write_synthetic(SynthConfig(seed=8, staff=400, years=2, end_fy=2024), tmp_path / "c")
    assert hashlib.sha256(other[1].read_bytes()).hexdigest() != digests[0][1]


def test_output_passes_the_contract_validation():
    workforce, cases = generate(SynthConfig(seed=3, staff=2000, years=3, end_fy=2024))
    _, wp = validate_workforce(workforce, today=date(2026, 1, 1))
    _, cp = validate_cases(cases, today=date(2026, 1, 1))
    assert wp == [] and cp == []
    assert set(cases["case_type"]) == {
        "disciplinary",
        "capability",
        "grievance",
        "bullying_harassment",
        "sickness",
    }
    for column in ("restriction", "investigation_outcome", "sanction", "appeal_outcome"):
        assert cases[column].replace("", None).nunique() >= 2, column
    assert (cases["initial_route"] == "").any(), "some cases should still be undecided"
    assert workforce["snapshot_date"].nunique() == 6
    assert workforce["ethnic_category"].isin(["Z", "99", ""]).any()
    assert workforce["ethnic_category"].str.len().max() > 2  # labels after codes
    assert workforce["ethnic_category"].isin(["C3", "LH", "PD"]).any()  # ESR sub-codes


@pytest.mark.slow
def test_planted_wres_ratio_is_recovered_within_its_interval(engine, settings, tmp_path):
    config = SynthConfig(seed=11, staff=13_000, years=4, end_fy=2024, intervention=date(2030, 4, 1))
    paths = write_synthetic(config, tmp_path)
    service.import_files(engine, settings, workforce=paths[0], cases=paths[1])
    # Pool the four years into one estimate: ~20k person-years per group, so the interval is tight.
    result = service.wres_results(engine, period=Period(2024, 2), pool=8)[0]
    est = result.estimate
    planted = planted_wres_ratio(config)
    assert est.ci_low <= planted <= est.ci_high, (planted, est)
    assert est.significant and est.ci_low > 1.25


def test_shipped_demo_data_is_what_its_note_says(tmp_path):
    """synthetic_cases/README.md names the command; running it again gives the same bytes."""
    from pathlib import Path

    shipped = Path(__file__).parent.parent / "synthetic_cases"
    note = (shipped / "README.md").read_text()
    assert "--seed 2024 --staff 5000 --years 6 --end-year 2025" in note
    paths = write_synthetic(SynthConfig(seed=2024, staff=5000, years=6, end_fy=2025), tmp_path)
    for path in paths:
        assert path.read_bytes() == (shipped / path.name).read_bytes(), path.name
