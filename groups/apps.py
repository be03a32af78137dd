from django.apps import AppConfig
from django.db.models.signals import post_migrate


class GroupsConfig(AppConfig):
    name = "groups"
    verbose_name = "Groups"

    def ready(self):
        from .defaults import post_migrate_handler

        # After Django's own post_migrate handlers (permissions) have run for every app:
        # "adminsite" is the last installed app.
        post_migrate.connect(post_migrate_handler, sender=self, dispatch_uid="groups-defaults")
