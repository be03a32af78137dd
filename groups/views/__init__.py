"""The Admin Center's pages, one module a family: ``groups`` (list, New group, the Members tab,
Settings, Delete), ``members`` (Add Members, removing one, member groups), ``bulk`` (import,
remove selected, export), ``permissions``, ``access`` and ``history`` (the panel's other tabs),
``resources``, ``deleted`` (Deleted groups and Restore), ``users`` (a person's page). What the
panel views share is in ``panel``. ``groups/urls.py`` imports the modules."""
