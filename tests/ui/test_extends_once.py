"""`{% extends %}` (huntzen.nav's, a builtin) finds the root template's blocks once per
compiled template: every page renders as Django's own tag renders it, over chains of
one, two and three templates, blocks overridden or not, `{{ block.super }}`, a parent
given as a variable, and repeated renders of the same compiled templates."""

import pytest
from django.template import Context, Engine, TemplateSyntaxError
from django.template.loader import get_template
from django.template.loader_tags import ExtendsNode

from huntzen.nav import ExtendsOnceNode

TEMPLATES = {
    "root.html": "<{% block a %}A{% endblock %}|{% if x %}{% block b %}B{% endblock %}{% endif %}"
    "|{% for i in items %}{% block c %}C{{ i }}{% endblock %}{% endfor %}>",
    "middle.html": "{% extends 'root.html' %}{% block a %}a[{{ block.super }}]{% endblock %}",
    "child.html": "  {% extends 'middle.html' %}{% block b %}b[{{ block.super }}]{% endblock %}"
    "{% block c %}c{{ i }}[{{ block.super }}]{% endblock %}",
    "by_variable.html": "{% extends parent %}{% block a %}v{% endblock %}",
    "text_first.html": "\n\n{% extends 'root.html' %}outside{% block b %}t{% endblock %}",
}


def _engine(ours: bool) -> Engine:
    return Engine(
        loaders=[("django.template.loaders.locmem.Loader", TEMPLATES)],
        builtins=["huntzen.nav"] if ours else [],
    )


@pytest.mark.parametrize("name", sorted(TEMPLATES))
@pytest.mark.parametrize("x", [True, False])
def test_each_chain_renders_as_djangos_tag(name, x):
    ours, django = _engine(True), _engine(False)
    values = {"x": x, "items": [1, 2], "parent": "middle.html"}
    expected = django.get_template(name).render(Context(values))
    template = ours.get_template(name)
    for _ in range(3):  # the same compiled templates, their blocks kept after the first
        assert template.render(Context(values)) == expected
    first = template.nodelist.get_nodes_by_type(ExtendsNode)
    assert all(isinstance(node, ExtendsOnceNode) for node in first)


def test_a_parent_template_object_is_accepted():
    ours, django = _engine(True), _engine(False)
    for engine in (ours, django):
        parent = engine.get_template("root.html")
        rendered = engine.get_template("by_variable.html").render(
            Context({"parent": parent, "x": True, "items": [3]})
        )
        assert rendered == "<v|B|C3>"


def test_djangos_checks_still_apply():
    engine = Engine(builtins=["huntzen.nav"])
    with pytest.raises(TemplateSyntaxError):
        engine.from_string("{% extends 'a.html' %}{% extends 'b.html' %}")
    with pytest.raises(TemplateSyntaxError):
        engine.from_string("{% if 1 %}{% endif %}{% extends 'a.html' %}")
    with pytest.raises(TemplateSyntaxError):
        engine.from_string("{% extends %}")


def test_the_portal_uses_it():
    template = get_template("medical/journal_list.html").template
    assert isinstance(template.nodelist[0], ExtendsOnceNode)
