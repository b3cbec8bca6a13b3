"""The built wheel, installed into a clean environment, is a working erreview: the command line starts, and
``erreview demo`` finds its app, screens and synthetic data inside the installed package (not in a clone).

Dependencies come from the lock file (``uv export`` to PEP 751) and the uv cache, offline; the wheel itself
is installed without dependencies and ``uv pip check`` then confirms its declared ones are all satisfied.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent

pytestmark = pytest.mark.slow


def _uv() -> list[str]:
    found = shutil.which("uv")
    if found:
        return [found]
    python3 = shutil.which("python3")
    if python3 is None:
        pytest.fail("uv is required to build the wheel (python3 -m pip install uv)")
    return [python3, "-m", "uv"]


def _run(args: list[str], *, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, f"{' '.join(args)}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return done.stdout + done.stderr


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clean virtual environment holding the locked dependencies and the freshly built wheel; its python."""
    tmp = tmp_path_factory.mktemp("wheel")
    uv = _uv()
    env = os.environ | {"UV_PYTHON_DOWNLOADS": "never"}
    _run([*uv, "build", "--offline", "--wheel", "--out-dir", str(tmp / "dist")], cwd=ROOT, env=env)
    (wheel,) = (tmp / "dist").glob("erreview-*.whl")
    lock = tmp / "lock" / "pylock.toml"
    lock.parent.mkdir()
    export = ["export", "--frozen", "--offline", "--no-dev", "--no-emit-project", "--quiet"]
    _run([*uv, *export, "--format", "pylock.toml", "-o", str(lock)], cwd=ROOT, env=env)
    venv = tmp / "venv"
    _run([*uv, "venv", "--offline", "--quiet", "--python", sys.executable, str(venv)], cwd=tmp, env=env)
    python = venv / "bin" / "python"
    _run([*uv, "pip", "install", "--offline", "--quiet", "--python", str(python), "-r", str(lock)], cwd=tmp, env=env)
    _run(
        [*uv, "pip", "install", "--offline", "--quiet", "--no-deps", "--python", str(python), str(wheel)],
        cwd=tmp,
        env=env,
    )
    _run([*uv, "pip", "check", "--offline", "--python", str(python)], cwd=tmp, env=env)
    return python


def _clean_env(tmp: Path) -> dict[str, str]:
    """No trace of the clone: no PYTHONPATH, a working directory outside it, a throwaway database and key."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return env | {
        "ERREVIEW_DATABASE_URL": f"sqlite:///{tmp / 'demo.db'}",
        "ERREVIEW_PSEUDONYM_KEY": "wheel-test-key-0123456789",
        "ERREVIEW_KEY_FILE": str(tmp / "pseudonym.key"),
    }


def test_wheel_command_line_starts(installed: Path, tmp_path: Path):
    out = _run([str(installed.parent / "erreview"), "--help"], cwd=tmp_path, env=_clean_env(tmp_path))
    assert "decisions" in out and "demo" in out


def test_wheel_carries_the_app_and_the_demo_data(installed: Path, tmp_path: Path):
    probe = (
        "import json; from erreview import bundled; "
        "print(json.dumps([str(bundled.app_file()), str(bundled.demo_data()), bundled.streamlit_options()]))"
    )
    app_file, data, options = json.loads(_run([str(installed), "-c", probe], cwd=tmp_path, env=_clean_env(tmp_path)))
    site = installed.parent.parent
    assert Path(app_file).is_relative_to(site) and Path(app_file).is_file()
    assert (Path(app_file).parent / "panels" / "common.py").is_file()
    assert (Path(data) / "workforce.csv").is_file() and (Path(data) / "cases.csv").is_file()
    assert Path(data).is_relative_to(site)
    assert "--client.showErrorDetails" in options


def test_wheel_demo_loads_and_its_app_renders(installed: Path, tmp_path: Path):
    env = _clean_env(tmp_path)
    out = _run([str(installed.parent / "erreview"), "demo", "--load-only"], cwd=tmp_path, env=env)
    assert "demo loaded" in out and "analyst" in out
    render = (
        "from streamlit.testing.v1 import AppTest; from erreview import bundled; "
        "at = AppTest.from_file(str(bundled.app_file()), default_timeout=300); at.run(); "
        "assert not at.exception, at.exception; "
        "print([w.label for w in at.text_input])"
    )
    assert "Username" in _run([str(installed), "-c", render], cwd=tmp_path, env=env)
