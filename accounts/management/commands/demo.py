import unicodedata

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand

from accounts import services as account_services
from accounts.models import Organization
from audit.recording import Channel
from groups import access
from groups import services as group_services
from groups.management.lookups import plural, writes
from groups.models import Group, Resource
from groups.services import grants

PASSWORD = "demo-password-2026"
LOGIN_URL = "http://127.0.0.1:8000/"
OPERATOR_EMAIL = "operator@example.com"
ADMIN = ("Ann", "Lee")

# Varied on purpose: three names share "joh" (the member search is tried with it), some
# carry accents, apostrophes and hyphens.
ACME_PEOPLE = [
    ADMIN,
    ("John", "Smith"),
    ("Johanna", "Berg"),
    ("Marcus", "Johnson"),
    ("Zoë", "Müller"),
    ("José", "Álvarez"),
    ("Priya", "Patel"),
    ("Wei", "Zhang"),
    ("Fatima", "Al-Sayed"),
    ("Olga", "Ivanova"),
    ("Liam", "O'Brien"),
    ("Sofia", "Rossi"),
    ("Noah", "Williams"),
    ("Emma", "Brown"),
    ("Lucas", "Martin"),
    ("Chloé", "Dubois"),
    ("Mateo", "García"),
    ("Aisha", "Okafor"),
    ("Kenji", "Tanaka"),
    ("Ingrid", "Larsen"),
    ("Björn", "Andersson"),
    ("Nadia", "Haddad"),
    ("Tomás", "Novák"),
    ("Elena", "Popescu"),
    ("Hiroshi", "Sato"),
    ("Grace", "Kim"),
    ("Daniel", "Cohen"),
    ("Amara", "Nwosu"),
    ("Lena", "Fischer"),
    ("Rafael", "Costa"),
    ("Maya", "Goldberg"),
    ("Seán", "Murphy"),
    ("Yuki", "Yamamoto"),
    ("Camille", "Laurent"),
    ("Ahmed", "Hassan"),
    ("Isabel", "Fernández"),
    ("Hannah", "Schmidt"),
    ("Oscar", "Nilsson"),
    ("Leila", "Rahimi"),
    ("Kwame", "Mensah"),
]

ACME_GROUPS = [
    (
        "Editors",
        "Write, review and publish the articles on the website.",
        ["Zoë Müller", "John Smith", "Chloé Dubois", "Sofia Rossi"],
    ),
    (
        "Sales EMEA",
        "Sell to customers in Europe, the Middle East and Africa.",
        ["Marcus Johnson", "José Álvarez", "Ingrid Larsen", "Nadia Haddad", "Lucas Martin"],
    ),
    (
        "Support",
        "Answer customer tickets and keep the help center up to date.",
        ["Johanna Berg", "Priya Patel", "Seán Murphy", "Grace Kim"],
    ),
    (
        "Engineering",
        "Build and run the product.",
        ["Wei Zhang", "Kenji Tanaka", "Björn Andersson", "Tomás Novák", "Elena Popescu"],
    ),
    (
        "Marketing",
        "Campaigns, the brand and the newsletter.",
        ["Camille Laurent", "Maya Goldberg", "Amara Nwosu"],
    ),
]

# Ann is also a plain member of Globex, so she has two organizations to switch between.
GLOBEX_ADMIN = ("Hank", "Scorpio")
GLOBEX_PEOPLE = [GLOBEX_ADMIN, ("Mindy", "Simmons")]


def demo_email(first_name: str, last_name: str, domain: str) -> str:
    """firstname.lastname@domain, folded to ASCII ("Zoë Müller" → zoe.muller)."""

    def fold(value):
        ascii_only = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
        return "".join(c for c in ascii_only.lower() if c.isalnum() or c == "-")

    return f"{fold(first_name)}.{fold(last_name)}@{domain}"


class Command(BaseCommand):
    help = (
        "Load the demo data: the organization Acme (40 people, Ann Lee its administrator, five "
        "custom groups) and a small second organization, Globex. Safe to run again: what "
        "exists is left as it is. Every demo user's password is “demo-password-2026”."
    )

    def handle(self, *args, **options):
        self.created = {
            "organization": 0,
            "user": 0,
            "group": 0,
            "membership": 0,
            "resource": 0,
        }
        self.new_user_ids = []
        with writes():
            acme = self.organization("Acme", "acme")
            people = self.people(ACME_PEOPLE, "acme.example")
            ann = people[" ".join(ADMIN)]
            self.join(acme, [ann], admin=True)
            self.join(acme, [user for user in people.values() if user != ann])
            for name, description, members in ACME_GROUPS:
                group = self.group(acme, name, description, creator=ann)
                self.members(group, [people[member] for member in members])
            self.access(acme)

            globex = self.organization("Globex", "globex")
            globex_people = self.people(GLOBEX_PEOPLE, "globex.example")
            self.join(globex, [globex_people[" ".join(GLOBEX_ADMIN)]], admin=True)
            self.join(globex, [*globex_people.values(), ann])

            self.operator()
            if self.new_user_ids:
                # One hash for every new demo user: hashing 40 passwords one by one would take
                # seconds, and they all share the same published password anyway.
                User = get_user_model()
                User.objects.filter(pk__in=self.new_user_ids).update(
                    password=make_password(PASSWORD)
                )

        if any(self.created.values()):
            made = ", ".join(plural(count, what) for what, count in self.created.items() if count)
            self.stdout.write(self.style.SUCCESS(f"Demo data created: {made}."))
        else:
            self.stdout.write("Demo data already there: nothing changed.")
        for organization in (acme, globex):
            users = group_services.default_group(organization, Group.Kind.USERS).user_set
            groups = organization.groups.count()
            self.stdout.write(
                f"{organization} ({organization.slug}): {users.count()} users, {groups} groups."
            )
        self.stdout.write("")
        self.stdout.write(f"Log in at {LOGIN_URL}")
        self.stdout.write(f"  email:    {ann.email}")
        self.stdout.write(f"  password: {PASSWORD}")
        self.stdout.write(f"The Django admin (for operators) is at {LOGIN_URL}admin/")
        self.stdout.write(f"  email:    {OPERATOR_EMAIL}")
        self.stdout.write(f"  password: {PASSWORD}")

    def operator(self) -> None:
        """A superuser for the Django admin, outside any organization."""
        User = get_user_model()
        if User.objects.filter(email=OPERATOR_EMAIL).exists():
            return
        user = account_services.user_create(
            email=OPERATOR_EMAIL,
            first_name="Otto",
            last_name="Operator",
            channel=Channel.SYSTEM,
            actor=None,
        )
        account_services.user_update(
            user=user, is_staff=True, is_superuser=True, channel=Channel.SYSTEM, actor=None
        )
        self.new_user_ids.append(user.pk)
        self.created["user"] += 1

    def organization(self, name, slug) -> Organization:
        organization = Organization.objects.filter(slug=slug).first()
        if organization is None:
            organization = account_services.organization_create(
                name=name, slug=slug, channel=Channel.SYSTEM, actor=None
            )
            self.created["organization"] += 1
        return organization

    def people(self, names, domain) -> dict:
        """The demo users, by full name; the missing ones are created."""
        emails = {f"{first} {last}": demo_email(first, last, domain) for first, last in names}
        existing = {
            user.email: user for user in get_user_model().objects.filter(email__in=emails.values())
        }
        people = {}
        for first_name, last_name in names:
            email = emails[f"{first_name} {last_name}"]
            user = existing.get(email)
            if user is None:
                user = account_services.user_create(
                    email=email,
                    first_name=first_name,
                    last_name=last_name,
                    channel=Channel.SYSTEM,
                    actor=None,
                )
                self.new_user_ids.append(user.pk)
                self.created["user"] += 1
            people[f"{first_name} {last_name}"] = user
        return people

    def join(self, organization, users, *, admin=False) -> None:
        # Someone deactivated since the last run stays as they are.
        for user in users:
            if user.is_active:
                joined = account_services.organization_user_add(
                    organization=organization,
                    user=user,
                    admin=admin,
                    channel=Channel.SYSTEM,
                    actor=None,
                )
                self.created["membership"] += len(joined)

    def group(self, organization, name, description, *, creator) -> Group:
        group = Group.objects.filter(organization=organization, display_name__iexact=name).first()
        if group is None:
            group = group_services.group_create(
                organization=organization,
                display_name=name,
                description=description,
                channel=Channel.SYSTEM,
                # Ann creates the groups (and so holds every right on them) while she can.
                actor=creator if access.can(creator, "create_group", organization) else None,
            )
            self.created["group"] += 1
        return group

    def access(self, organization) -> None:
        """A Marketing folder with two workflows; Editors nested in Marketing, which may
        run what is in the folder, and Editors may also read and change it."""
        folder = self.resource(organization, "folder", "marketing", "Marketing")
        for key, name in (("newsletter", "Monthly newsletter"), ("launch", "Launch campaign")):
            self.resource(organization, "WORKFLOW_DEF", key, name, folder=folder)
        groups = {g.display_name: g for g in Group.objects.filter(organization=organization)}
        editors, marketing = groups.get("Editors"), groups.get("Marketing")
        if editors is None or marketing is None:
            return
        group_services.member_group_add(
            parent=marketing, child=editors, channel=Channel.SYSTEM, actor=None
        )
        for subject, access_types in ((marketing, ["EXECUTE"]), (editors, ["READ", "UPDATE"])):
            grants.grant_add(
                organization=organization,
                subject=subject,
                target=folder,
                access_types=access_types,
                channel=Channel.SYSTEM,
                actor=None,
            )

    def resource(self, organization, type_, key, name, *, folder=None) -> Resource:
        resource = Resource.objects.filter(organization=organization, type=type_, key=key).first()
        if resource is None:
            resource = grants.resource_create(
                organization=organization,
                type=type_,
                key=key,
                name=name,
                folder=folder,
                channel=Channel.SYSTEM,
                actor=None,
            )
            self.created["resource"] += 1
        return resource

    def members(self, group, users) -> None:
        in_organization = group_services.users_in_organization(group.organization, users)
        addable = [user for user in users if user.is_active and user.pk in in_organization]
        added = group_services.membership_add(
            group=group, users=addable, channel=Channel.SYSTEM, actor=None
        )
        self.created["membership"] += len(added)
