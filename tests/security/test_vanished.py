"""A group deleted while a request about it waited for its lock: a 404 (or the command's
clear error), never a 500 (found by tests/security/test_races.py)."""

import pytest
from django.http import Http404

from groups import services as group_services
from groups.management.lookups import refusals_as_command_errors


def test_a_write_on_a_group_deleted_meanwhile_is_a_404(world):
    group, admin = world.acme.child, world.acme.admin
    stale = type(group).objects.get(pk=group.pk)
    group_services.group_delete(group=group, actor=admin)
    with pytest.raises(Http404, match="no longer exists"):
        group_services.membership_add(group=stale, users=[admin], actor=admin)
    with pytest.raises(Http404):
        group_services.group_update(group=stale, description="x", actor=admin)


def test_a_command_tells_a_vanished_group_as_a_clear_error(world):
    from django.core.management import CommandError

    group, admin = world.acme.child, world.acme.admin
    group_services.group_delete(group=group, actor=admin)
    with pytest.raises(CommandError, match="no longer exists"), refusals_as_command_errors():
        group_services.membership_add(group=group, users=[admin], actor=None)
