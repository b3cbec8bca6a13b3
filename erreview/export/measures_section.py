"""The pack's measures: every measure with the question it answers, and the trust's own measures' results."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from erreview.measures import Measure

TITLE = "The measures and the questions they answer"
NOTE = "Each figure in this pack answers one of these questions. Measures added by the trust are marked."
TRUST_TITLE = "The trust's own measures"
TRUST_NOTE = (
    "Questions the trust added to the measure library, computed as the decision points are (ratio of BME to "
    "White rates, Fisher's exact test, Benjamini–Hochberg q over these measures)."
)


def measures_table(measures: Sequence[Measure]) -> pd.DataFrame:
    return pd.DataFrame([m.definition() for m in measures])
