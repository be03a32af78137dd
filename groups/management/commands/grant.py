from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from audit.recording import Channel
from groups.management.lookups import find_group, find_organization, find_user, writes
from groups.models import Grant, Group, PermissionSet, Resource
from groups.services import grants

SUBJECT_HELP = "user:EMAIL or group:NAME-OR-SLUG."
TARGET_HELP = "org (the whole organization) or TYPE:KEY of a resource (e.g. WORKFLOW_DEF:checkout)."


# The lookups the access commands share (grant, revoke, check_access).


def find_subject(organization, value: str):
    """A user (``user:EMAIL``) or a group of ``organization`` (``group:NAME-OR-SLUG``)."""
    kind, _, name = str(value).partition(":")
    kind, name = kind.strip().lower(), name.strip()
    if kind == "user" and name:
        return find_user(name)
    if kind == "group" and name:
        return find_group(organization, name)
    raise CommandError(f"“{value}” is not a subject: write {SUBJECT_HELP}")


def split_ref(value: str) -> tuple[str, str]:
    """``TYPE:KEY`` → (type, key); the key may contain colons."""
    kind, colon, key = str(value).partition(":")
    if not colon or not kind.strip() or not key.strip():
        raise CommandError(f"“{value}” is not a target: write {TARGET_HELP}")
    return kind.strip(), key.strip()


def find_resource(organization, value: str) -> Resource | None:
    """The resource ``TYPE:KEY`` of ``organization``, or None if there is none."""
    kind, key = split_ref(value)
    return (
        Resource.objects.select_related("organization", "folder")
        .filter(organization=organization, type=kind, key=key)
        .first()
    )


def find_target(organization, value: str):
    """The organization (``org``) or an existing resource (``TYPE:KEY``)."""
    if str(value).strip().lower() == "org":
        return organization
    resource = find_resource(organization, value)
    if resource is None:
        raise CommandError(f"No resource {value} in {organization}.")
    return resource


def find_permission_set(organization, value: str) -> PermissionSet:
    """A permission set of ``organization`` or a default one, by name (case-insensitive) or key."""
    value = " ".join(str(value).split())
    matches = PermissionSet.objects.filter(
        Q(organization=organization) | Q(organization=None),
        Q(name__iexact=value) | Q(key=value.lower()),
    )
    # Names are unique (case-insensitive) and are what people see: a name beats a default's key.
    by_name = [s for s in matches if s.name.lower() == value.lower()]
    found = by_name or list(matches)
    if not found:
        raise CommandError(f"No permission set named “{value}” in {organization}.")
    return found[0]


def split_access(value: str) -> list[str]:
    """``READ,EXECUTE`` → ["READ", "EXECUTE"] (the service checks each one)."""
    return [part.strip().upper() for part in str(value).split(",") if part.strip()]


def describe_subject(subject) -> str:
    if isinstance(subject, Group):
        return f"group “{subject.display_name}”"
    return f"{subject.display_name} <{subject.email}>"


def describe_target(target) -> str:
    return target.ref if isinstance(target, Resource) else str(target)


def add_grant_arguments(parser) -> None:
    parser.add_argument("organization", help="The organization's slug or name.")
    parser.add_argument("subject", help=f"Who: {SUBJECT_HELP}")
    parser.add_argument("target", help=f"On what: {TARGET_HELP}")
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--permission-set", help="A permission set's name (or key).")
    what.add_argument(
        "--access", help="Access types, comma-separated: CREATE, READ, UPDATE, DELETE, EXECUTE."
    )


def current_grant(organization, subject, resource, permission_set) -> Grant | None:
    subject_filter = (
        {"subject_group": subject} if isinstance(subject, Group) else {"subject_user": subject}
    )
    return Grant.objects.filter(
        organization=organization,
        resource=resource,
        permission_set=permission_set,
        **subject_filter,
    ).first()


class Command(BaseCommand):
    help = (
        "Give a user or a group a permission set or access types on the organization or on one "
        "of its resources; members of a group get it at once. Access types add to what the "
        "subject already had. --create registers a missing resource first."
    )

    def add_arguments(self, parser):
        add_grant_arguments(parser)
        parser.add_argument(
            "--create", action="store_true", help="Register the resource TARGET if it is missing."
        )
        parser.add_argument(
            "--folder", help="With --create: the folder (TYPE:KEY) the new resource goes in."
        )

    def handle(self, *args, **options):
        organization = find_organization(options["organization"])
        subject = find_subject(organization, options["subject"])
        permission_set = (
            find_permission_set(organization, options["permission_set"])
            if options["permission_set"]
            else None
        )
        access_types = split_access(options["access"]) if options["access"] else None
        folder = self._folder(organization, options)
        target = self._target(organization, options, folder)
        created = target is None
        with writes():
            if created:
                kind, key = split_ref(options["target"])
                target = grants.resource_create(
                    organization=organization,
                    type=kind,
                    key=key,
                    folder=folder,
                    channel=Channel.COMMAND,
                    actor=None,
                )
            resource = target if isinstance(target, Resource) else None
            before = current_grant(organization, subject, resource, permission_set)
            grant = grants.grant_add(
                organization=organization,
                subject=subject,
                target=target,
                permission_set=permission_set,
                access_types=access_types,
                channel=Channel.COMMAND,
                actor=None,
            )
        if permission_set is not None:
            what, unchanged = f"permission set “{permission_set}”", before is not None
        else:
            what = ", ".join(grant.access_types)
            unchanged = before is not None and before.access_types == grant.access_types
        who, where = describe_subject(subject), describe_target(target)
        if created:
            folder_text = f" in folder {folder.ref}" if folder else ""
            self.stdout.write(f"Registered resource {target.ref}{folder_text}.")
        if unchanged:
            self.stdout.write(f"{who} already had {what} on {where}: nothing changed.")
        else:
            self.stdout.write(self.style.SUCCESS(f"{who} now has {what} on {where}."))

    def _folder(self, organization, options) -> Resource | None:
        if not options["folder"]:
            return None
        if not options["create"]:
            raise CommandError("--folder only applies with --create.")
        folder = find_resource(organization, options["folder"])
        if folder is None:
            raise CommandError(f"No folder {options['folder']} in {organization}.")
        return folder

    def _target(self, organization, options, folder):
        """The organization or the existing resource; None for a resource to register."""
        if str(options["target"]).strip().lower() == "org":
            if options["create"]:
                raise CommandError("--create applies to a resource (TYPE:KEY), not to org.")
            return organization
        resource = find_resource(organization, options["target"])
        if resource is None and not options["create"]:
            raise CommandError(
                f"No resource {options['target']} in {organization}: add --create to register it."
            )
        if resource is not None and folder is not None and resource.folder_id != folder.pk:
            where = f"folder {resource.folder.ref}" if resource.folder_id else "no folder"
            raise CommandError(f"{resource.ref} already exists, in {where}: nothing was changed.")
        return resource
