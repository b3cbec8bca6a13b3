"""Reports: the six-monthly review pack for boards, to download."""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from pathlib import Path

import streamlit as st

from erreview import service
from erreview.config import get_settings
from erreview.export.writers import write_review_pack
from erreview.periods import Period, period_of
from erreview.review.roles import Role
from panels.common import data_key, engine, require, settings, signed_in_download, wres_results

actor = require(Role.ADMIN, Role.INCLUSION_ANALYST, Role.BOARD_VIEWER)
st.title("Reports")
st.markdown(
    "The six-monthly review pack: a plain-English summary, the ratio with its interval and trend, where "
    "in the process the gap opens, panel-check statistics and data quality. Small numbers are suppressed."
)

results = wres_results(data_key())
periods: list[Period] = [r.period for r in results][::-1]
if not periods:
    st.info("No data yet.")
    st.stop()
label = st.selectbox("Period", [p.label for p in periods])
period = next(p for p in periods if p.label == label)
AUDIENCES = {
    "board": "Board and committees",
    "community": "Community Advisory Board and staff networks (stricter small-number threshold)",
}
audience = st.radio("Audience", list(AUDIENCES), format_func=AUDIENCES.__getitem__, horizontal=True)


RECORD = "published-record.json"


@st.cache_data(show_spinner=False)
def build(key: tuple[str, int], label: str, audience: str = "board") -> dict[str, bytes]:
    del key  # cache key only
    chosen = next(p for p in periods if p.label == label)
    make = service.community_pack if audience == "community" else service.review_pack
    pack = make(engine(), get_settings(), chosen)
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_review_pack(pack, Path(tmp))
        files = {str(p.relative_to(tmp)): p.read_bytes() for p in paths}
    # What the pack publishes, kept on download so that the next pack is audited together with it.
    files[RECORD] = json.dumps(pack.record.to_json() if pack.record else None).encode()
    return files


with st.status(f"Preparing the pack for {label}…", expanded=False) as status:
    files = build(data_key(), label, audience)
    status.update(label=f"The pack for {label} is ready.", state="complete")

built = f"review-pack-{label.replace('/', '-')}"
pdf = files[f"{built}.pdf"]
xlsx = files[f"{built}.xlsx"]
stem = built if audience == "board" else built.replace("review-pack", "community-pack")
if audience == "community":
    st.caption(
        f"Community pack ({stem}): counts from 1 to {settings().community_threshold} are hidden, with every rate "
        "and ratio resting on them; it opens with a plain-English guide and leaves out panel checks and data quality."
    )
archive = io.BytesIO()
with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
    for name, data in sorted(files.items()):
        if name.startswith("csv/"):
            zf.writestr(name, data)


_engine = engine()  # the download runs on its own thread: it gets the engine, not the screen's cache


def _record(kind: str) -> None:
    record = json.loads(files[RECORD])
    service.record_export(_engine, user=actor.username, period=label, files=[kind], record=record)


c1, c2, c3 = st.columns(3)
signed_in_download(
    c1,
    "PDF report",
    pdf,
    f"{stem}.pdf",
    "application/pdf",
    actor=actor,
    what=f"review_pack {label}",
    record=lambda: _record("pdf"),
    icon=":material/picture_as_pdf:",
    type="primary",
)
signed_in_download(
    c2,
    "Excel workbook",
    xlsx,
    f"{stem}.xlsx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    actor=actor,
    what=f"review_pack {label}",
    record=lambda: _record("xlsx"),
    icon=":material/table:",
)
signed_in_download(
    c3,
    "CSV tables (zip)",
    archive.getvalue(),
    f"{stem}-csv.zip",
    "application/zip",
    actor=actor,
    what=f"review_pack {label}",
    record=lambda: _record("csv"),
    icon=":material/folder_zip:",
)
if "trend.png" in files:
    st.image(
        files["trend.png"],
        caption=f"Trend to {label}",
        alt=(
            f"Line chart of the indicator 3 ratio (BME relative to White staff) for each half-year to {label}, "
            "on a log scale with the non-adverse range 0.80 to 1.25 shaded and parity at 1. "
            "The same figures are in the pack's indicator 3 table."
        ),
    )
st.caption(
    f"Periods run from {period.start:%d %B %Y} to {period.end:%d %B %Y}. Current half-year: "
    f"{period_of(period.end).label}."
)
