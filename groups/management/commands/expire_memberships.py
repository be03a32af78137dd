from django.core.management.base import BaseCommand

from groups.services import memberships_expire


class Command(BaseCommand):
    help = (
        "End every membership whose expiry has passed (each with an audit event by the system). "
        "Safe to run from cron every minute; signed-in users' expired memberships also end on "
        "their next request."
    )

    def handle(self, *args, **options):
        count = memberships_expire()
        self.stdout.write(f"Ended {count} expired membership{'' if count == 1 else 's'}.")
