"""Breakdown and intersectional views: the BME/White gap within each gender, band, staff group and
division, and rates for each broad ethnic group crossed with those dimensions.

Both views flag cells by the contract's rule (§4.2, :mod:`erreview.metrics.flags`), with the
Benjamini–Hochberg q computed over *all* cells of the breakdown (every decision point × every level of the
dimension): a screen of dozens of cells tested one by one at 5% almost always shows a false "disparity".

Both views come from one fairlearn computation per dimension (:func:`dimension_rates`); the breakdown
sums a level's broad groups into BME and White. Cells resting on fewer cases than ``min_group_size``
read :data:`TOO_FEW` instead of a number: small groups give wild ratios and can identify people.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd

from erreview.ethnicity import ethnicity_table
from erreview.metrics.decisions import POINTS_BY_NAME
from erreview.metrics.flags import ABOVE, Side, assess_all
from erreview.metrics.groups import RatesFn, group_rates
from erreview.metrics.ratio import RatioEstimate, relative_likelihood
from erreview.vocab import BroadGroup, WresGroup

Dimension = Literal["gender", "band", "staff_group", "division"]
DIMENSIONS: tuple[Dimension, ...] = ("gender", "band", "staff_group", "division")
TOO_FEW = "too few to compare"
OK = "ok"
BREAKDOWN_COLUMNS = [
    "point",
    "level",
    "bme_n",
    "bme_events",
    "bme_rate",
    "white_n",
    "white_events",
    "white_rate",
    "ratio",
    "ci_low",
    "ci_high",
    "band",
    "fisher_p",
    "q",
    "significant",
    "side",
    "harm_direction",
    "flag",
    "adverse",
    "status",
]
INTERSECTION_COLUMNS = [
    "point",
    "level",
    "broad_group",
    "n",
    "events",
    "rate",
    "ratio_to_white",
    "ci_low",
    "ci_high",
    "fisher_p",
    "q",
    "significant",
    "side",
    "harm_direction",
    "flag",
    "adverse",
    "status",
]


def _harm(point: str) -> Side:
    found = POINTS_BY_NAME.get(point)
    return found.harm_direction if found else ABOVE


def _flag_cells(records: list[dict[str, object]], tested: list[tuple[int, RatioEstimate, int, int, int, int]]) -> None:
    """Add the v2 flag fields to ``records[i]`` for each tested cell, q over all of them (one breakdown)."""
    assessments = assess_all(
        [(est, a, n1, c, n2) for _, est, a, n1, c, n2 in tested],
        [_harm(str(records[i]["point"])) for i, *_ in tested],
    )
    for (i, *_), assessment in zip(tested, assessments, strict=True):
        records[i] |= assessment.as_json()


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in r.items()} for r in frame.to_dict("records")]


def dimension_rates(rows: pd.DataFrame, dimension: Dimension, *, rates_fn: RatesFn = group_rates) -> pd.DataFrame:
    """n, events and rate per (decision point, level of ``dimension``, broad ethnic group), plus each
    broad group's WRES group: the one computation behind both views."""
    rates = rates_fn(rows, ["point", dimension, "broad_group"])
    to_wres = {c.broad_group.value: c.wres_group.value for c in ethnicity_table().rows()}
    return rates.assign(wres_group=rates["broad_group"].map(to_wres))


def breakdown_from_rates(rates: pd.DataFrame, dimension: Dimension, *, min_group_size: int = 10) -> pd.DataFrame:
    """BME vs White within each level of ``dimension``, for every decision point.

    Parameters
    ----------
    rates
        :func:`dimension_rates` output for ``dimension``.
    dimension
        The column broken down by.
    min_group_size
        Below this many BME or White cases in a level, the level's status is :data:`TOO_FEW` and its
        events, rates and ratio are left empty.

    Returns
    -------
    One row per (point, level): ``bme_n``, ``bme_events``, ``bme_rate``, ``white_n``, ``white_events``,
    ``white_rate``, ``ratio``, ``ci_low``, ``ci_high``, ``band``, ``significant``, ``flag``, ``status``.
    """
    cells: dict[tuple[str, str], dict[str, tuple[int, int]]] = {}
    for rec in _records(rates):
        by_group = cells.setdefault((str(rec["point"]), str(rec[dimension])), {})
        n, events = by_group.get(str(rec["wres_group"]), (0, 0))
        by_group[str(rec["wres_group"])] = (n + int(rec["n"]), events + int(rec["events"]))
    out: list[dict[str, object]] = []
    tested: list[tuple[int, RatioEstimate, int, int, int, int]] = []
    for (point, level), by_group in sorted(cells.items()):
        n1, a = by_group.get(WresGroup.BME.value, (0, 0))
        n2, c = by_group.get(WresGroup.WHITE.value, (0, 0))
        enough = min(n1, n2) >= min_group_size
        record: dict[str, object] = {
            "point": point,
            "level": level,
            "bme_n": n1,
            "white_n": n2,
            "status": OK if enough else TOO_FEW,
        }
        if enough:
            est = relative_likelihood(a, n1, c, n2)
            record |= {
                "bme_events": a,
                "bme_rate": a / n1,
                "white_events": c,
                "white_rate": c / n2,
                "ratio": est.ratio,
                "ci_low": est.ci_low,
                "ci_high": est.ci_high,
                "band": est.band.value if est.band else None,
            }
            tested.append((len(out), est, a, n1, c, n2))
        out.append(record)
    _flag_cells(out, tested)
    frame = pd.DataFrame(out).reindex(columns=BREAKDOWN_COLUMNS)
    frame.insert(1, "dimension", dimension)
    return frame


def intersection_from_rates(rates: pd.DataFrame, dimension: Dimension, *, min_group_size: int = 10) -> pd.DataFrame:
    """Rate of each decision point's event for every broad ethnic group × level of ``dimension``.

    Each cell has ``n``, ``events``, ``rate`` and the ratio to White staff in the same level; cells
    with fewer than ``min_group_size`` cases have status :data:`TOO_FEW` and show only ``n``.
    """
    white = {
        (str(r["point"]), str(r[dimension])): (int(r["n"]), int(r["events"]))
        for r in _records(rates)
        if r["broad_group"] == BroadGroup.WHITE.value
    }
    records: list[dict[str, object]] = []
    tested: list[tuple[int, RatioEstimate, int, int, int, int]] = []
    for r in _records(rates):
        point, level, group = str(r["point"]), str(r[dimension]), str(r["broad_group"])
        n, events = int(r["n"]), int(r["events"])
        record: dict[str, object] = {"point": point, "level": level, "broad_group": group, "n": n}
        if n < min_group_size:
            record["status"] = TOO_FEW
            records.append(record)
            continue
        record |= {"events": events, "rate": events / n, "status": OK}
        ref_n, ref_events = white.get((point, level), (0, 0))
        if group not in (BroadGroup.WHITE.value, BroadGroup.NOT_STATED.value) and ref_n >= min_group_size:
            est = relative_likelihood(events, n, ref_events, ref_n)
            record |= {"ratio_to_white": est.ratio, "ci_low": est.ci_low, "ci_high": est.ci_high}
            tested.append((len(records), est, events, n, ref_events, ref_n))
        records.append(record)
    _flag_cells(records, tested)
    frame = pd.DataFrame(records).reindex(columns=INTERSECTION_COLUMNS)
    frame.insert(1, "dimension", dimension)
    return frame.replace({np.nan: None})


def breakdown_table(
    rows: pd.DataFrame, dimension: Dimension, *, min_group_size: int = 10, rates_fn: RatesFn = group_rates
) -> pd.DataFrame:
    """:func:`breakdown_from_rates` straight from :func:`~erreview.metrics.decisions.decision_rows`."""
    return breakdown_from_rates(
        dimension_rates(rows, dimension, rates_fn=rates_fn), dimension, min_group_size=min_group_size
    )


def intersection_table(
    rows: pd.DataFrame, dimension: Dimension, *, min_group_size: int = 10, rates_fn: RatesFn = group_rates
) -> pd.DataFrame:
    """:func:`intersection_from_rates` straight from :func:`~erreview.metrics.decisions.decision_rows`."""
    return intersection_from_rates(
        dimension_rates(rows, dimension, rates_fn=rates_fn), dimension, min_group_size=min_group_size
    )
