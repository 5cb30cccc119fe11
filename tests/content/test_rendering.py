"""Article bodies are Markdown; no raw HTML an author types reaches a reader."""

import pytest

from huntzen.content.rendering import render_markdown

ATTACKS = [
    "<script>alert(1)</script>",
    "Hello <script src='https://evil.test/x.js'></script>",
    '<img src="x" onerror="alert(1)">',
    '<a href="#" onclick="alert(1)">clic</a>',
    "[clic](javascript:alert(1))",
    '<iframe src="https://evil.test"></iframe>',
    "<style>body{display:none}</style>",
    '<svg onload="alert(1)"></svg>',
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<form action="https://evil.test"><input name="password"></form>',
    "<scr<script>ipt>alert(1)</script>",
]


@pytest.mark.parametrize("source", ATTACKS)
def test_no_script_event_handler_or_active_content_survives(source):
    html = str(render_markdown(source)).lower()
    for forbidden in (
        "<script",
        "javascript:",
        "onerror",
        "onclick",
        "onload",
        "<iframe",
        "<style",
        "style=",
        "<svg",
        "<form",
        "<input",
        "<img",
    ):
        assert forbidden not in html, (source, html)


def test_markdown_is_rendered():
    html = str(render_markdown("# Titre\n\n**gras** et [lien](https://huntzen.care)\n\n- a\n- b"))
    assert "<h2>Titre</h2>" in html and "<strong>gras</strong>" in html
    assert '<a href="https://huntzen.care" rel="noopener noreferrer nofollow">lien</a>' in html
    assert "<li>a</li>" in html


def test_text_is_escaped_not_interpreted():
    assert "&lt;3" in str(render_markdown("I <3 you"))


@pytest.mark.parametrize("top", ["#", "##"])
def test_the_top_heading_of_an_article_becomes_h2_so_no_level_is_skipped(top):
    html = render_markdown(f"{top} Le soir\n\nTexte.\n\n{top}# Au réveil\n\nTexte.")
    assert "<h2>Le soir</h2>" in html and "<h3>Au réveil</h3>" in html
