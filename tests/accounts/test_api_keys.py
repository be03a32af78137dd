"""API keys: create_api_key, hashing, revocation."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.api_keys import api_key_for_token, api_key_revoke
from accounts.models import ApiKey
from audit.models import AuditEvent
from tests.conftest import make_member


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_key", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_create_api_key_prints_id_secret_and_token(organization, org_admin):
    out, err = run("acme", "--name", "CI")
    lines = out.splitlines()
    assert [line.split(": ")[0] for line in lines] == ["id", "secret", "token"]
    key_id, secret, token = (line.split(": ", 1)[1] for line in lines)
    key = ApiKey.objects.get(public_id=key_id)
    assert (key.name, key.organization, key.user) == ("CI", organization, org_admin)
    assert secret not in key.secret_hash and len(key.secret_hash) == 64
    assert api_key_for_token(token) == key
    assert "only time it is shown" in err
    event = AuditEvent.objects.get(action="api_key.created")
    assert (event.channel, event.organization) == ("command", organization)


def test_create_api_key_for_a_named_member(organization, org_admin, org_member):
    out, _ = run("acme", "--name", "Bo's script", "--user", org_member.email)
    token = out.splitlines()[2].split(": ", 1)[1]
    assert api_key_for_token(token).user == org_member


def test_create_api_key_refuses_a_user_of_another_organization(organization, org_admin, outsider):
    with pytest.raises(CommandError, match="is not in Acme"):
        run("acme", "--name", "X", "--user", outsider.email)
    assert not ApiKey.objects.exists()


def test_create_api_key_without_administrator_needs_a_user(db):
    call_command("create_organization", "Empty Co", stdout=io.StringIO())
    with pytest.raises(CommandError, match="no active administrator"):
        run("empty-co", "--name", "X")


def test_revoked_or_tampered_tokens_authenticate_nobody(organization, org_admin):
    out, _ = run("acme", "--name", "CI")
    token = out.splitlines()[2].split(": ", 1)[1]
    key = api_key_for_token(token)
    assert api_key_for_token(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert api_key_for_token("acx_not-a-uuid_secret") is None
    assert api_key_for_token("") is None
    api_key_revoke(key=key, actor=org_admin)
    assert api_key_for_token(token) is None
    assert AuditEvent.objects.filter(action="api_key.revoked").count() == 1
    api_key_revoke(key=key, actor=org_admin)
    assert AuditEvent.objects.filter(action="api_key.revoked").count() == 1


def test_key_of_a_deactivated_user_authenticates_nobody(organization, org_admin):
    second = make_member(organization, admin=True)
    out, _ = run("acme", "--name", "CI", "--user", second.email)
    token = out.splitlines()[2].split(": ", 1)[1]
    second.is_active = False
    second.save(update_fields=["is_active"])
    assert api_key_for_token(token) is None
