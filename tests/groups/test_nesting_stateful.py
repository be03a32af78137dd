"""Random sequences of membership and nesting changes: after every step the stored effective
memberships equal both the recursive-query oracle and a pure-Python model of the closure."""

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from accounts import services as account_services
from groups import services
from groups.management.commands.check_memberships import oracle, stored
from groups.models import Group, Membership
from tests.factories import UserFactory

CUSTOM_GROUPS = 5
USERS = 6
# Node ids of the model: 0..4 are the custom groups' slots, ADMINS the Administrators group.
ADMINS = CUSTOM_GROUPS
NODES = st.integers(0, CUSTOM_GROUPS)
SLOTS = st.integers(0, CUSTOM_GROUPS - 1)
PEOPLE = st.integers(0, USERS - 1)


class NestingMachine(RuleBasedStateMachine):
    """One organization, five custom groups (a deleted one is replaced by a fresh one), six
    users, and the Administrators group as a node that groups may be nested into or out of.
    User 0 stays a direct administrator throughout, so the last-administrator rule never
    refuses a step; its refusals are covered in test_nesting.py."""

    def __init__(self):
        super().__init__()
        # Each example runs in a savepoint rolled back by teardown: the next starts clean.
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.created = 0

    @initialize()
    def create_organization(self):
        self.organization = account_services.organization_create(name="Acme", actor=None)
        self.users = [UserFactory() for _ in range(USERS)]
        for index, user in enumerate(self.users):
            account_services.organization_user_add(
                organization=self.organization, user=user, admin=index == 0, actor=None
            )
        self.users_group = services.default_group(self.organization, Group.Kind.USERS)
        self.groups = [self.fresh_group() for _ in range(CUSTOM_GROUPS)]
        self.groups.append(services.default_group(self.organization, Group.Kind.ADMINISTRATORS))
        # The model: direct members of each node, and (parent, child) edges between nodes.
        self.direct = {node: set() for node in range(CUSTOM_GROUPS + 1)}
        self.direct[ADMINS] = {0}
        self.edges: set[tuple[int, int]] = set()

    def teardown(self):
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    def fresh_group(self) -> Group:
        self.created += 1
        return services.group_create(
            organization=self.organization, display_name=f"Team {self.created}", actor=None
        )

    # --- the model ------------------------------------------------------------------------

    def below(self, node) -> set[int]:
        seen, todo = {node}, [node]
        while todo:
            current = todo.pop()
            for parent, child in self.edges:
                if parent == current and child not in seen:
                    seen.add(child)
                    todo.append(child)
        return seen

    def expected(self) -> set[tuple[int, int]]:
        pairs = {(self.users_group.pk, user.pk) for user in self.users}
        for node, group in enumerate(self.groups):
            for member in set().union(*(self.direct[n] for n in self.below(node))):
                pairs.add((group.pk, self.users[member].pk))
        return pairs

    def expected_direct(self) -> set[tuple[int, int]]:
        pairs = {(self.users_group.pk, user.pk) for user in self.users}
        for node, group in enumerate(self.groups):
            pairs |= {(group.pk, self.users[member].pk) for member in self.direct[node]}
        return pairs

    # --- rules ----------------------------------------------------------------------------

    @rule(slot=SLOTS, person=PEOPLE)
    def add_user(self, slot, person):
        user = self.users[person]
        added = services.membership_add(group=self.groups[slot], users=[user], actor=None)
        assert added == ([] if person in self.direct[slot] else [user])
        self.direct[slot].add(person)

    @rule(slot=SLOTS, person=PEOPLE)
    def remove_user(self, slot, person):
        user = self.users[person]
        inherited = person not in self.direct[slot] and any(
            person in self.direct[node] for node in self.below(slot)
        )
        if inherited:
            # In the group only through a member group: refused, nothing changes.
            with pytest.raises(ValidationError, match="only through a member group"):
                services.membership_remove(group=self.groups[slot], users=[user], actor=None)
            return
        removed = services.membership_remove(group=self.groups[slot], users=[user], actor=None)
        assert removed == ([user] if person in self.direct[slot] else [])
        self.direct[slot].discard(person)

    @rule(parent=NODES, child=NODES)
    def nest(self, parent, child):
        refused = parent in self.below(child)  # itself, or a cycle
        try:
            added = services.member_group_add(
                parent=self.groups[parent], child=self.groups[child], actor=None
            )
        except ValidationError as error:
            assert refused, error.messages
            assert error.error_dict["child"][0].code == "cycle"
            return
        assert not refused
        assert added == ((parent, child) not in self.edges)
        self.edges.add((parent, child))

    @rule(parent=NODES, child=NODES)
    def un_nest(self, parent, child):
        removed = services.member_group_remove(
            parent=self.groups[parent], child=self.groups[child], actor=None
        )
        assert removed == ((parent, child) in self.edges)
        self.edges.discard((parent, child))

    @rule(slot=SLOTS)
    def delete_group(self, slot):
        services.group_delete(group=self.groups[slot], actor=None)
        self.groups[slot] = self.fresh_group()
        self.direct[slot] = set()
        self.edges = {(p, c) for p, c in self.edges if slot not in (p, c)}

    # --- the invariant --------------------------------------------------------------------

    @invariant()
    def memberships_are_the_closure(self):
        actual = stored(self.organization)
        assert actual == oracle(self.organization)
        assert actual == self.expected()
        direct = set(
            Membership.objects.filter(
                group__group__organization=self.organization, direct=True
            ).values_list("group_id", "user_id")
        )
        assert direct == self.expected_direct()


@pytest.mark.django_db
def test_nesting_keeps_memberships_equal_to_the_closure_through_random_changes():
    run_state_machine_as_test(
        NestingMachine,
        settings=settings(
            max_examples=25,
            stateful_step_count=20,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
