"""The dependency rules of docs/architecture.md §2, read from the source: an import the wrong way fails here.

Each rule names the package and what it may not import; imports inside functions count too, and so do imports
only made for type checking (a type is a dependency of the reader's mind even when not of the interpreter).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "workingup"


def _modules(package: str) -> list[Path]:
    base = SRC / package
    return sorted(base.rglob("*.py")) if base.is_dir() else [SRC / f"{package}.py"]


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _name(path: Path) -> str:
    return path.relative_to(SRC).as_posix()


def _offenders(package: str, forbidden: tuple[str, ...]) -> dict[str, list[str]]:
    found = {}
    for path in _modules(package):
        bad = sorted(
            n for n in _imports(path) if n.startswith(forbidden) and not n.startswith(f"workingup.{package}")
        )
        if bad:
            found[_name(path)] = bad
    return found


LIBRARY_FORBIDDEN = tuple(
    f"workingup.{name}"
    for name in ("store", "services", "web", "cli", "commands", "config", "report", "themes", "runtime")
)


def test_analysis_is_a_library_of_its_own() -> None:
    """analysis/ reads votes (from a matrix, a Pol.is export or the simulator) and nothing else of the project:
    no database, web, services or settings."""
    assert _offenders("analysis", LIBRARY_FORBIDDEN) == {}


@pytest.mark.parametrize("module", ["domain", "errors"])
def test_the_vocabulary_depends_on_nothing_above_it(module: str) -> None:
    allowed = {"workingup.errors", "workingup.errors.UserError"}
    assert {n for n in _imports(SRC / f"{module}.py") if n.startswith("workingup.")} <= allowed


@pytest.mark.parametrize("module", ["colours", "opinion_map"])
def test_the_shared_pictures_depend_on_nothing_above_them(module: str) -> None:
    """The group colours and the one opinion-map renderer serve both web/ and report/, so they sit below both and
    import nothing from the project but the colours (policy, such as the disclosure floor, stays with callers)."""
    assert {n for n in _imports(SRC / f"{module}.py") if n.startswith("workingup.")} <= {
        "workingup.colours",
        "workingup.colours.UNGROUPED",
        "workingup.colours.group_colour",
    }


@pytest.mark.parametrize("package", ["store", "analysis", "themes", "domain", "services", "runtime"])
def test_lower_layers_do_not_import_the_web_or_the_command_line(package: str) -> None:
    assert _offenders(package, ("workingup.web", "workingup.cli", "workingup.commands")) == {}


# Where Database used to live, kept as a re-export for modules outside issue 17's change (commands/analyze.py).
SERVICES_RUNTIME_ALLOWED = {"services/database.py"}


def test_use_cases_do_not_depend_on_the_machinery() -> None:
    """services/ says what a person can do; runtime/ (connections, workers, the vote writer) runs it and may
    import services, never the other way (the vote path reaches the writer through services.voting.VoteSink)."""
    assert set(_offenders("services", ("workingup.runtime",))) <= SERVICES_RUNTIME_ALLOWED
    assert _offenders("store", ("workingup.runtime", "workingup.services")) == {}


def test_no_route_commits_a_transaction() -> None:
    """One request is one unit of work: only its machinery commits (runtime/database.py: Database.unit_of_work,
    and Database.complete, which web/deps.py calls), never a module of web/."""
    committing = sorted(_name(p) for p in _modules("web") if ".commit()" in p.read_text(encoding="utf-8"))
    assert committing == []


def test_the_web_reaches_the_store_only_through_services() -> None:
    """web/ calls services and renders what they return: it runs no query of its own. The records it holds are
    typed by the names services/records.py re-exports, so no web module imports workingup.store."""
    offenders = _offenders("web", ("workingup.store",))
    assert offenders == {}, (
        f"web modules importing workingup.store (call a service; types from services.records): {offenders}"
    )


# What web/ may import from SQLAlchemy: the session type it hands to services, and (admission.py only) the engine
# and pool whose size decides how many requests are let in. Anything else (select, func, text) would be a query.
WEB_SQLALCHEMY_ALLOWED = {"sqlalchemy.orm", "sqlalchemy.orm.Session"}
ADMISSION_SQLALCHEMY_ALLOWED = {
    "sqlalchemy",
    "sqlalchemy.Engine",
    "sqlalchemy.pool",
    "sqlalchemy.pool.QueuePool",
}


def test_the_web_builds_no_sql() -> None:
    """Queries live in services (over store/): a web module importing SQL constructs is running its own."""
    building = {
        _name(path): sorted(names - WEB_SQLALCHEMY_ALLOWED)
        for path in _modules("web")
        if (names := {n for n in _imports(path) if n.split(".")[0] == "sqlalchemy"})
        - WEB_SQLALCHEMY_ALLOWED
        - (ADMISSION_SQLALCHEMY_ALLOWED if _name(path) == "web/admission.py" else set())
    }
    assert building == {}, f"web modules importing SQL constructs (move the query into a service): {building}"


def test_every_document_the_code_cites_exists() -> None:
    cited = {
        match
        for path in SRC.rglob("*.py")
        for match in re.findall(r"\b((?:docs|benchmarks)/[\w/.-]+\.md)\b", path.read_text(encoding="utf-8"))
    }
    assert cited, "the code cites its architecture document"
    assert sorted(c for c in cited if not (ROOT / c).is_file()) == []
    assert "docs/architecture.md" in cited
