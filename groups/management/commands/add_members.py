from groups import services
from groups.management.membership_command import MembershipCommand


class Command(MembershipCommand):
    help = (
        "Add users to a group, all or nothing: if any email is unknown, or anyone is not in "
        "the organization, nobody is added and every problem is named. Existing members are "
        "left as they were."
    )
    verb, past = "add", "added"
    done, would, preposition = "Added", "Would add", "to"
    untouched = "Already members"

    def change(self, *, group, users):
        return services.membership_add(group=group, users=users, **self.channel_kwargs())
