"""The Django admin for operators, one module a model: ``groups`` (groups with their members and
permission sets inline), ``deleted`` (deleted groups, with Restore); ``formsets`` holds the inline
formsets that save through the services (the accounts admin uses them too). Importing the
modules registers their admins: Django's autodiscover imports this package."""

from . import deleted, groups  # noqa: F401
