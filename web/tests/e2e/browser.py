"""The shared harness of the dashboard stories: one Chromium per story class, a fresh context per
test, screenshots (full page, and at 360 px where the page must not scroll sideways), sign-in and the
main menu. A story class mixes it in: `class MyStory(Browser, unittest.TestCase)` and calls
`open_story(Server(...), seed)` in setUpClass; the server and Chromium are stopped after the class."""

import os
import re

from playwright.sync_api import expect, sync_playwright

from server import PASSWORD

SHOTS = os.path.join(os.path.dirname(__file__), "..", "screenshots")


class Browser:
    """One Chromium for a story class, a fresh context per test."""

    @classmethod
    def start_browser(cls):
        os.makedirs(SHOTS, exist_ok=True)
        cls.playwright = sync_playwright().start()
        cls.browser = cls.playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])

    @classmethod
    def stop_browser(cls):
        cls.browser.close()
        cls.playwright.stop()

    @classmethod
    def open_story(cls, server, seed=None):
        """Keeps `server` as the story's, runs `seed` (its set-up through the API) and starts Chromium;
        if any of it fails, prints the server's log and stops it before the error goes on."""
        cls.server = server
        try:
            if seed:
                seed()
            cls.start_browser()
        except Exception:
            print(server.logs())
            server.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.stop_browser()
        cls.server.stop()

    def setUp(self):
        self.context = self.browser.new_context(viewport={"width": 1280, "height": 900}, locale="pt-BR",
                                                timezone_id="America/Sao_Paulo", reduced_motion="reduce")
        self.page = self.context.new_page()
        self.console_errors = []
        self.page.on("console", lambda m: self.console_errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.console_errors.append(str(e)))

    def tearDown(self):
        self.context.close()
        if self.failed():
            # What the server said about it: its warnings and errors.
            lines = [line for line in self.server.logs().splitlines() if re.search(r"\"level\": ?\"(warning|error|critical)\"", line)]
            print("\n".join(["server warnings and errors:"] + lines[-40:]))
        # A refused write is logged by Chromium as a failed load; nothing else may show up.
        expected = ("Failed to load resource",)
        self.assertEqual([e for e in self.console_errors if not any(x in e for x in expected)], [])

    def failed(self):
        """Whether this test has failed so far (unittest records a failure before tearDown runs)."""
        result = getattr(self._outcome, "result", None)
        return result is not None and any(test is self for test, _ in result.failures + result.errors)

    def shot(self, name):
        # From the top: the sticky top bar would otherwise be drawn where the page was scrolled to.
        self.page.evaluate("window.scrollTo(0, 0)")
        self.page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)

    def phone_shot(self, name):
        """The page at 360 px, which must not scroll sideways; back to desktop afterwards."""
        page = self.page
        page.set_viewport_size({"width": 360, "height": 780})
        page.wait_for_timeout(300)
        self.shot(name)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        self.assertLessEqual(overflow, 0, f"{name}: no horizontal scrolling at 360 px")
        page.set_viewport_size({"width": 1280, "height": 900})

    def sign_in(self, email, password=PASSWORD, heading="Visão geral"):
        page = self.page
        page.goto(self.server.base + "/")
        page.get_by_label("E-mail").fill(email)
        page.get_by_label("Senha").fill(password)
        page.get_by_role("button", name="Entrar").click()
        # The language is kept with the account: a test that left this user in English ends here, so
        # every test starts in pt-BR.
        expect(page.get_by_role("navigation", name=re.compile("^(Menu principal|Main menu)$"))).to_be_visible()
        language = page.get_by_test_id("language")
        if language.input_value() != "pt-BR":
            language.select_option("pt-BR")
        expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()

    def nav(self, name):
        self.page.get_by_role("navigation", name="Menu principal").get_by_role("link", name=name).click()
