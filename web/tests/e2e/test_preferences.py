"""Preferences and contextual help in real Chromium against the real server: a NOC engineer changes
density, language, theme, time zone and default POP on the Preferências screen (each applied at once),
signs in from a fresh browser and finds the same preferences; a help panel ticks a step detected from
the API and keeps a manual tick across a reload; a Viewer keeps preferences too; "Enviar notificação de
teste" reaches a push service on loopback, VAPID-signed and encrypted for this browser's subscription,
and the dashboard's service worker shows what it carries.

Run through scripts/test.sh (or scripts/web-test.sh e2e with the OCTOISP_TEST_* variables set).
Screenshots go to web/tests/screenshots/ (git-ignored)."""

import datetime
import json
import re
import time
import unittest
import zoneinfo

from playwright.sync_api import expect

from browser import Browser
from push_service import PushService, show_in_service_worker
from server import PASSWORD, Client, Server

NOC = "noc@prefs.test"
VIEWER = "viewer@prefs.test"


class PreferencesStory(Browser, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # The loopback push service below is plain http on 127.0.0.1, which a production server refuses.
        cls.open_story(Server(env={"OCTOISP_PUSH_ALLOW_INSECURE": "1"}), cls.seed)

    @classmethod
    def seed(cls):
        admin = cls.server.admin
        cls.provider = admin.post("/api/v1/providers", {"slug": "prefs-net", "name": "Prefs Net"})["id"]
        api = admin.acting_in(cls.provider)
        cls.centro = api.post("/api/v1/pops", {"name": "Centro", "city": "Recife", "state": "PE"})["id"]
        cls.norte = api.post("/api/v1/pops", {"name": "Norte", "city": "Olinda", "state": "PE"})["id"]
        api.post("/api/v1/devices", {"name": "CPE Casa Souza", "kind": "cpe", "pop_id": cls.norte})
        api.post("/api/v1/devices", {"name": "OLT Centro", "kind": "olt", "pop_id": cls.centro})
        api.post("/api/v1/users", {"email": NOC, "name": "Nina NOC", "password": PASSWORD, "role_key": "noc"})
        api.post("/api/v1/users", {"email": VIEWER, "name": "Vera Viewer", "password": PASSWORD, "role_key": "viewer"})

    def open_preferences(self, heading):
        page = self.page
        page.get_by_test_id("user-menu").click()
        expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
        expect(page.get_by_test_id("prefs-status")).not_to_have_text("Salvando…")

    def test_preferences_apply_at_once_and_follow_the_person_to_a_fresh_browser(self):
        page = self.page
        self.sign_in(NOC)
        self.open_preferences("Preferências")
        root = page.locator("html")

        # Density, in pt-BR: tighter paddings at once.
        page.get_by_test_id("prefs-density").select_option("compact")
        expect(root).to_have_class(re.compile(r"\bdensity-compact\b"))
        # Language: the screen speaks English at once.
        page.get_by_test_id("prefs-locale").select_option("en")
        expect(page.get_by_role("heading", name="Preferences", level=1)).to_be_visible()
        expect(root).to_have_attribute("lang", "en")
        # Theme.
        page.get_by_test_id("prefs-theme").select_option("dark")
        expect(root).to_have_attribute("data-theme", "dark")
        # Time zone: dates across the dashboard are shown in it (here the current time in the help text;
        # Tokyo is 12 hours ahead of São Paulo, so AM and PM tell the zones apart).
        page.get_by_test_id("prefs-zone").select_option("Asia/Tokyo")
        self.expect_clock_in(page.locator(".field-help", has_text="Now:"), "Asia/Tokyo")
        # Default POP: where the device list's POP filter starts.
        page.get_by_test_id("prefs-pop").select_option(label="Norte")
        expect(page.get_by_test_id("prefs-status")).to_have_text("Saved to your account.")
        self.shot("prefs-01-en-dark")
        self.phone_shot("prefs-01b-en-dark-phone")

        page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Devices").click()
        expect(page).to_have_url(re.compile(rf"pop_id={self.norte}"))
        expect(page.get_by_test_id("device-count")).to_have_text(re.compile(r"^1 devices?$"))
        # The POP filter can still be cleared for the rest of the visit.
        page.get_by_label("POP").select_option("")
        expect(page).not_to_have_url(re.compile(r"pop_id="))

        # Stored on the server, not only in this browser.
        saved = Client(self.server.base).login(NOC, PASSWORD).get("/api/v1/me/preferences")
        self.assertEqual((saved["theme"], saved["locale"], saved["density"], saved["time_zone"], saved["default_pop_id"]),
                         ("dark", "en", "compact", "Asia/Tokyo", self.norte))

        # A fresh browser (nothing in its storage) signs in in Portuguese and gets the same preferences.
        fresh = self.browser.new_context(viewport={"width": 1280, "height": 900}, locale="pt-BR", timezone_id="America/Sao_Paulo")
        try:
            other = fresh.new_page()
            other.goto(self.server.base + "/")
            other.get_by_label("E-mail").fill(NOC)
            other.get_by_label("Senha").fill(PASSWORD)
            other.get_by_role("button", name="Entrar").click()
            expect(other.get_by_role("heading", name="Overview", level=1)).to_be_visible()
            other_root = other.locator("html")
            expect(other_root).to_have_attribute("data-theme", "dark")
            expect(other_root).to_have_class(re.compile(r"\bdensity-compact\b"))
            other.get_by_test_id("user-menu").click()
            expect(other.get_by_test_id("prefs-zone")).to_have_value("Asia/Tokyo")
            expect(other.get_by_test_id("prefs-pop")).to_have_value(self.norte)
        finally:
            fresh.close()

    def expect_clock_in(self, locator, zone):
        """The text shows the current time in `zone` (to the minute; the minute may turn meanwhile)."""
        expect(locator).to_contain_text("Now:")
        before = datetime.datetime.now(zoneinfo.ZoneInfo(zone))
        text = locator.inner_text()
        after = datetime.datetime.now(zoneinfo.ZoneInfo(zone))
        shown = re.search(r"(\d{1,2}):(\d{2}):\d{2}\s*([AP]M)", text)
        self.assertIsNotNone(shown, text)
        expected = {t.strftime("%-I:%M %p") for t in (before - datetime.timedelta(seconds=2), after)}
        self.assertIn(f"{int(shown.group(1))}:{shown.group(2)} {shown.group(3)}", expected, text)

    def test_date_time_inputs_follow_the_persons_time_zone(self):
        page = self.page
        noc = Client(self.server.base).login(NOC, PASSWORD)
        noc.patch("/api/v1/me/preferences", {"time_zone": "Asia/Tokyo"})
        try:
            self.sign_in(NOC)
            page.goto(self.server.base + "/alerts/silences")
            form = page.get_by_test_id("silence-form")
            expect(form).to_contain_text("Horário de Asia/Tokyo (suas preferências).")
            # The form starts now, as a Tokyo wall clock shows it (the browser itself is in São Paulo).
            now_tokyo = datetime.datetime.now(zoneinfo.ZoneInfo("Asia/Tokyo"))
            start = form.get_by_label("Início").input_value()
            shown = datetime.datetime.strptime(start, "%Y-%m-%dT%H:%M").replace(tzinfo=zoneinfo.ZoneInfo("Asia/Tokyo"))
            self.assertLess(abs((shown - now_tokyo).total_seconds()), 180, start)
            form.get_by_label("Rótulos").fill("device=OLT Centro")
            form.get_by_label("Início").fill("2027-01-10T08:00")
            form.get_by_label("Fim").fill("2027-01-10T10:00")
            form.get_by_label("Motivo").fill("Janela em Tóquio")
            page.get_by_role("button", name="Criar silêncio").click()
            row = page.get_by_test_id("silence-table").get_by_role("row", name=re.compile("Janela em Tóquio"))
            page.get_by_role("button", name="Todos", exact=True).click()
            expect(row).to_contain_text("10/01/2027, 08:00:00")
            stored = next(s for s in noc.get("/api/v1/silences")["items"] if s["reason"] == "Janela em Tóquio")
            instant = lambda text: datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
            self.assertEqual((instant(stored["starts_at"]), instant(stored["ends_at"])),
                             (datetime.datetime(2027, 1, 9, 23, 0, tzinfo=datetime.timezone.utc), datetime.datetime(2027, 1, 10, 1, 0, tzinfo=datetime.timezone.utc)))
        finally:
            noc.patch("/api/v1/me/preferences", {"time_zone": None})

    def test_help_panel_ticks_detected_steps_and_keeps_manual_ticks(self):
        page = self.page
        self.sign_in(NOC)
        self.nav("Dispositivos")
        help_button = page.get_by_role("button", name="Ajuda desta página")
        help_button.focus()
        page.keyboard.press("Enter")
        panel = page.get_by_role("dialog", name="Ajuda: Dispositivos")
        expect(panel).to_be_visible()
        expect(panel.get_by_role("button", name="Fechar")).to_be_focused()
        # "A device registered" is read from the API: ticked, and not a box to untick.
        detected = panel.get_by_role("checkbox", name=re.compile("Ter um dispositivo registrado"))
        expect(detected).to_be_checked()
        expect(detected).to_be_disabled()
        expect(panel.get_by_test_id("help-step-device")).to_contain_text("detectado automaticamente")
        # Nobody made a group: not ticked. Opening a device page is ticked by hand.
        expect(panel.get_by_role("checkbox", name=re.compile("Criar um grupo"))).not_to_be_checked()
        manual = panel.get_by_role("checkbox", name=re.compile("Abrir a página de um dispositivo"))
        manual.check()
        expect(panel.get_by_test_id("help-progress")).to_have_text("2 de 4 passos feitos")
        # Esc closes the panel and gives the focus back to its button.
        page.keyboard.press("Escape")
        expect(panel).to_be_hidden()
        expect(help_button).to_be_focused()

        # Kept in the account: after a reload (and in the API) the manual tick is still there.
        client = Client(self.server.base).login(NOC, PASSWORD)
        deadline = time.monotonic() + 10
        while client.get("/api/v1/me/preferences")["help_progress"].get("devices") != ["inspect"] and time.monotonic() < deadline:
            time.sleep(0.2)
        self.assertEqual(client.get("/api/v1/me/preferences")["help_progress"].get("devices"), ["inspect"])
        page.reload()
        page.get_by_role("button", name="Ajuda desta página").click()
        panel = page.get_by_role("dialog", name="Ajuda: Dispositivos")
        expect(panel.get_by_role("checkbox", name=re.compile("Abrir a página de um dispositivo"))).to_be_checked()
        self.shot("help-01-devices")
        self.phone_shot("help-01b-devices-phone")
        panel.get_by_role("button", name="Fechar").click()
        expect(panel).to_be_hidden()

    def test_viewer_keeps_own_preferences_and_sees_help(self):
        page = self.page
        self.sign_in(VIEWER)
        self.open_preferences("Preferências")
        # Notifications: the person's own opt-ins (the same cards as on the channels screen).
        expect(page.get_by_role("heading", name="Minhas notificações")).to_be_visible()
        page.get_by_test_id("prefs-theme").select_option("dark")
        expect(page.locator("html")).to_have_attribute("data-theme", "dark")
        expect(page.get_by_test_id("prefs-status")).to_have_text("Salvo na sua conta.")
        self.shot("prefs-02-viewer-dark")
        # The Home help: the detected steps the Viewer may read, the rest by hand.
        self.nav("Início")
        page.get_by_role("button", name="Ajuda desta página").click()
        panel = page.get_by_role("dialog", name="Ajuda: Início")
        expect(panel.get_by_role("checkbox", name=re.compile("Cadastrar o primeiro POP"))).to_be_checked()
        self.phone_shot("help-02-home-viewer-dark-phone")
        page.keyboard.press("Escape")
        expect(panel).to_be_hidden()

    def test_a_test_push_reaches_the_service_worker_which_shows_it(self):
        page = self.page
        service = PushService().start()
        try:
            self.context.grant_permissions(["notifications"], origin=self.server.base)
            page.add_init_script(service.browser_stub())
            self.sign_in(NOC)
            self.open_preferences("Preferências")
            card = page.locator(".card").filter(has=page.get_by_role("heading", name="Alertas neste navegador"))
            card.get_by_role("button", name="Ativar notificações").click()
            expect(card).to_contain_text("Ativadas")
            # The page subscribed with the provider's VAPID key, and the API keeps the subscription as the NOC's own.
            vapid = Client(self.server.base).login(NOC, PASSWORD).get("/api/v1/push/vapid-public-key")["public_key"]
            self.assertEqual(page.evaluate("localStorage.getItem('octoisp-story-push-subscribed')"), vapid)
            card.get_by_test_id("push-test").click()
            expect(card.get_by_test_id("push-test-result")).to_have_text("Notificação de teste enviada a este navegador.")

            headers, plaintext, claims = service.pushes.get(timeout=15)
            self.assertEqual(service.refusals, [])
            self.assertEqual(claims["k"], vapid, "signed with the provider's VAPID key")
            self.assertTrue(claims["sub"].startswith("mailto:") or claims["sub"].startswith("https:"), claims)
            message = json.loads(plaintext)
            self.assertEqual(message["title"], "[INFORMATIVO] Notificação de teste do OctoISP")

            # What the push service would hand the browser goes to the dashboard's service worker.
            shown = show_in_service_worker(self.context, page, self.server.base, plaintext)
            self.assertEqual(len(shown), 1, shown)
            self.assertEqual(shown[0]["title"], message["title"])
            self.assertIn("funciona", shown[0]["body"])
            self.shot("prefs-40-push-test")

            # Turned off: the API forgets the subscription and the button to turn it on is back.
            card.get_by_role("button", name="Desativar neste navegador").click()
            expect(card.get_by_role("button", name="Ativar notificações")).to_be_visible()
            self.assertEqual(Client(self.server.base).login(NOC, PASSWORD).get("/api/v1/me/push-subscriptions")["items"], [])
        finally:
            service.stop()


if __name__ == "__main__":
    unittest.main()
