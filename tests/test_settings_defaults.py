"""Every setting's default lives once, in huntzen/settings.py (read from the environment
with huntzen/env.py's strict parsers); code reads `settings.X` at call time."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ["accounts", "companies", "consultations", "medical", "metrics", "chat", "huntzen"]
# The only modules that read the environment.
ENVIRONMENT_READERS = {
    "huntzen/settings.py",
    "huntzen/env.py",
    "huntzen/asgi.py",
    "huntzen/wsgi.py",
    "huntzen/celery.py",
}


def _modules():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            yield path.relative_to(ROOT).as_posix(), ast.parse(path.read_text(), str(path))


def _is_settings_getattr_with_default(node) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "getattr"
        and len(node.args) == 3
        and isinstance(node.args[0], ast.Name)
        and node.args[0].id == "settings"
    )


def _reads_environment(node) -> bool:
    return isinstance(node, ast.Attribute) and (
        (node.attr == "environ" and isinstance(node.value, ast.Name) and node.value.id == "os")
        or (node.attr == "getenv" and isinstance(node.value, ast.Name) and node.value.id == "os")
    )


def test_no_setting_has_a_second_default_in_the_code():
    found = [
        f"{name}:{node.lineno}"
        for name, tree in _modules()
        for node in ast.walk(tree)
        if _is_settings_getattr_with_default(node)
    ]
    assert found == []


def test_only_the_settings_read_the_environment():
    found = [
        f"{name}:{node.lineno}"
        for name, tree in _modules()
        if name not in ENVIRONMENT_READERS
        for node in ast.walk(tree)
        if _reads_environment(node)
    ]
    assert found == []
