"""The Django admin for operators. Every write goes through the services, so the admin obeys the
same rules as the Admin Center: no deleting default groups, no removing the last administrator,
all-or-nothing member adds, one audit event per change.

One module a model: ``groups`` (members and permission sets inline), ``permission_sets``,
``deleted`` (deleted groups, with Restore); ``formsets`` holds the inline formsets that save
through the services (the accounts admin uses them too). Importing the modules registers their
admins: Django's autodiscover imports this package."""

from . import deleted, groups, permission_sets  # noqa: F401
