from django import template

from apps.accounts.roles import is_owner_or_lead

register = template.Library()


@register.filter
def owns_or_leads(user, thing) -> bool:
    """`{% if user|owns_or_leads:entry %}`: the owner's actions, shown to the owner and leads."""
    return is_owner_or_lead(user, thing)
