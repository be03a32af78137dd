"""Generated text in the inputs test_bad_input.py does not drive: the bulk membership forms,
the grant and expiry forms, the restore name, the audit-log filters, the user page's access
check, the resources search, the Conductor bodies and paths, and the GraphQL inputs.

Each: never a 500; a refusal names its field (a form error on it, an API error naming it, a
GraphQL error with its ``fields``); a refused request changes nothing (checksum)."""

from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import given
from hypothesis import strategies as st

from groups import services as group_services
from groups.models import DeletedGroup

from .checksum import checksum
from .test_bad_input import EXAMPLES, FORM_TEXT, PORTAL

HTMX = {"HTTP_HX_REQUEST": "true"}


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]] if response.context else []


def _form_errors(response, name="form") -> dict:
    form = response.context.get(name) if response.context else None
    return dict(form.errors) if form is not None else {}


# --- Admin Center forms ----------------------------------------------------------------------


@EXAMPLES
@given(text=FORM_TEXT, data=st.one_of(FORM_TEXT.map(str.encode), st.binary(max_size=500)))
def test_members_import_never_fails_on_any_list_or_file(world, text, data):
    """The first POST only previews: whatever was pasted or uploaded, nothing changes."""
    ann = world.client("admin")
    url = f"{PORTAL}groups/{world.acme.group.public_id}/members/import/"
    for fields in (
        {"emails": text},
        {"file": SimpleUploadedFile("people.csv", data, content_type="text/csv")},
        {"emails": text, "file": SimpleUploadedFile("both.csv", data)},
    ):
        before = checksum()
        response = ann.post(url, fields, **HTMX)
        assert response.status_code == 200, response.status_code
        assert set(_form_errors(response)) <= {"emails", "file", "__all__"}
        assert checksum() == before


@EXAMPLES
@given(entries=FORM_TEXT, fingerprint=FORM_TEXT, source=FORM_TEXT)
def test_members_import_confirmation_never_fails_and_applies_nothing_unpreviewed(
    world, entries, fingerprint, source
):
    """A confirmation whose fingerprint is not the preview's applies nothing: it shows a
    fresh preview, or says the preview was incomplete."""
    ann = world.client("admin")
    url = f"{PORTAL}groups/{world.acme.group.public_id}/members/import/"
    data = {"entries": entries, "fingerprint": fingerprint, "source": source}
    before = checksum()
    response = ann.post(url, data, **HTMX)
    assert response.status_code == 200, response.status_code
    assert checksum() == before


@EXAMPLES
@given(users=st.lists(FORM_TEXT, max_size=3), step=st.sampled_from(["", "apply"]) | FORM_TEXT)
def test_members_bulk_remove_never_fails_on_any_ids(world, users, step):
    """Ids that name no direct member remove nobody, said as such."""
    ann = world.client("admin")
    url = f"{PORTAL}groups/{world.acme.group.public_id}/members/remove/"
    before = checksum()
    response = ann.post(url, {"users": users, "step": step}, **HTMX)
    assert response.status_code == 200, response.status_code
    assert checksum() == before
    said = " ".join(_messages(response))
    assert "Pick at least one member" in said or "not direct members" in said


@EXAMPLES
@given(target=FORM_TEXT, access=st.lists(FORM_TEXT, max_size=2), permission_set=FORM_TEXT)
def test_grant_add_never_fails_on_any_text(world, target, access, permission_set):
    ann = world.client("admin")
    url = f"{PORTAL}groups/{world.acme.group.public_id}/access/add/"
    fields = {"target": target, "access": access, "permission_set": permission_set}
    before = checksum()
    response = ann.post(url, fields, **HTMX)
    assert response.status_code == 200, response.status_code
    errors = _form_errors(response, "grant_form")
    # Generated text is never a resource's id (nor "organization"): always refused.
    assert errors and set(errors) <= {"target", "access", "permission_set", "__all__"}
    assert "target" in errors
    assert checksum() == before


@EXAMPLES
@given(duration=FORM_TEXT.filter(lambda value: value not in ("", "1", "7", "30", "90")))
def test_membership_expiry_refuses_any_other_duration_naming_the_field(world, duration):
    ann = world.client("admin")
    url = f"{PORTAL}groups/{world.acme.group.public_id}/members/add/"
    bo = world.users["member"]
    before = checksum()
    response = ann.post(url, {"users": [str(bo.public_id)], "duration": duration}, **HTMX)
    assert response.status_code == 200, response.status_code
    assert checksum() == before
    [said] = _messages(response)
    assert said.startswith("Membership ends:"), said


@EXAMPLES
@given(name=FORM_TEXT)
def test_restore_name_never_fails_on_any_text(world, name):
    """Refused: a form error on the name, nothing restored. Accepted: the group comes back
    under that name (deleted again for the next example)."""
    ann = world.client("admin")
    deleted = DeletedGroup.objects.get(organization=world.acme.organization)
    url = f"{PORTAL}groups/deleted/{deleted.public_id}/restore/"
    before = checksum()
    response = ann.post(url, {"display_name": name}, **HTMX)
    assert response.status_code == 200, response.status_code
    if "HX-Redirect" in response:
        restored = group_services.Group.objects.get(
            organization=world.acme.organization, public_id=deleted.public_id
        )
        assert restored.display_name == (" ".join(name.split()) or deleted.display_name)
        group_services.group_delete(group=restored, actor=world.acme.admin)
    else:
        assert set(_form_errors(response)) == {"display_name"}
        assert checksum() == before


@EXAMPLES
@given(
    actor=FORM_TEXT,
    target=FORM_TEXT,
    since=FORM_TEXT,
    until=FORM_TEXT,
    cursor=FORM_TEXT,
    choice=FORM_TEXT,
)
def test_audit_log_filters_never_fail_on_any_text(
    world, actor, target, since, until, cursor, choice
):
    ann = world.client("admin")
    filters = {"actor": actor, "target": target, "since": since, "until": until}
    before = checksum()
    for extra in ({}, {"older": cursor}, {"newer": cursor}, {"action": choice, "channel": choice}):
        for headers in ({}, HTMX):
            response = ann.get(f"{PORTAL}audit-log/", {**filters, **extra}, **headers)
            assert response.status_code == 200, response.status_code
            allowed = {"actor", "action", "target", "channel", "since", "until"}
            assert set(_form_errors(response)) <= allowed
        response = ann.get(f"{PORTAL}audit-log/export.csv", {**filters, **extra})
        assert response.status_code == 200, response.status_code
    assert checksum() == before


@EXAMPLES
@given(access=FORM_TEXT, target=FORM_TEXT, search=FORM_TEXT, cursor=FORM_TEXT)
def test_user_page_access_check_never_fails_on_any_text(world, access, target, search, cursor):
    ann = world.client("admin")
    url = f"{PORTAL}users/{world.acme.member_of_group.public_id}/"
    before = checksum()
    for query in (
        {"access": access, "target": target, "resource_q": search},
        {"access": "READ", "target": target},
        {"older": cursor, "newer": cursor},
    ):
        for headers in ({}, HTMX, {**HTMX, "HTTP_HX_TARGET": "target-choices"}):
            response = ann.get(url, query, **headers)
            assert response.status_code == 200, response.status_code
            assert set(_form_errors(response)) <= {"access", "target"}
    assert checksum() == before


@EXAMPLES
@given(query=FORM_TEXT, page=FORM_TEXT)
def test_resources_search_never_fails_on_any_text(world, query, page):
    ann = world.client("admin")
    before = checksum()
    for headers in ({}, HTMX):
        response = ann.get(f"{PORTAL}resources/", {"q": query, "page": page}, **headers)
        assert response.status_code == 200, response.status_code
    assert checksum() == before
