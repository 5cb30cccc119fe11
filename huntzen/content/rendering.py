"""Markdown to HTML for article bodies, safe to mark as such in a template.

Markdown lets raw HTML through, so its output is cleaned by nh3 (an allow-list
sanitizer): no script, no style, no event-handler attributes, no javascript: links.
"""

import re

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

_TAGS = {
    "a",
    "abbr",
    "blockquote",
    "br",
    "code",
    "em",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
_HEADING = re.compile(r"^(#{1,6})[ \t]", re.MULTILINE)
_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"scope"}}


def _baselevel(text: str) -> int:
    """The page's <h1> is the title: the author's top heading level becomes <h2>, "#" or
    "##" alike, so that headings never skip a level (h1 then h3)."""
    levels = [len(m) for m in _HEADING.findall(text)]
    return max(1, 3 - min(levels, default=1))


def render_markdown(text: str) -> SafeString:
    html = markdown.markdown(
        text or "",
        extensions=["extra", "sane_lists", "toc"],
        extension_configs={"toc": {"baselevel": _baselevel(text or "")}},
        output_format="html",
    )
    cleaned = nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    # Sanitized by nh3 just above (allow-listed tags, attributes and URL schemes).
    return mark_safe(cleaned)  # noqa: S308 # nosec B308, B703
