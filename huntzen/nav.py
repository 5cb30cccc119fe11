"""Built-in template tags for the navigation: which link is the current page, the
menu, the footer and the language list rendered once per audience, the fixed text
of a page rendered once per language, a paginated list's "Page n of total", and
`{% extends %}` without its walk over the parent template on each render."""

import contextvars
import itertools
import threading
from collections import OrderedDict

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.template.base import TextNode, Variable, render_value_in_context
from django.template.defaulttags import CommentNode, URLNode
from django.template.loader_tags import (
    BLOCK_CONTEXT_KEY,
    BlockContext,
    BlockNode,
    ExtendsNode,
)
from django.template.loader_tags import do_extends as django_extends
from django.templatetags.i18n import TranslateNode
from django.templatetags.static import StaticNode
from django.urls import get_script_prefix, get_urlconf
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext, trans_real

from accounts.gates import gate_answers
from huntzen.numbers import number_text

register = template.Library()

# The partials that may be rendered per audience: what they show depends on the user
# only through the key of `_audience` (a partial that reads anything else of the user or
# the request must not be listed here).
AUDIENCE_PARTIALS = frozenset(
    {"partials/nav.html", "partials/footer.html", "partials/language_options.html"}
)
RENDERED_MAX = 512  # (partial, language, page, audience): a few kilobytes each


class _Rendered:
    """The partials rendered last, by key; bounded (least recently used first out) and
    shared by the threads."""

    def __init__(self, size: int):
        self.size = size
        self.entries: OrderedDict = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            value = self.entries.get(key)
            if value is not None:
                self.entries.move_to_end(key)
            return value

    def put(self, key, value) -> None:
        with self.lock:
            self.entries[key] = value
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


rendered = _Rendered(RENDERED_MAX)
# A setting changed (tests: templates, languages, URLs): start afresh.
setting_changed.connect(
    lambda **kwargs: rendered.clear(), weak=False, dispatch_uid="huntzen.nav.rendered"
)


@register.filter
def aria_current(path: str, url: str) -> str:
    """` aria-current="page"` on the link to `url` when `path` is that page or one of its
    subpages (the journal link stays marked on a journal entry)."""
    if url and (path == url or (url != "/" and path.startswith(url))):
        return mark_safe(' aria-current="page"')  # noqa: S308  # nosec B308 (a constant)
    return ""


# --- The active language, read once per render while it stays the same -------------

# Django keeps the active translation in an asgiref Local, which replaces its storage
# object (held by a context variable) on every activate and deactivate, never changing
# one in place: while the context variable holds the same object, get_language() answers
# the same. Reading that variable costs a fraction of get_language()'s 15 K instructions
# (two AttributeErrors formatted and caught, a lock); a page's blocks and menus read the
# language a dozen to twenty times (bench/profiles/tc/). None when asgiref's layout is
# not the one known here (tests/ui/test_per_language_blocks.py pins it): then
# get_language() each time.
_ACTIVE_STORAGE = getattr(getattr(trans_real._active, "_storage", None), "_data", None)
if not isinstance(_ACTIVE_STORAGE, contextvars.ContextVar):
    _ACTIVE_STORAGE = None
_LANGUAGE_KEY = object()  # in a render's bottom context, as _PAGE_KEY below


def _language(context) -> str | None:
    """get_language() for a node of this render: read again only when the active
    translation's storage is another object than at the last read ({% language %},
    translation.override or activate anywhere within the render: each sets a new one)."""
    if _ACTIVE_STORAGE is None:
        return get_language()
    storage = _ACTIVE_STORAGE.get(None)
    shared = context.render_context.dicts[0]
    known = shared.get(_LANGUAGE_KEY)
    if known is None or known[0] is not storage:
        known = shared[_LANGUAGE_KEY] = (storage, get_language())
    return known[1]


_AUDIENCE_KEY = object()  # in a render's bottom context, as _PAGE_KEY below


def _audience(context) -> tuple | None:
    """All that the listed partials read: the user's answer to every gate, three of the
    user's flags, the page (its path and name) and the language and URL prefix (None
    without a user: rendered each time). Worked out once per render for its user and
    request (a page includes three partials; a `{% with user=... %}` or another request
    works it out anew), the language as each node reads it (`_language`)."""
    user = context.get("user")
    if not hasattr(user, "is_authenticated"):
        return None
    request = context.get("request")
    shared = context.render_context.dicts[0]
    known = shared.get(_AUDIENCE_KEY)
    if known is None or known[0] is not user or known[1] is not request:
        prefix, urlconf = _page(context)[:2]
        known = shared[_AUDIENCE_KEY] = (
            user,
            request,
            (prefix, urlconf, *_audience_of(user, request)),
        )
    return (_language(context), *known[2])


def _audience_of(user, request) -> tuple:
    match = getattr(request, "resolver_match", None)
    return (
        getattr(request, "path", None),
        getattr(match, "url_name", None),
        bool(user.is_authenticated),
        bool(getattr(user, "is_staff", False)),
        bool(getattr(user, "company_id", None)),
        _gate_answers(request, user),
    )


def _gate_answers(request, user) -> tuple[bool, ...]:
    """`gate_answers(user)`, asked once per request for the request's own user (the menu
    and the footer both need them)."""
    if request is None or user is not getattr(request, "user", None):
        return gate_answers(user)
    asked = getattr(request, "_audience_gate_answers", None)
    if asked is None or asked[0] is not user:  # none yet, or a sign-in since
        asked = request._audience_gate_answers = (user, gate_answers(user))
    return asked[1]


@register.simple_tag(takes_context=True)
def include_per_audience(context, name: str) -> str:
    """`{% include name %}`, rendered once per audience and page in each process: the menu
    cost more than any other part of a page's frame (a dozen gates, URLs and translations;
    bench/profiles/hd/). Rendered each time with DEBUG (templates reload)."""
    if name not in AUDIENCE_PARTIALS:
        raise template.TemplateSyntaxError(f"{name} is not rendered per audience.")
    audience = None if settings.DEBUG else _audience(context)
    key = (name, *audience) if audience else None
    html = rendered.get(key) if key else None
    if html is None:
        with context.push():
            html = context.template.engine.get_template(name).render(context)
        if key:
            rendered.put(key, html)
    return html


# --- Blocks rendered once per language ---------------------------------------------

_block_ids = itertools.count()
# (block, language, URL prefix and configuration, autoescape, current app): the
# blocks of every page in two languages and each app's namespace, a few hundred bytes
# each; apart from the menus so that neither pushes the other out.
FIXED_MAX = 2048
fixed = _Rendered(FIXED_MAX)
setting_changed.connect(
    lambda **kwargs: fixed.clear(), weak=False, dispatch_uid="huntzen.nav.fixed"
)


def _is_constant(expression) -> bool:
    """A FilterExpression without filters whose value is written in the template (a
    quoted string or a number), not looked up in the context."""
    if expression is None:
        return True
    if expression.filters:
        return False
    var = expression.var
    return not isinstance(var, Variable) or var.literal is not None


def _check_fixed(nodelist) -> None:
    """Refuse at parse time any node whose output could depend on more than the
    language, the URL configuration and the settings: text, comments, and
    translations, URLs and static paths of constants only."""
    for node in nodelist:
        if isinstance(node, TextNode | CommentNode):
            continue
        if isinstance(node, TranslateNode) and node.asvar is None:
            if _is_constant(node.filter_expression) and _is_constant(node.message_context):
                continue
        elif isinstance(node, URLNode) and node.asvar is None:
            if _is_constant(node.view_name) and all(
                _is_constant(arg) for arg in [*node.args, *node.kwargs.values()]
            ):
                continue
        elif isinstance(node, StaticNode) and node.varname is None:
            if _is_constant(node.path):
                continue
        raise template.TemplateSyntaxError(
            f"{{% per_language %}} renders text, {{% translate %}}, {{% url %}} and "
            f"{{% static %}} of constants only, not {node!r}."
        )


_PAGE_KEY = object()  # in a render's bottom context (as IncludeNode keeps its templates)


def _page(context) -> tuple:
    """`_page_key`, found once per render (a page's dozen blocks and its menus share it)."""
    shared = context.render_context.dicts[0]
    page = shared.get(_PAGE_KEY)
    if page is None:
        page = shared[_PAGE_KEY] = _page_key(context)
    return page


def _page_key(context) -> tuple:
    """What a block's text depends on besides the language and autoescaping: the URL
    prefix and configuration (first: the menus' key reads them too), and what {% url %}
    reverses namespaced names with."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    return (
        get_script_prefix(),
        get_urlconf(),
        getattr(request, "current_app", None),
        getattr(match, "namespace", None),
    )


class PerLanguageNode(template.Node):
    def __init__(self, nodelist):
        self.nodelist = nodelist
        self.block_id = next(_block_ids)  # not id(): a freed template's id is reused

    def render(self, context) -> str:
        if settings.DEBUG:
            return self.nodelist.render(context)
        # The key's part that a page's blocks share, found once per render of the page
        # (a dozen blocks: its lookups cost more than the rest of a block); the language
        # as `_language` reads it, autoescaping each time ({% autoescape %} changes it).
        key = (self.block_id, _language(context), context.autoescape, _page(context))
        html = fixed.get(key)
        if html is None:
            html = self.nodelist.render(context)
            fixed.put(key, html)
        return html


@register.tag
def per_language(parser, token):
    """`{% per_language %}…{% end_per_language %}`: the enclosed text, translations, URLs
    and static paths rendered once per language in each process (in `fixed`). About
    10 µs a translation, 30 µs a URL: on the portal's pages, most of what their frame
    and fixed headings cost (bench/profiles/ic/). The enclosed nodes are checked when
    the template is parsed: nothing that reads the context."""
    nodelist = parser.parse(("end_per_language",))
    parser.delete_first_token()
    _check_fixed(nodelist)
    return PerLanguageNode(nodelist)


# --- Pagination ----------------------------------------------------------------------


@register.simple_tag(takes_context=True)
def page_of(context, page):
    """`{% blocktranslate with n=page.number total=page.paginator.num_pages %}Page {{ n }}
    sur {{ total }}{% endblocktranslate %}` of a Page, the paginated pages' one label:
    the same message and numbers (tests/ui/test_page_of.py), without that tag's context
    layer, lookups and localize per number (0.2 M instructions on the journal page:
    bench/profiles/tc/)."""
    if context.use_l10n is None:  # outside {% localize %}
        number = number_text()
    else:

        def number(value):
            return render_value_in_context(value, context)

    message = gettext("Page %(n)s sur %(total)s") % {
        "n": number(page.number),
        "total": number(page.paginator.num_pages),
    }
    # As the message is written by {% blocktranslate %}: the translation as it is, its
    # numbers digits and separators.
    return mark_safe(message)  # noqa: S308  # nosec B308, B703


# --- {% extends %} ------------------------------------------------------------------


class ExtendsOnceNode(ExtendsNode):
    """Django's `{% extends %}`, the root template's blocks found once per compiled
    template rather than by a walk over its whole node tree on every render (sixteen
    node lists and ninety-odd nodes for base.html, each portal page). A compiled
    template's nodes never change; a reloaded one (DEBUG) is a new object, found anew."""

    def render(self, context):
        compiled_parent = self.get_parent(context)
        if BLOCK_CONTEXT_KEY not in context.render_context:
            context.render_context[BLOCK_CONTEXT_KEY] = BlockContext()
        block_context = context.render_context[BLOCK_CONTEXT_KEY]
        block_context.add_blocks(self.blocks)
        blocks = compiled_parent.__dict__.get("_huntzen_root_blocks")
        if blocks is None:
            blocks = compiled_parent._huntzen_root_blocks = _root_blocks(compiled_parent)
        if blocks:
            block_context.add_blocks(blocks)
        # As Django's: Template._render keeps the parser's context.
        with context.render_context.push_state(compiled_parent, isolated_context=False):
            return compiled_parent._render(context)


def _root_blocks(template) -> dict:
    """What Django's ExtendsNode.render adds for `template`: its blocks by name when it
    is the root (its first node that is not text is no `{% extends %}`), else none."""
    for node in template.nodelist:
        if not isinstance(node, TextNode):
            if not isinstance(node, ExtendsNode):
                return {n.name: n for n in template.nodelist.get_nodes_by_type(BlockNode)}
            break
    return {}


@register.tag("extends")
def do_extends(parser, token):
    """Django's `{% extends %}` (its parsing and checks), rendered by ExtendsOnceNode."""
    node = django_extends(parser, token)
    return ExtendsOnceNode(node.nodelist, node.parent_name, node.template_dirs)
