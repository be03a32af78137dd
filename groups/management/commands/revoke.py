from django.core.management.base import BaseCommand

from audit.recording import Channel
from groups.management.commands.grant import (
    add_grant_arguments,
    describe_subject,
    describe_target,
    find_permission_set,
    find_subject,
    find_target,
    split_access,
)
from groups.management.lookups import find_organization, writes
from groups.services import grants


class Command(BaseCommand):
    help = (
        "Take back a permission set or access types from a user or a group on the organization "
        "or on one of its resources. Access the subject has another way (another group, a "
        "folder, the organization) stays; check it with check_access --explain."
    )

    def add_arguments(self, parser):
        add_grant_arguments(parser)

    def handle(self, *args, **options):
        organization = find_organization(options["organization"])
        subject = find_subject(organization, options["subject"])
        target = find_target(organization, options["target"])
        permission_set = (
            find_permission_set(organization, options["permission_set"])
            if options["permission_set"]
            else None
        )
        access_types = split_access(options["access"]) if options["access"] else None
        with writes():
            changed = grants.grant_remove(
                organization=organization,
                subject=subject,
                target=target,
                permission_set=permission_set,
                access_types=access_types,
                channel=Channel.COMMAND,
                actor=None,
            )
        what = f"permission set “{permission_set}”" if permission_set else ", ".join(access_types)
        who, where = describe_subject(subject), describe_target(target)
        if changed:
            self.stdout.write(self.style.SUCCESS(f"Revoked {what} from {who} on {where}."))
        else:
            self.stdout.write(f"{who} had no grant of {what} on {where}: nothing changed.")
