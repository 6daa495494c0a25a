"""{% data_table %}: the wrapper, table and column headers of every list page's table."""

import pytest
from django.template import Context, Template, TemplateSyntaxError
from django.utils import translation


def render(source: str, **context) -> str:
    return Template("{% load i18n tables %}" + source).render(Context(context))


def test_it_draws_the_headers_and_wraps_the_rows():
    with translation.override("en"):
        html = render('{% data_table _("Project") _("Created") class="credential-table" %}'
                      "<tr><td>a</td></tr>{% enddata_table %}")
    assert html == (
        '<div class="table-wrap">\n<table class="data-table credential-table">\n'
        '<thead><tr><th scope="col">Project</th><th scope="col">Created</th></tr></thead>\n'
        "<tbody><tr><td>a</td></tr></tbody>\n</table>\n</div>"
    )


def test_without_a_class_it_is_a_plain_data_table():
    assert '<table class="data-table">' in render('{% data_table "Time" %}{% enddata_table %}')


def test_headings_are_translated_and_escaped():
    with translation.override("zh-hans"):
        html = render('{% data_table _("Project") heading %}{% enddata_table %}',
                      heading="<b>x</b>")
    assert '<th scope="col">项目</th>' in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html


def test_it_needs_a_heading():
    with pytest.raises(TemplateSyntaxError):
        render("{% data_table %}{% enddata_table %}")
