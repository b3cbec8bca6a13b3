"""Sign-in starts importing Decision points' statistics library in the background, once per process."""

from __future__ import annotations

import sys

from panels import common


def test_warm_imports_once_per_process(monkeypatch):
    monkeypatch.setattr(common, "_imports_warmed", common.threading.Event())
    for name in [m for m in sys.modules if m == "statsmodels" or m.startswith("statsmodels.")]:
        monkeypatch.delitem(sys.modules, name)
    thread = common.warm_imports()
    assert thread is not None and thread.name == "erreview-warm-imports"
    thread.join(timeout=120)
    assert "statsmodels.api" in sys.modules and "statsmodels.duration.survfunc" in sys.modules
    assert common.warm_imports() is None  # once per process
