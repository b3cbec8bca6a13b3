"""The library knows nothing of Streamlit; screens hold no domain logic of their own."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).parent.parent


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_library_never_imports_streamlit():
    offenders = [p.relative_to(ROOT) for p in (ROOT / "erreview").rglob("*.py") if "streamlit" in _imports(p)]
    assert offenders == []


def test_library_has_no_print_calls():
    offenders = []
    for path in (ROOT / "erreview").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "print":
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


#: Besides the store and the migrations: the command line's quick counts, read through the driver itself
#: without SQLAlchemy (importing it and pandas was most of `erreview wres`).
DATABASE_READERS = {"models.py", "tallies.py"}


def test_only_store_and_migrations_talk_to_the_database():
    offenders = [
        p.relative_to(ROOT)
        for p in (ROOT / "erreview").rglob("*.py")
        if p.relative_to(ROOT / "erreview").as_posix() not in DATABASE_READERS
        and "store" not in p.parts
        and "migrations" not in p.parts
        and {"sqlalchemy", "sqlmodel", "sqlite3", "psycopg"} & _imports(p)
    ]
    assert offenders == []
