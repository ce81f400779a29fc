"""
Browser tests: Playwright (sync API) driving Debian's Chromium headless against pytest-django's
live server, with a real Celery worker (``live_worker``) delivering the documents.
Screenshots go to test-artifacts/screenshots/ (git-ignored; CI keeps them as artefacts).
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls from a
# thread with a running loop unless told that this is intended (the tests are synchronous).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("EGOV_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def _must_run() -> bool:
    return os.environ.get("CI", "").lower() == "true" or os.environ.get("EGOV_REQUIRE_SERVICES") == "1"


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium, or set EGOV_CHROMIUM)"
        if _must_run():
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def screenshot():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def _shot(page, name: str):
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    return _shot


@pytest.fixture
def new_page(browser, live_server):
    """A fresh browser context (own cookies) at 1366×768, Vietnamese, base URL = the live server."""
    contexts = []

    def _new(viewport=None, locale="vi-VN"):
        ctx = browser.new_context(base_url=live_server.url, viewport=viewport or {"width": 1366, "height": 768},
                                  locale=locale)
        ctx.set_default_timeout(20_000)
        contexts.append(ctx)
        return ctx.new_page()

    yield _new
    for ctx in contexts:
        ctx.close()


def login(page, username: str, password: str = "pw-test-12345"):
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
