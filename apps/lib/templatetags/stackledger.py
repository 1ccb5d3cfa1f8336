from django import template

from apps.lib.markdown import markdown_text as _markdown_text

register = template.Library()


@register.filter
def get_item(mapping, key):
    """`mapping|get_item:key`: a dict lookup with a variable key ([] when absent)."""
    return mapping.get(key, [])


@register.filter
def markdown_text(value):
    """`value|markdown_text`: user text placed in a Markdown template (see apps.lib.markdown)."""
    return _markdown_text(value)
