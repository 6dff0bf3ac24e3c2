from django import template

from ccms.communications.queries import unread_count

register = template.Library()


@register.inclusion_tag("communications/_inbox_link.html", takes_context=True)
def inbox_link(context):
    """The header's link to the signed-in user's inbox, with the number of unread messages."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"unread": unread_count(user), "request": request}
