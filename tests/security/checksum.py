"""A checksum of every row of every table of the project's apps (and of guardian's and
Django auth's), to prove that a refused request changed nothing at all."""

import hashlib

from django.apps import apps

APPS = ("accounts", "groups", "audit", "auth", "guardian", "contenttypes")
# Bookkeeping that a refused request may legitimately touch: signing in, using a key.
IGNORED = {"last_login", "last_used_at"}


def table_rows() -> dict[str, list]:
    rows = {}
    for label in APPS:
        for model in apps.get_app_config(label).get_models():
            fields = [f.attname for f in model._meta.concrete_fields if f.attname not in IGNORED]
            values = model._base_manager.order_by("pk").values_list(*fields)
            rows[model._meta.label] = [repr(row) for row in values]
    return rows


def checksum() -> str:
    digest = hashlib.sha256()
    for label, rows in sorted(table_rows().items()):
        digest.update(label.encode())
        for row in rows:
            digest.update(row.encode())
    return digest.hexdigest()
