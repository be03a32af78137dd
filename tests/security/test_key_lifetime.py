"""Keys die with their owner's place (issue 15, item 3): leaving the organization or being
deactivated revokes the person's keys (not suspends them), so adding them back or reactivating
them revives no old token."""

from django.test import Client

from accounts import services as account_services
from accounts.api_keys import api_key_create, token_for
from accounts.models import ApiKey
from audit import sentences
from audit.models import AuditEvent
from tests.conftest import make_member


def key_of(organization, user):
    key, secret = api_key_create(organization=organization, name="deploy", user=user, actor=None)
    return key, Client(HTTP_AUTHORIZATION=f"Bearer {token_for(key, secret)}")


def groups_url(organization):
    return f"/t/{organization.slug}/api/v1/groups"


def test_leaving_the_organization_revokes_the_keys_and_coming_back_revives_none(
    organization, org_admin
):
    dee = make_member(organization, first_name="Dee", last_name="Park")
    key, api = key_of(organization, dee)
    assert api.get(groups_url(organization)).status_code == 200

    account_services.organization_user_remove(organization=organization, user=dee, actor=org_admin)
    account_services.organization_user_add(organization=organization, user=dee, actor=org_admin)

    key.refresh_from_db()
    assert key.revoked_at is not None
    assert api.get(groups_url(organization)).status_code == 401
    event = AuditEvent.objects.get(action="api_key.revoked", target_id=str(key.public_id))
    assert event.before["reason"] == "left the organization"
    assert sentences.sentence(event).text == (
        "Ann Lee revoked the API key deploy (acting as "
        f"{dee.email}), because they left the organization"
    )


def test_deactivation_revokes_the_keys_in_every_organization(
    organization, other_organization, org_admin
):
    dee = make_member(organization, first_name="Dee", last_name="Park")
    account_services.organization_user_add(organization=other_organization, user=dee, actor=None)
    _, acme_api = key_of(organization, dee)
    key_of(other_organization, dee)

    account_services.user_set_active(user=dee, active=False, actor=None)
    account_services.user_set_active(user=dee, active=True, actor=None)

    assert not ApiKey.objects.filter(user=dee, revoked_at__isnull=True).exists()
    assert acme_api.get(groups_url(organization)).status_code == 401
    reasons = set(
        AuditEvent.objects.filter(action="api_key.revoked").values_list("before__reason", flat=True)
    )
    assert reasons == {"deactivated"}


def test_another_members_keys_are_left_alone(organization, org_admin, org_member):
    _, bo_api = key_of(organization, org_member)
    dee = make_member(organization, first_name="Dee", last_name="Park")
    key_of(organization, dee)

    account_services.organization_user_remove(organization=organization, user=dee, actor=org_admin)

    assert bo_api.get(groups_url(organization)).status_code == 200
