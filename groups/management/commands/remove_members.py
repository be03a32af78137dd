from groups import services
from groups.management.membership_command import MembershipCommand


class Command(MembershipCommand):
    help = (
        "Remove users from a group. Users who are not members are left as they were. The "
        "Administrators group always keeps at least one active member; to take someone out "
        "of the organization altogether, use remove_user."
    )
    verb, past = "remove", "removed"
    done, would, preposition = "Removed", "Would remove", "from"
    untouched = "Not members"

    def change(self, *, group, users):
        return services.membership_remove(group=group, users=users, **self.channel_kwargs())
