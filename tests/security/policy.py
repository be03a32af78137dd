"""The access policy of every URL of the project, as one table.

Each key is a URL pattern's namespaced name (``groups:group_detail``, ``api:groups_list``), or
the full route of an unnamed pattern. Each value maps an HTTP method to what each persona gets,
in this order:

    anonymous, member, manager, admin, other_admin, operator

- anonymous:   nobody signed in
- member:      Bo Chen, a plain member of Acme (only in Acme Users)
- manager:     Cy Diaz, every right on the group Editors, nothing organization-wide
- admin:       Ann, an administrator of Acme
- other_admin: Olga, an administrator of Globex (a stranger to Acme)
- operator:    Opal, staff and superuser of the Django admin, in no organization

Outcomes: a status code (200, 401, 403, 404, 405), LOGIN (302 to the sign-in page; for htmx,
``HX-Redirect`` to it), ADMIN_LOGIN (302 to the Django admin's sign-in), REDIRECT (302
elsewhere: a write that went through, a signed-in person sent home).

URL parameters are filled with Acme's objects (tests/security/urlwalk.py ``_value``): the group
is Editors, the user Dee (a member of Editors), the grant and permission set Editors', the child
group Writers (a member group of Editors), the resource WORKFLOW_DEF:checkout, the key Ann's.
POSTs send an empty form, API writes a valid JSON body (urlwalk.api_request) so that the access
check is what answers; every request is rolled back. Conductor's API (/api/) is called with the
token each persona's own API key gets from POST /api/token (X-Authorization); GraphQL with a
small query naming Editors, by session and by each persona's API key (its refusals, sent as
errors[].extensions.code, are read as 401/403/404). The deleted group is Acme's "Drafts".

To add a URL: run ``pytest tests/security/test_url_policy.py``; the failure lists each pattern
without an entry with a suggested entry (what the personas get today). Check each outcome
against the intent, then paste it here.
"""

from .urlwalk import ADMIN_LOGIN, LOGIN, REDIRECT

# anonymous, member, manager, admin, other_admin, operator
PERSONAS = ("anonymous", "member", "manager", "admin", "other_admin", "operator")

# Group pages and panels: nothing for strangers (404), Editors' pages for those who may see it.
SEE_EDITORS = (LOGIN, 404, 200, 200, 404, 200)

POLICY = {
    # --- sign in, home ---
    "home": {"GET": (LOGIN, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT)},
    "login": {
        "GET": (200, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT),
        # An empty sign-in form: shown again with its errors; the signed-in are sent home.
        "POST": (200, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT),
    },
    "logout": {"POST": (LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN)},
    # --- the Admin Center: groups ---
    "groups:group_list": {"GET": (LOGIN, 200, 200, 200, 404, 200)},
    "groups:group_create": {
        "GET": (LOGIN, 403, 403, 200, 404, 200),
        "POST": (LOGIN, 403, 403, 200, 404, 200),
    },
    "groups:group_detail": {"GET": SEE_EDITORS},
    "groups:group_permissions": {"GET": SEE_EDITORS},
    "groups:group_settings": {"GET": SEE_EDITORS, "POST": SEE_EDITORS},
    "groups:group_access": {"GET": SEE_EDITORS},
    "groups:group_delete": {"POST": SEE_EDITORS},
    "groups:grant_add": {"POST": (LOGIN, 403, 403, REDIRECT, 404, REDIRECT)},
    "groups:grant_remove": {"POST": (LOGIN, 403, 403, REDIRECT, 404, REDIRECT)},
    "groups:member_group_add": {"POST": (LOGIN, 404, REDIRECT, REDIRECT, 404, REDIRECT)},
    "groups:member_group_remove": {"POST": (LOGIN, 404, REDIRECT, REDIRECT, 404, REDIRECT)},
    "groups:members_add": {
        "GET": SEE_EDITORS,
        "POST": SEE_EDITORS,
    },
    "groups:member_remove": {
        "GET": SEE_EDITORS,
        "POST": (LOGIN, 404, REDIRECT, REDIRECT, 404, REDIRECT),
    },
    "groups:permission_set_add": {"POST": (LOGIN, 404, 403, REDIRECT, 404, REDIRECT)},
    "groups:permission_set_remove": {"POST": (LOGIN, 404, 403, REDIRECT, 404, REDIRECT)},
    # --- the Admin Center: people, resources, API keys ---
    # Dee's page: anyone of Acme sees that she is in it, but her groups and access are for
    # herself and whoever sees every group (403 for the others, as over the APIs).
    "groups:user_detail": {"GET": (LOGIN, 403, 403, 200, 404, 200)},
    # The resources pages are for those who manage access or see every group (as the API's).
    "groups:resource_list": {"GET": (LOGIN, 403, 403, 200, 404, 200)},
    "groups:resource_detail": {"GET": (LOGIN, 403, 403, 200, 404, 200)},
    "accounts:api_keys": {
        "GET": (LOGIN, 200, 200, 200, 404, 200),
        "POST": (LOGIN, 200, 200, 200, 404, 200),
    },
    "accounts:api_key_revoke": {"POST": (LOGIN, 404, 404, REDIRECT, 404, REDIRECT)},
    # --- audit: a group's history for those who see the group; the organization's log (and
    # its CSV) for those who may read the audit log ---
    "groups:group_history": {"GET": SEE_EDITORS},
    "audit:audit_log": {"GET": (LOGIN, 403, 403, 200, 404, 200)},
    "audit:audit_log_export": {"GET": (LOGIN, 403, 403, 200, 404, 200)},
    # --- bulk membership: import and remove need manage_members, export seeing the group ---
    "groups:members_import": {"GET": SEE_EDITORS, "POST": SEE_EDITORS},
    # An empty POST picks nobody: back to the members tab with a message (htmx: the tab).
    "groups:members_remove": {"POST": (LOGIN, 404, REDIRECT, REDIRECT, 404, REDIRECT)},
    "groups:members_export": {"GET": SEE_EDITORS},
    # --- deleted groups: restore_groups on the organization (403 without it, the organization
    # being visible); another organization's deleted group is not found ---
    "groups:deleted_group_list": {"GET": (LOGIN, 403, 403, 200, 404, 200)},
    "groups:deleted_group_restore": {
        "GET": (LOGIN, 403, 403, 200, 404, 200),
        "POST": (LOGIN, 403, 403, REDIRECT, 404, REDIRECT),
    },
    # --- the HTTP API (session here; the same with each persona's API key) ---
    "api:openapi-json": {"GET": (200, 200, 200, 200, 200, 200)},
    "api:openapi-view": {"GET": (200, 200, 200, 200, 200, 200)},
    "api:api-root": {"GET": (404, 404, 404, 404, 404, 404)},
    "api:groups_list": {"GET": (401, 200, 200, 200, 404, 200)},
    "api:groups_create": {"POST": (401, 403, 403, 201, 404, 201)},
    "api:groups_get": {"GET": (401, 404, 200, 200, 404, 200)},
    "api:groups_update": {"PUT": (401, 404, 200, 200, 404, 200)},
    "api:groups_patch": {"PATCH": (401, 404, 200, 200, 404, 200)},
    "api:groups_delete": {"DELETE": (401, 404, 204, 204, 404, 204)},
    "api:members_list": {"GET": (401, 404, 200, 200, 404, 200)},
    # Editors holds a set with view_groups, which its manager Cy lacks: he cannot put people
    # in it (nobody hands out more than they hold), 403.
    "api:members_add": {"POST": (401, 404, 403, 201, 404, 201)},
    "api:members_remove": {"DELETE": (401, 404, 204, 204, 404, 204)},
    "api:roles_list": {"GET": (401, 404, 200, 200, 404, 200)},
    "api:roles_add": {"POST": (401, 404, 403, 200, 404, 200)},
    "api:roles_replace": {"PUT": (401, 404, 403, 200, 404, 200)},
    "api:roles_remove": {"DELETE": (401, 404, 403, 204, 404, 204)},
    "api:users_list": {"GET": (401, 200, 200, 200, 404, 200)},
    "api:users_get": {"GET": (401, 200, 200, 200, 404, 200)},
    "api:users_groups": {"GET": (401, 200, 200, 200, 404, 200)},
    "api:users_permissions": {"GET": (401, 403, 403, 200, 404, 200)},
    "api:permission_sets_list": {"GET": (401, 200, 200, 200, 404, 200)},
    "api:member_groups_list": {"GET": (401, 404, 200, 200, 404, 200)},
    # Cy may manage Editors' members but cannot see Writers, the group he would nest.
    "api:member_groups_add": {"POST": (401, 404, 404, 200, 404, 200)},
    "api:member_groups_remove": {"DELETE": (401, 404, 204, 204, 404, 204)},
    "api:resource_types_list": {"GET": (401, 200, 200, 200, 404, 200)},
    # Resources are read by access managers and whoever sees every group (as the pages).
    "api:resources_list": {"GET": (401, 403, 403, 200, 404, 200)},
    "api:resources_create": {"POST": (401, 403, 403, 201, 404, 201)},
    "api:resources_get": {"GET": (401, 403, 403, 200, 404, 200)},
    "api:resources_move": {"PATCH": (401, 403, 403, 200, 404, 200)},
    "api:resources_delete": {"DELETE": (401, 403, 403, 204, 404, 204)},
    "api:grants_list": {"GET": (401, 403, 403, 200, 404, 200)},
    "api:grants_create": {"POST": (401, 403, 403, 201, 404, 201)},
    "api:grants_delete": {"DELETE": (401, 403, 403, 204, 404, 204)},
    # Bo asks about himself (allowed); Cy about Bo (not allowed).
    "api:access_check": {"GET": (401, 200, 403, 200, 404, 200)},
    "api:access_explain": {"GET": (401, 200, 403, 200, 404, 200)},
    "api:group_access": {"GET": (401, 404, 200, 200, 404, 200)},
    "api:user_access": {"GET": (401, 403, 403, 200, 404, 200)},
    # Editors holds a set with view_groups, which its manager Cy lacks: he cannot put people
    # in it (nobody hands out more than they hold), 403.
    "api:members_batch_add": {"POST": (401, 404, 403, 201, 404, 201)},
    "api:deleted_groups_list": {"GET": (401, 403, 403, 200, 404, 200)},
    "api:deleted_groups_get": {"GET": (401, 403, 403, 200, 404, 200)},
    "api:deleted_groups_restore": {"POST": (401, 403, 403, 201, 404, 201)},
}

# --- Orkes Conductor's API at /api/: each persona with the token its own API key gets from
# POST /api/token, sent as X-Authorization (tests/security/conftest.py conductor_client). It
# acts in the key's organization, naming a group by slug (Editors'; Globex's Editors has another
# slug), a user by email (Dee's), a target by type and key. Anonymous callers and the operator
# (no organization, so no API key) send no token: 401. ---
CONDUCTOR_SEE_EDITORS = (401, 404, 200, 200, 404, 401)
POLICY |= {
    "conductor:openapi-json": {"GET": (200, 200, 200, 200, 200, 200)},
    "conductor:openapi-view": {"GET": (200, 200, 200, 200, 200, 200)},
    # Each persona's own key id and secret (none for anonymous and the operator).
    "conductor:token": {"POST": (401, 200, 200, 200, 200, 401)},
    # Who the token acts as: oneself, in one's own organization.
    "conductor:token_user_info": {"GET": (401, 200, 200, 200, 200, 401)},
    # An upsert: Acme's Editors is renamed by those who may change it. Olga's PUT names no group
    # of Globex, so it creates one there (her own organization; Acme's is untouched).
    "conductor:group_upsert": {"PUT": (401, 404, 200, 200, 200, 401)},
    "conductor:group_get": {"GET": CONDUCTOR_SEE_EDITORS},
    "conductor:group_delete": {"DELETE": CONDUCTOR_SEE_EDITORS},
    # The groups of the key's organization that the caller may see (Olga: Globex's).
    "conductor:group_list": {"GET": (401, 200, 200, 200, 200, 401)},
    "conductor:group_users": {"GET": CONDUCTOR_SEE_EDITORS},
    # As over REST: Cy cannot put people in Editors, whose set gives what he lacks.
    "conductor:group_users_add": {"POST": (401, 404, 403, 200, 404, 401)},
    "conductor:group_users_remove": {"DELETE": CONDUCTOR_SEE_EDITORS},
    "conductor:group_user_add": {"POST": (401, 404, 403, 200, 404, 401)},
    "conductor:group_user_remove": {"DELETE": CONDUCTOR_SEE_EDITORS},
    "conductor:group_permissions": {"GET": CONDUCTOR_SEE_EDITORS},
    # Grants need manage_access; the subject is Editors (by slug): not found in Globex.
    "conductor:authorization_grant": {"POST": (401, 403, 403, 200, 404, 401)},
    "conductor:authorization_remove": {"DELETE": (401, 403, 403, 200, 404, 401)},
    # Who can access WORKFLOW_DEF:checkout: access readers only. Targets are named by type and
    # key within the key's organization, so Olga is answered about Globex's own checkout.
    "conductor:authorization_get": {"GET": (401, 403, 403, 200, 200, 401)},
    # Dee's access: her own or, for user managers, anyone's; Dee is not in Globex.
    "conductor:user_permissions": {"GET": (401, 403, 403, 200, 404, 401)},
    "conductor:user_check_permissions": {"GET": (401, 403, 403, 200, 404, 401)},
    "conductor:api-root": {"GET": (404, 404, 404, 404, 404, 404)},
    "api/^(?P<rest>.*)$": {"GET": (404, 404, 404, 404, 404, 404)},
    # GraphQL: Editors by id in Acme, with the session and with each persona's API key.
    # Refusals come as errors[].extensions.code, read as 401/403/404 (urlwalk.outcome).
    "graphql": {"POST": (401, 404, 200, 200, 404, 200)},
}

# --- the Django admin: operators only; everyone else is sent to the admin's sign-in ---
OPERATOR_ONLY = (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 200)


def operators(operator=200):
    return (ADMIN_LOGIN,) * 5 + (operator,)


POLICY |= {
    "admin:login": {"GET": (200, 200, 200, 200, 200, REDIRECT)},
    # Logging out of the admin ends the session wherever it came from (LOGOUT_REDIRECT_URL).
    "admin:logout": {"POST": (REDIRECT,) * 5 + (LOGIN,)},
    "admin:index": {"GET": OPERATOR_ONLY},
    "admin:password_change": {"GET": OPERATOR_ONLY},
    "admin:password_change_done": {"GET": OPERATOR_ONLY},
    "admin:autocomplete": {"GET": operators(403)},
    "admin:jsi18n": {"GET": OPERATOR_ONLY},
    "admin:view_on_site": {"GET": operators(404)},
    "admin:app_list": {"GET": OPERATOR_ONLY},
    "admin/(?P<url>.*)$": {"GET": operators(404)},
    "admin:groups_group_permissions": {"GET": OPERATOR_ONLY},
    "admin:groups_group_permissions_manage_user": {"GET": OPERATOR_ONLY},
    "admin:groups_group_permissions_manage_group": {"GET": OPERATOR_ONLY},
    "admin:auth_user_password_change": {"GET": OPERATOR_ONLY},
}
# Every model admin: list, add, history, delete, change and the bare object URL (a redirect to
# change). The audit trail is append-only (no add or delete even for operators); organizations
# and users are deleted by commands and services only (they carry invariants).
for model, overrides in {
    "groups/group": {},
    "groups/permissionset": {},
    "accounts/organization": {"delete": operators(403)},
    "accounts/user": {"delete": operators(403)},
    "audit/auditevent": {"add": operators(403), "delete": operators(403)},
    "groups/deletedgroup": {"add": operators(403), "delete": operators(403)},
    "axes/accessattempt": {"add": operators(403)},
    "axes/accesslog": {"add": operators(403)},
    "axes/accessfailurelog": {"add": operators(403)},
}.items():
    app, name = model.split("/")
    prefix = f"admin:{app}_{name}"
    POLICY |= {
        f"{prefix}_changelist": {"GET": OPERATOR_ONLY},
        f"{prefix}_add": {"GET": overrides.get("add", OPERATOR_ONLY)},
        f"{prefix}_history": {"GET": OPERATOR_ONLY},
        f"{prefix}_delete": {"GET": overrides.get("delete", OPERATOR_ONLY)},
        f"{prefix}_change": {"GET": overrides.get("change", OPERATOR_ONLY)},
        f"admin/{model}/<path:object_id>/": {"GET": operators(REDIRECT)},
    }
