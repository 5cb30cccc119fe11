"""Built-in template filters (settings.TEMPLATES builtins) for huntzen.dates: every
template writes dates in the same two styles without loading a library."""

from django import template

from huntzen import dates

register = template.Library()

for _name in ("date_short", "date_long", "datetime_short", "datetime_long"):
    # expects_localtime: aware datetimes arrive in the current time zone, as with |date.
    register.filter(_name, getattr(dates, _name), expects_localtime=True)
