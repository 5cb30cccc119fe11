"""A calm, consistent design: every stylesheet of the portal spaces with the one spacing
scale and sizes text with the one type scale of static/css/app.css (issue 14, item 10).
The chat's stylesheet belongs to the chat work and the admin's to Django."""

import re
from pathlib import Path

import pytest

STATIC = Path(__file__).resolve().parents[2] / "static"
APP_CSS = STATIC / "css" / "app.css"
STYLESHEETS = sorted(
    p for p in STATIC.rglob("*.css") if p.parent.name != "chat" and p.name != "admin.css"
)
DECLARATION = re.compile(
    r"(?<![-\w])(margin(?:-(?:top|bottom|left|right))?|padding(?:-(?:top|bottom|left|right))?"
    r"|gap|row-gap|column-gap|font-size)\s*:\s*([^;}]+)"
)
SPACE = re.compile(r"^(0|auto|var\(--space-[0-6]\)|calc\(-1 \* var\(--space-[0-6]\)\))$")
TEXT = re.compile(r"^(inherit|var\(--text-(xs|sm|base|lg|xl|2xl)\)|\d+px)$")  # px: SVG units


def _tokens(value: str) -> list[str]:
    return re.findall(r"calc\([^)]*\)\)|var\([^)]*\)|\S+", value.strip())


def test_the_scales_are_defined_once_in_app_css():
    css = APP_CSS.read_text()
    assert re.findall(r"--space-(\d):", css) == ["0", "1", "2", "3", "4", "5", "6"]
    assert re.findall(r"--text-([a-z0-9]+):", css) == ["xs", "sm", "base", "lg", "xl", "2xl"]
    for other in STYLESHEETS:
        if other != APP_CSS:
            assert not re.search(r"--(space|text)-[a-z0-9]+:", other.read_text()), other


@pytest.mark.parametrize("path", STYLESHEETS, ids=lambda p: str(p.relative_to(STATIC)))
def test_every_stylesheet_keeps_to_the_scales(path):
    off_scale = []
    for name, value in DECLARATION.findall(path.read_text()):
        pattern = TEXT if name == "font-size" else SPACE
        off_scale += [(name, token) for token in _tokens(value) if not pattern.match(token)]
    assert not off_scale


def test_a_stray_value_is_caught(tmp_path):
    css = (
        ".x { margin: .3rem 0; font-size: 13.5px; } .y { font-size: .93rem; gap: var(--space-2); }"
    )
    found = [
        (name, token)
        for name, value in DECLARATION.findall(css)
        for token in _tokens(value)
        if not (TEXT if name == "font-size" else SPACE).match(token)
    ]
    assert found == [("margin", ".3rem"), ("font-size", "13.5px"), ("font-size", ".93rem")]


def test_links_and_buttons_look_different():
    css = APP_CSS.read_text()
    button = re.search(r"\nbutton, \.button \{([^}]*)\}", css)[1]
    assert "text-decoration: none" in button and "background: var(--accent)" in button
    assert "text-decoration" not in re.search(r"\na \{([^}]*)\}", css)[1]  # underlined
