from django.core.management.base import BaseCommand

from audit.recording import Channel
from groups import services
from groups.management.lookups import find_group, find_organization, writes


class Command(BaseCommand):
    help = (
        "Make one group a member of another (nesting): every member of CHILD becomes a member "
        "of GROUP. Refused across organizations and when it would make a cycle."
    )

    def add_arguments(self, parser):
        parser.add_argument("organization", help="The organization's slug or name.")
        parser.add_argument("group", help="The group that gains a member group (name or slug).")
        parser.add_argument("child", help="The group that becomes a member (name or slug).")
        parser.add_argument("--remove", action="store_true", help="Take CHILD out of GROUP.")

    def handle(self, *args, **options):
        organization = find_organization(options["organization"])
        parent = find_group(organization, options["group"])
        child = find_group(organization, options["child"])
        verb = services.member_group_remove if options["remove"] else services.member_group_add
        with writes():
            changed = verb(parent=parent, child=child, channel=Channel.COMMAND, actor=None)
        if options["remove"]:
            text = "is no longer" if changed else "was not"
        else:
            text = "is now" if changed else "already was"
        self.stdout.write(f"“{child}” {text} a member of “{parent}”.")
