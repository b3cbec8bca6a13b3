"""The SPC chart (Making Data Count style): centre, limits and signalled points in the chart's own spec,
against values worked out here independently; its words; the pack's PDF; and the Overview screen."""

from __future__ import annotations

import io
import itertools
import math
from datetime import date

import pandas as pd
import pytest

from erreview.charts import spc_chart, spc_description, spc_points
from erreview.metrics.trend import log_ratio_xmr

#: Sixteen half-years around 1.2 with one far above (a concern: further from parity) and one far below.
RATIOS = [1.2, 1.3, 1.1, 1.25, 1.15, 1.2, 3.0, 1.3, 1.1, 1.2, 0.5, 1.25, 1.15, 1.2, 1.3, 1.1]
LABELS = [f"{2019 + i // 2}/{(20 + i // 2) % 100:02d}-H{i % 2 + 1}" for i in range(len(RATIOS))]


def expected() -> tuple[float, float, float]:
    """Centre and limits by hand: the mean of ln(ratio) ± 2.66 × the mean moving range, turned back."""
    logs = [math.log(r) for r in RATIOS]
    mean = sum(logs) / len(logs)
    mr = sum(abs(b - a) for a, b in itertools.pairwise(logs)) / (len(logs) - 1)
    return math.exp(mean), math.exp(mean - 2.66 * mr), math.exp(mean + 2.66 * mr)


def layer_rows(spec: dict, name: str) -> list[dict]:
    layer = next(layer for layer in spec["layer"] if layer.get("name") == name)
    return spec["datasets"][layer["data"]["name"]]


def test_the_spec_holds_the_centre_limits_and_signalled_points():
    centre, lower, upper = expected()
    assert RATIOS[6] > upper and RATIOS[10] < lower  # the fixture's two outliers, by hand
    assert all(lower < r < upper for i, r in enumerate(RATIOS) if i not in (6, 10))
    spec = spc_chart(log_ratio_xmr(RATIOS), LABELS).to_dict()
    assert layer_rows(spec, "centre")[0]["value"] == pytest.approx(centre)
    limits = {row["line"]: row["value"] for row in layer_rows(spec, "limits")}
    assert limits == {"Upper process limit": pytest.approx(upper), "Lower process limit": pytest.approx(lower)}
    points = layer_rows(spec, "points")
    assert [p["ratio"] for p in points] == pytest.approx(RATIOS)
    by_kind = {p["period"]: p["variation"] for p in points}
    assert by_kind[LABELS[6]] == "Special cause (concern)"  # centre above parity: higher is worse
    assert by_kind[LABELS[10]] == "Special cause (improvement)"
    assert {k for i, k in enumerate(by_kind.values()) if i not in (6, 10)} == {"Common cause"}
    # Signals by shape and colour, with one legend for both.
    encoding = next(layer for layer in spec["layer"] if layer.get("name") == "points")["encoding"]
    assert encoding["shape"]["field"] == encoding["color"]["field"] == "variation"
    assert encoding["shape"]["title"] == encoding["color"]["title"] == "Variation"
    assert len(set(encoding["shape"]["scale"]["range"])) == len(set(encoding["color"]["scale"]["range"])) == 3


def test_the_text_alternative_says_the_same():
    centre, lower, upper = expected()
    chart = log_ratio_xmr(RATIOS)
    words = spc_description(chart, LABELS)
    assert f"Centre line {centre:.2f}" in words and f"process limits {lower:.2f} to {upper:.2f}" in words
    assert f"Special cause (concern): {LABELS[6]} ({RATIOS[6]:.2f}" in words
    assert f"Special cause (improvement): {LABELS[10]} ({RATIOS[10]:.2f}" in words
    assert spc_chart(chart, LABELS).to_dict()["description"] == words


def test_below_parity_a_fall_is_the_concern():
    low = [1 / r for r in RATIOS]  # the same series mirrored about parity: centre below 1
    points = spc_points(log_ratio_xmr(low), LABELS)
    assert points.loc[6, "ratio"] == pytest.approx(1 / 3)
    assert points.loc[6, "variation"] == "Special cause (concern)"  # below the centre: further from parity
    assert points.loc[10, "variation"] == "Special cause (improvement)"  # 2.0: above the centre, back towards 1


def test_trial_limits_are_named():
    chart = log_ratio_xmr(RATIOS[:8])
    assert chart.trial_limits
    assert "trial limits" in spc_description(chart, LABELS[:8])
    assert "(trial limits)" in spc_chart(chart, LABELS[:8]).to_dict()["title"]


def test_the_pack_pdf_draws_the_chart_and_says_it_in_words(tmp_path):
    from pypdf import PdfReader

    from erreview.export.pack import PackTable, ReviewPack
    from erreview.export.writers import spc_png, write_pdf
    from erreview.periods import parse_period

    chart = log_ratio_xmr(RATIOS)
    pack = ReviewPack(
        period=parse_period("2025/26-H2"),
        title="Test pack",
        summary=["A summary."],
        tables=[PackTable("trend_signals", "Special-cause variation", pd.DataFrame(columns=["Signal", "Periods"]))],
        trend=pd.DataFrame(),
        spc=chart,
        methods=[],
        threshold=10,
        generated=date(2026, 4, 1),
        spc_labels=tuple(LABELS),
    )
    png = spc_png(pack)
    assert png is not None and png[:8] == b"\x89PNG\r\n\x1a\n"
    path = write_pdf(pack, tmp_path / "p.pdf", spc=png)
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    text = " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)
    centre, lower, upper = expected()
    assert f"Centre line {centre:.2f}" in text and f"{lower:.2f} to {upper:.2f}" in text
    assert sum(len(page.images) for page in reader.pages) == 1  # the chart itself
    # No chart when the pack leaves the SPC out (it rests on a hidden period).
    assert spc_png(ReviewPack(**{**pack.__dict__, "spc": None, "spc_labels": ()})) is None


def test_two_windows_share_their_axes():
    from erreview.charts import shared_ratio_domain, window_ratio_chart

    steps = ["Formal investigation", "Suspension", "Dismissal"]
    before = pd.DataFrame(
        {"label": steps, "ratio": [1.5, 0.9, 3.0], "ci_low": [1.1, 0.5, 1.2], "ci_high": [2.0, 1.6, 7.5]}
    )
    after = pd.DataFrame(
        {"label": steps[:2], "ratio": [1.1, 0.3], "ci_low": [0.8, 0.1], "ci_high": [1.5, 0.9]}
    )  # the last step has no ratio since
    domain = shared_ratio_domain(before, after)
    specs = [
        window_ratio_chart(f, domain=domain, steps=steps, title=t).to_dict()
        for f, t in ((before, "Before"), (after, "Since"))
    ]

    def scales(spec: dict) -> tuple[list, list]:
        xs = [
            layer["encoding"]["x"]["scale"]["domain"]
            for layer in spec["layer"]
            if "scale" in layer["encoding"].get("x", {})
        ]
        ys = [
            layer["encoding"]["y"]["scale"]["domain"]
            for layer in spec["layer"]
            if "scale" in layer["encoding"].get("y", {})
        ]
        assert xs and all(x == xs[0] for x in xs) and ys and all(y == ys[0] for y in ys)
        return xs[0], ys[0]

    (x1, y1), (x2, y2) = scales(specs[0]), scales(specs[1])
    assert x1 == x2 and y1 == y2 == steps
    # The shared domain holds every ratio and interval of both windows (0.1 from after, 7.5 from before).
    assert x1[0] <= 0.1 and x1[1] >= 7.5
