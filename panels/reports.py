"""Reports: the six-monthly review pack for boards, to download."""

from __future__ import annotations

import io
import json
import tempfile
import threading
import zipfile
from collections.abc import Callable
from pathlib import Path

import streamlit as st

from erreview import service
from erreview.config import get_settings
from erreview.errors import ErreviewError
from erreview.export.pack import PackRefused
from erreview.export.writers import write_review_pack
from erreview.periods import Period
from erreview.review.roles import Role
from panels.common import data_key, engine, period_select, require, settings, signed_in_download, wres_results

actor = require(Role.ADMIN, Role.INCLUSION_ANALYST, Role.BOARD_VIEWER)
st.title("Reports", anchor=False)
st.markdown(
    "The six-monthly review pack: a plain-English summary, the ratio with its interval and trend, where "
    "in the process the gap opens, panel-check statistics and data quality. Small numbers are suppressed."
)

results = wres_results(data_key())
periods: list[Period] = [r.period for r in results][::-1]
if not periods:
    st.info("No data yet.")
    st.stop()
period = period_select(
    "Period", periods, "half", "Opens on the latest period that has ended; one still running is incomplete."
)
label = period.label
AUDIENCES = {
    "board": "Board and committees",
    "community": "Community Advisory Board and staff networks (stricter small-number threshold)",
}
audience = st.radio("Audience", list(AUDIENCES), format_func=AUDIENCES.__getitem__, horizontal=True)


RECORD = "published-record.json"
_engine, _base = engine(), get_settings()  # the downloads run on their own thread: no screen caches there


@st.cache_resource
def _built() -> tuple[threading.Lock, dict[tuple[object, ...], dict[str, bytes]]]:
    """Packs already written, shared by the three downloads (a pack is built once, on the first click)."""
    return threading.Lock(), {}


def pack_files(key: tuple[str, int], label: str, audience: str) -> dict[str, bytes]:
    """Every file of the pack for ``label``: computed and written only when someone asks for it (the
    disclosure audit and the PDF take seconds, so a visit to this screen does not pay for them)."""
    lock, done = _built()
    with lock:
        found = done.get((key, label, audience))
        if found is None:
            chosen = next(p for p in periods if p.label == label)
            make = service.community_pack if audience == "community" else service.review_pack
            pack = make(_engine, _base, chosen)
            with tempfile.TemporaryDirectory() as tmp:
                paths = write_review_pack(pack, Path(tmp))
                found = {str(p.relative_to(tmp)): p.read_bytes() for p in paths}
            # What the pack publishes, kept on download so that the next pack is audited together with it.
            found[RECORD] = json.dumps(pack.record.to_json() if pack.record else None).encode()
            zipped = io.BytesIO()
            with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as zf:
                for name, data in sorted(found.items()):
                    if name.startswith("csv/"):
                        zf.writestr(name, data)
            found[ZIP] = zipped.getvalue()
            while len(done) >= 4:  # the few most recent packs, not every one ever asked for
                done.pop(next(iter(done)))
            done[(key, label, audience)] = found
        return found


ZIP = "csv.zip"
key = data_key()
built = f"review-pack-{label.replace('/', '-')}"
stem = built if audience == "board" else built.replace("review-pack", "community-pack")
if audience == "community":
    st.caption(
        f"Community pack ({stem}): counts from 1 to {settings().community_threshold} are hidden, with every rate "
        "and ratio resting on them; it opens with a plain-English guide and leaves out panel checks and data quality."
    )


def _file(name: str) -> Callable[[], bytes]:
    return lambda: pack_files(key, label, audience)[name]


def _record(kind: str) -> None:
    record = json.loads(pack_files(key, label, audience)[RECORD])
    service.record_export(_engine, user=actor.username, period=label, files=[kind], record=record)


if (key, label, audience) not in _built()[1]:
    # Built only when asked for (the disclosure audit and the PDF take seconds, so a visit does not pay for
    # them), and where the audit refuses the pack (published out of date order) the reason is shown here.
    st.caption("The pack is prepared when you ask for it: this can take a few seconds.")
    if not st.button("Prepare the pack", type="primary", icon=":material/description:"):
        st.stop()
    with st.spinner("Preparing the pack: checking every table for small numbers, then writing the files..."):
        try:
            pack_files(key, label, audience)
        except PackRefused as refused:
            st.error(refused.screen_message, icon=":material/block:")  # the period in words, not its code
            st.stop()
        except ErreviewError as refused:
            st.error(refused.message, icon=":material/block:")
            st.stop()

c1, c2, c3 = st.columns(3)
signed_in_download(
    c1,
    "PDF report",
    _file(f"{built}.pdf"),
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
    _file(f"{built}.xlsx"),
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
    _file(ZIP),
    f"{stem}-csv.zip",
    "application/zip",
    actor=actor,
    what=f"review_pack {label}",
    record=lambda: _record("csv"),
    icon=":material/folder_zip:",
)
st.caption(f"{period.words} runs from {period.start:%-d %b %Y} to {period.end:%-d %b %Y}.")
