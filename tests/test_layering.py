"""The layering table (docs/architecture.md, "Layering"), enforced by reading every import statement."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from soglasie.settings import REPO_ROOT

# devstack (`make run`'s supervisor) sits on top: it may import soglasie, and nothing imports it.
FORBIDDEN = {
    "soglasie": ("flask", "flask_login", "flask_wtf", "flask_babel", "airflow", "webapp", "dags", "plugins",
                 "devstack"),
    "webapp": ("airflow", "dags", "plugins", "devstack"),
    "dags": ("webapp", "flask", "devstack"),
    "plugins": ("webapp", "devstack"),
    "devstack": ("flask", "flask_login", "flask_wtf", "flask_babel", "airflow", "webapp", "dags", "plugins"),
}


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _files(package: str) -> list[Path]:
    return sorted((REPO_ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_packages_import_only_what_their_layer_may(package):
    offenders = []
    for path in _files(package):
        for name in _imports(path):
            if name.split(".")[0] in FORBIDDEN[package]:
                offenders.append(f"{path.relative_to(REPO_ROOT)} imports {name}")
    assert offenders == []


def test_only_the_rules_engine_imports_durable_rules():
    importers = [path.relative_to(REPO_ROOT).as_posix() for path in _files("soglasie")
                 if any(name.split(".")[0] == "durable" for name in _imports(path))]
    assert importers == ["soglasie/rulebook/engine.py"]


@pytest.mark.parametrize("package", ["dags", "plugins"])
def test_dags_and_plugins_use_absolute_imports(package):
    relative = [str(path) for path in _files(package)
                if any(isinstance(node, ast.ImportFrom) and node.level
                       for node in ast.walk(ast.parse(path.read_text())))]
    assert relative == []


def test_the_portal_reads_no_environment_variable():
    # Settings.from_env is the one reader (SOGLASIE_TRUSTED_PROXIES included): the portal is handed Settings.
    readers = [f"{path.relative_to(REPO_ROOT)}:{node.lineno}" for path in _files("webapp")
               for node in ast.walk(ast.parse(path.read_text()))
               if isinstance(node, (ast.Attribute, ast.Name)) and getattr(node, "attr", getattr(node, "id", ""))
               in ("environ", "getenv")]
    assert readers == []
