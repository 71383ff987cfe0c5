"""Web fixtures: an HTTP client, a real server on a free port, and an offline Chromium.

Browser tests use :class:`Browsing`: a page whose every request not aimed at 127.0.0.1 is
aborted and recorded, so a test proves the pages need no network by asserting
``browsing.blocked == []``.
"""

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page, Playwright, Route, sync_playwright

from healthycity.api.app import create_app
from healthycity.config import Settings
from tests.api.conftest import app_client
from tests.conftest import service_unavailable

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LOCAL_HOST = "127.0.0.1"


@contextmanager
def client_on(database_url: str, data_dir: Path) -> Iterator[TestClient]:
    """An in-process client of the app on ``database_url``; the engine is disposed after."""
    with app_client(Settings(database_url=database_url, data_dir=data_dir)) as client:
        yield client


@pytest.fixture
def web_client(demo_database_url: str, tmp_path: Path) -> Iterator[TestClient]:
    """A client of the app on the demo database (read-only use), on each backend."""
    with client_on(demo_database_url, tmp_path) as client:
        yield client


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOCAL_HOST, 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def serve_app(app: FastAPI) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free loopback port; yield its base URL."""
    config = uvicorn.Config(
        app, host=LOCAL_HOST, port=_free_port(), lifespan="off", ws="none", log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="live-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail(f"uvicorn did not start on {LOCAL_HOST}:{config.port}")
        time.sleep(0.05)
    try:
        yield f"http://{LOCAL_HOST}:{config.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        app.state.engine.dispose()


@pytest.fixture(scope="module")
def live_server(demo_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real app served by uvicorn in a thread, on the demo database: its base URL."""
    app: FastAPI = create_app(
        Settings(
            database_url=demo_database_url,
            data_dir=tmp_path_factory.mktemp("live"),
            log_level="WARNING",
        )
    )
    with serve_app(app) as url:
        yield url


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Playwright]:
    """The Playwright driver (sync API)."""
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright_driver: Playwright) -> Iterator[Browser]:
    """Debian's headless Chromium, with its background network features off."""
    if not CHROMIUM.exists():
        service_unavailable(f"Chromium not found at {CHROMIUM} (make chromium installs it)")
    browser = playwright_driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@dataclass
class Browsing:
    """An offline page on the live server: ``blocked`` lists the URLs it tried to leave for."""

    base_url: str
    page: Page
    blocked: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def goto(self, path: str) -> None:
        """Open ``path`` of the live server."""
        self.page.goto(self.base_url + path)

    def stay_local(self, route: Route) -> None:
        """Let requests to the live server through; abort and record any other."""
        if urlsplit(route.request.url).hostname == LOCAL_HOST:
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()


@pytest.fixture
def browsing(browser: Browser, live_server: str) -> Iterator[Browsing]:
    """A fresh, offline browser context whose user reads French (locale fr-FR)."""
    context = browser.new_context(
        locale="fr-FR",
        viewport={"width": 1280, "height": 900},
    )
    page = context.new_page()
    browsing = Browsing(live_server, page)
    context.route("**/*", browsing.stay_local)
    page.on("pageerror", lambda error: browsing.errors.append(str(error)))
    try:
        yield browsing
    finally:
        context.close()
