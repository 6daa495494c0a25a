"""The data table every list page draws (loaded as `{% load tables %}`).

    {% data_table _("Project") _("Created") class="credential-table" %}
      {% for key in keys %}<tr>…</tr>{% endfor %}
    {% enddata_table %}

draws the scrolling wrapper, the table, one column header per heading (escaped),
and the rows between the tags as its body.
"""

from django import template
from django.utils.html import format_html, format_html_join

register = template.Library()


class DataTableNode(template.Node):
    def __init__(self, headings, css_class, rows):
        self.headings = headings
        self.css_class = css_class
        self.rows = rows

    def render(self, context):
        headings = ((heading.resolve(context),) for heading in self.headings)
        extra_class = self.css_class.resolve(context) if self.css_class else ""
        return format_html(
            '<div class="table-wrap">\n<table class="{}">\n<thead><tr>{}</tr></thead>\n'
            "<tbody>{}</tbody>\n</table>\n</div>",
            f"data-table {extra_class}".strip(),
            format_html_join("", '<th scope="col">{}</th>', headings),
            self.rows.render(context),
        )


@register.tag
def data_table(parser, token):
    headings, css_class = [], None
    for bit in token.split_contents()[1:]:
        if bit.startswith("class="):
            css_class = parser.compile_filter(bit.removeprefix("class="))
        else:
            headings.append(parser.compile_filter(bit))
    if not headings:
        raise template.TemplateSyntaxError("data_table needs at least one column heading")
    rows = parser.parse(("enddata_table",))
    parser.delete_first_token()
    return DataTableNode(headings, css_class, rows)
