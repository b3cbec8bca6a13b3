"""Where the files that ship beside the library are: the Streamlit app, its screens, its settings and the demo data.

In a clone they sit at the repository root (``streamlit_app.py``, ``panels/``, ``.streamlit/``,
``synthetic_cases/``). The wheel carries the same files inside the package, under ``erreview/_bundled/``
(``[tool.hatch.build.targets.wheel.force-include]`` in pyproject.toml), so ``erreview demo`` works from both.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
#: The installed wheel's copy; absent in a clone.
BUNDLED = PACKAGE / "_bundled"
#: The repository root of a clone (or an editable install).
REPO_ROOT = PACKAGE.parent


def _locate(name: str) -> Path:
    """The installed copy of ``name`` if there is one, else the clone's."""
    installed = BUNDLED / name
    return installed if installed.exists() else REPO_ROOT / name


def app_file() -> Path:
    """The Streamlit entry script (``panels/`` sits beside it)."""
    return _locate("streamlit_app.py")


def demo_data() -> Path:
    """The folder holding the shipped synthetic ``workforce.csv`` and ``cases.csv``."""
    return _locate("synthetic_cases")


def streamlit_options() -> list[str]:
    """The shipped ``.streamlit/config.toml`` as command-line options.

    Streamlit reads that file only from the working directory, so an installed erreview started elsewhere
    would otherwise lose settings such as ``client.showErrorDetails = "none"`` (no stack traces for users).
    """
    path = _locate(".streamlit") / "config.toml"
    if not path.exists():
        return []
    options = []
    for section, values in tomllib.loads(path.read_text()).items():
        for key, value in values.items():
            shown = str(value).lower() if isinstance(value, bool) else str(value)
            options += [f"--{section}.{key}", shown]
    return options
