"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server."""

import os
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.factories import PASSWORD

# Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test
# body are still synchronous and safe. Only the test suite sets this.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(config, items):
    if CHROMIUM.exists():
        return
    if os.environ.get("CI"):
        raise pytest.UsageError(f"Browser tests need {CHROMIUM}: apt-get install chromium")
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is missing (apt-get install chromium)")
    for item in items:
        if "e2e" in item.nodeid:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "headless": True,
        "args": CHROMIUM_FLAGS,
    }


@pytest.fixture
def screenshot(page):
    """``screenshot("name")`` saves the page as var/screenshots/name.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def sign_in(page, live_server):
    """``sign_in(user)`` signs in through the sign-in page, as a person would, and waits for
    the groups list the Admin Center lands on."""

    def sign(user):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Email address").fill(user.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", name="Groups", level=1)).to_be_visible()
        page.wait_for_load_state()

    return sign


@pytest.fixture
def assert_accessible(page):
    """``assert_accessible("what")`` runs axe-core on the page and fails on any violation of
    impact serious or critical, naming each rule and the elements it flags."""
    axe = Axe()

    def check(what: str) -> None:
        results = axe.run(page)
        grave = [
            violation
            for violation in results.response["violations"]
            if violation["impact"] in ("serious", "critical")
        ]
        report = "\n".join(
            f"- {violation['id']} ({violation['impact']}): {violation['help']}\n"
            + "\n".join(
                f"    {node['target']}: {node.get('failureSummary', '')}".replace("\n", " ")
                for node in violation["nodes"]
            )
            for violation in grave
        )
        assert not grave, f"axe-core on {what}:\n{report}"

    return check


# Hardening (issue 9): the Content-Security-Policy applies in tests as in production; a browser
# test fails when the page reports a violation (an inline script or style, eval, a foreign
# source), so a template or script that would break under the policy never lands. Chromium
# logs each refusal to the console; the listener below also reports the event itself, with the
# directive and the source.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", function (event) {
  console.error("CSP violation: " + event.violatedDirective + " blocked " + event.blockedURI +
    " at " + event.sourceFile + ":" + event.lineNumber);
});
"""


@pytest.fixture(autouse=True)
def csp_violations(request):
    """Fails the browser test if the console reports a Content-Security-Policy violation."""
    if "page" not in request.fixturenames:
        yield []
        return
    page = request.getfixturevalue("page")
    reports: list[str] = []
    page.add_init_script(CSP_LISTENER)
    page.on(
        "console",
        lambda message: (
            reports.append(message.text)
            if "Content Security Policy" in message.text or message.text.startswith("CSP violation")
            else None
        ),
    )
    yield reports
    assert not reports, "Content-Security-Policy violations:\n" + "\n".join(reports)
