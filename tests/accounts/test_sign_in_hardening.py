"""Hardening (issue 9): sign-in throttling (django-axes) and sessions that die when the password
changes or the account is deactivated."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts import services as account_services
from tests.factories import PASSWORD, UserFactory

LOGIN = "/accounts/login/"
LIMIT = 5  # settings.AXES_FAILURE_LIMIT


def sign_in(client, email, password, address="127.0.0.1"):
    return client.post(LOGIN, {"username": email, "password": password}, REMOTE_ADDR=address)


def fail(client, email, times, address="127.0.0.1"):
    for _ in range(times):
        response = sign_in(client, email, "wrong-password", address)
        assert response.status_code == 200  # the sign-in form again, with its error
        assert b"Please enter a correct email" in response.content


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def groups_url(organization):
    return reverse("groups:group_list", args=[organization.slug])


def test_sign_in_locks_out_an_email_and_address_after_repeated_failures(client, org_member):
    fail(client, org_member.email, LIMIT - 1)
    locked = sign_in(client, org_member.email, "wrong-password")
    assert locked.status_code == 429
    assert b"Too many failed sign-ins" in locked.content
    assert f"paused after {LIMIT} failed attempts".encode() in locked.content
    assert b"Try again in 15 minutes" in locked.content

    # Even the right password is refused while the lockout lasts.
    refused = sign_in(client, org_member.email, PASSWORD)
    assert refused.status_code == 429
    assert not signed_in(client)


def test_sign_in_lockout_covers_the_django_admin_too(client, org_member):
    fail(client, org_member.email, LIMIT - 1)
    assert sign_in(client, org_member.email, "wrong-password").status_code == 429
    admin = client.post(
        reverse("admin:login"), {"username": org_member.email, "password": PASSWORD}
    )
    assert admin.status_code == 429
    assert not signed_in(client)


def test_sign_in_lockout_spares_other_people_and_other_addresses(client, org_member, org_admin):
    fail(client, org_member.email, LIMIT - 1)
    assert sign_in(client, org_member.email, "wrong-password").status_code == 429

    # Another person from the same address, and the same person from elsewhere, sign in.
    assert sign_in(Client(), org_admin.email, PASSWORD).status_code == 302
    elsewhere = Client()
    assert sign_in(elsewhere, org_member.email, PASSWORD, address="10.1.2.3").status_code == 302
    assert signed_in(elsewhere)


def test_a_successful_sign_in_resets_the_failure_count(client, org_member):
    fail(client, org_member.email, LIMIT - 1)
    assert sign_in(client, org_member.email, PASSWORD).status_code == 302
    client.logout()
    fail(client, org_member.email, LIMIT - 1)
    assert sign_in(client, org_member.email, PASSWORD).status_code == 302
    assert signed_in(client)


def test_changing_ones_password_ends_every_other_session(organization, groups_url):
    # Sam Staff changes their own password in the Django admin (the only password form):
    # the session that changed it stays, the one on another device is signed out.
    sam = UserFactory(first_name="Sam", last_name="Staff", is_staff=True)
    account_services.organization_user_add(organization=organization, user=sam, actor=None)
    here, elsewhere = Client(), Client()
    here.force_login(sam)
    elsewhere.force_login(sam)
    assert elsewhere.get(groups_url).status_code == 200

    changed = here.post(
        reverse("admin:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a-brand-new-passphrase-2026",
            "new_password2": "a-brand-new-passphrase-2026",
        },
    )
    assert changed.status_code == 302, changed.content
    assert here.get(groups_url).status_code == 200
    gone = elsewhere.get(groups_url)
    assert gone.status_code == 302
    assert gone["Location"].startswith(reverse("login"))


def test_a_password_set_by_an_operator_ends_the_persons_sessions(
    admin_client, client, org_member, groups_url
):
    client.force_login(org_member)
    assert client.get(groups_url).status_code == 200
    reset = admin_client.post(
        reverse("admin:auth_user_password_change", args=[org_member.pk]),
        {
            "password1": "an-operator-chosen-passphrase",
            "password2": "an-operator-chosen-passphrase",
            "usable_password": "true",
        },
    )
    assert reset.status_code == 302, reset.content
    assert client.get(groups_url).status_code == 302


def test_a_deactivated_persons_very_next_request_is_refused(
    client, organization, org_admin, org_member, group, groups_url
):
    client.force_login(org_member)
    assert client.get(groups_url).status_code == 200

    account_services.user_set_active(user=org_member, active=False, actor=org_admin)

    page = client.get(groups_url)
    assert page.status_code == 302
    assert page["Location"].startswith(reverse("login"))
    # An already open page's htmx request is sent to sign in as a whole page.
    panel = client.get(
        reverse("groups:group_detail", args=[organization.slug, group.public_id]),
        HTTP_HX_REQUEST="true",
    )
    assert panel.status_code == 200
    assert panel["HX-Redirect"].startswith(reverse("login"))
    # And signing in again is refused.
    fresh = Client()
    again = sign_in(fresh, org_member.email, PASSWORD)
    assert again.status_code == 200
    assert not signed_in(fresh)


@pytest.mark.parametrize("variant", [str.upper, str.title, lambda e: f"  {e.swapcase()} "])
def test_sign_in_counts_case_variants_of_one_email_as_one_account(client, org_member, variant):
    """Issue 15, item 8: five failures for olga@… then the right password as oLga@… signed in.
    Every spelling sign-in accepts for the account shares its counter."""
    fail(client, org_member.email, LIMIT - 1)
    locked = sign_in(client, variant(org_member.email), "wrong-password")
    assert locked.status_code == 429

    again = sign_in(client, variant(org_member.email), PASSWORD)
    assert again.status_code == 429
    assert not signed_in(client)
