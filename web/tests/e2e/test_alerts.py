"""The NOC engineer's alert screens in real Chromium against the real server: rules, silences,
incidents and notification channels. The server runs the api, alerts and worker roles with a short
evaluation interval, so a no-data rule on a registered series really fires and opens an incident, and a
critical one reaches this browser as a Web Push that the dashboard's service worker shows.

Run through scripts/test.sh --web (or scripts/web-test.sh e2e with the OCTOISP_TEST_* variables set).
Screenshots go to web/tests/screenshots/ (git-ignored)."""

import http.server
import json
import os
import re
import socket
import threading
import time
import unittest

from playwright.sync_api import expect, sync_playwright

from browser import Browser
from push_service import PushService, show_in_service_worker
from server import PASSWORD, APIError, Client, Server

SHOTS = os.path.join(os.path.dirname(__file__), "..", "screenshots")
NOC = "ana.noc@fibrasul.test"
VIEWER = "vitor.viewer@fibrasul.test"


class Receiver:
    """A local webhook receiver: records every POST and answers 200."""

    def __init__(self):
        received = self.received = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                received.append({"path": self.path, "headers": dict(self.headers), "body": body})
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class AlertScreens(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        os.makedirs(SHOTS, exist_ok=True)
        # The loopback push service of the push story is plain http on 127.0.0.1, which production refuses.
        cls.server = Server(roles="api,alerts,worker", env={"OCTOISP_ALERTS_INTERVAL": "2", "OCTOISP_PUSH_ALLOW_INSECURE": "1"})
        cls.receiver = Receiver()
        try:
            cls.seed()
            cls.playwright = sync_playwright().start()
            cls.browser = cls.playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        except Exception:
            print(cls.server.logs())
            cls.receiver.stop()
            cls.server.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.browser.close()
        cls.playwright.stop()
        cls.receiver.stop()
        cls.server.stop()

    @classmethod
    def seed(cls):
        admin = cls.server.admin
        provider = admin.post("/api/v1/providers", {"slug": "fibra-alertas", "name": "Fibra Sul Alertas"})["id"]
        api = admin.acting_in(provider)
        cls.api = api
        pops = {name: api.post("/api/v1/pops", {"name": name, "city": "Curitiba", "state": "PR"})["id"] for name in ("Centro", "Bairro Alto")}
        cls.pops = pops
        olt = api.post("/api/v1/devices", {"name": "OLT Centro 01", "kind": "olt", "status": "online", "pop_id": pops["Centro"]})["id"]
        api.post("/api/v1/devices", {"name": "Switch Bairro Alto", "kind": "switch", "status": "online", "pop_id": pops["Bairro Alto"]})
        cls.olt = olt
        api.post("/api/v1/users", {"email": NOC, "name": "Ana NOC", "password": PASSWORD, "role_key": "noc"})
        api.post("/api/v1/users", {"email": VIEWER, "name": "Vitor Viewer", "password": PASSWORD, "role_key": "viewer"})
        # An on-call webhook to the local receiver (told at once), and one to a port nobody listens on.
        api.post("/api/v1/notification-channels", {"name": "Plantão (webhook)", "min_severity": "info",
                                                   "channel": {"type": "webhook", "settings": {"url": cls.receiver.url, "key": "chave do plantão"}},
                                                   "pacing": {"group_wait_seconds": 0}})
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            closed = s.getsockname()[1]
        api.post("/api/v1/notification-channels", {"name": "Webhook desligado", "min_severity": "critical", "enabled": False,
                                                   "channel": {"type": "webhook", "settings": {"url": f"http://127.0.0.1:{closed}/hook", "key": "outra chave", "timeout_seconds": 2}}})
        # The OLT's CPU series exists but no poller writes to it: a no-data rule over it fires at the
        # next evaluation (every 2 s here) and opens an incident.
        api.post("/api/v1/metrics/series", {"device_id": olt, "metric": "cpu", "labels": {}, "kind": "gauge", "unit": "%", "counter_bits": 64})
        api.post("/api/v1/alert-rules", {"name": "OLT sem dados de CPU", "severity": "critical", "scope": "device", "scope_id": olt,
                                         "condition": {"type": "no_data", "metric": "cpu", "window_seconds": 60},
                                         "for_seconds": 0, "keep_firing_for_seconds": 0})
        deadline = time.time() + 60
        while True:
            incidents = api.get("/api/v1/incidents?open=true")["items"]
            if incidents:
                cls.incident = incidents[0]
                break
            if time.time() > deadline:
                raise AssertionError("no incident opened within 60 s: " + json.dumps(api.get("/api/v1/alerts?state=all")))
            time.sleep(0.5)

    def setUp(self):
        self.context = self.browser.new_context(viewport={"width": 1280, "height": 900}, locale="pt-BR",
                                                timezone_id="America/Sao_Paulo", reduced_motion="reduce")
        self.page = self.context.new_page()
        self.console_errors = []
        self.page.on("console", lambda m: self.console_errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.console_errors.append(str(e)))

    def tearDown(self):
        self.context.close()
        # 4xx answers the screens show in words are logged by the browser as failed loads.
        self.assertEqual([e for e in self.console_errors if "Failed to load resource" not in e], [])

    # The page at 360 px without sideways scrolling, as the other stories capture phones.
    phone_shot = Browser.phone_shot

    def shot(self, name, full_page=True):
        # From the top, so the sticky top bar sits where it belongs in a full-page capture.
        self.page.evaluate("window.scrollTo(0, 0)")
        self.page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=full_page)

    def sign_in(self, email):
        page = self.page
        page.goto(self.server.base + "/")
        page.get_by_label("E-mail").fill(email)
        page.get_by_label("Senha").fill(PASSWORD)
        page.get_by_role("button", name="Entrar").click()
        expect(page.get_by_role("heading", name="Visão geral")).to_be_visible()

    def section(self, name):
        self.page.get_by_role("navigation", name="Seções de alertas").get_by_role("link", name=name, exact=True).click()

    def test_01_rules_install_defaults_create_a_threshold_rule_and_see_api_errors_at_their_field(self):
        page = self.page
        self.sign_in(NOC)
        page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Alertas").click()
        expect(page.get_by_role("heading", name="Alertas", exact=True)).to_be_visible()
        self.shot("alerts-01-board")
        self.section("Regras")
        table = page.get_by_test_id("rule-table")
        expect(table.locator("tbody tr")).to_have_count(1)
        page.get_by_role("button", name="Instalar regras padrão").click()
        expect(page.get_by_role("status").filter(has_text="regra(s) padrão instalada(s)")).to_be_visible()
        expect(table.get_by_role("link", name="Device unreachable")).to_be_visible()
        installed = table.locator("tbody tr").count()
        self.assertGreater(installed, 5)
        # The editor: the form's own check first (hysteresis on the wrong side), at its field.
        page.get_by_role("link", name="Nova regra").click()
        form = page.get_by_test_id("rule-form")
        form.get_by_label("Nome").fill("CPU alta nas OLTs do Centro")
        form.get_by_label("Severidade").select_option("critical")
        form.get_by_label("Tipo de condição").select_option("threshold")
        form.get_by_label("Métrica").fill("cpu")
        form.get_by_label("Janela (min)").fill("10")
        form.get_by_label("Agregação").select_option("max")
        form.get_by_label("Operador").select_option(">")
        form.get_by_label("Limite", exact=True).fill("90")
        form.get_by_label("Normaliza em").fill("95")
        form.get_by_label("Abrangência").select_option("pop")
        form.get_by_label("POP", exact=True).select_option(label="Centro")
        form.get_by_label("OLT").check()
        form.get_by_label("Dispara após (min)").fill("5")
        page.get_by_role("button", name="Salvar").click()
        expect(form.get_by_text("Corrija os campos marcados.")).to_be_visible()
        expect(form.get_by_label("Normaliza em")).to_have_attribute("aria-invalid", "true")
        # A dry run of the form as it stands: the Centro OLT is in scope, its CPU series has no samples.
        form.get_by_label("Normaliza em").fill("85")
        page.get_by_role("button", name="Testar agora").click()
        dry = page.get_by_test_id("rule-dry-run")
        expect(dry).to_contain_text("1 dispositivo(s) no escopo · 0 pego(s) agora · 1 sem dados")
        expect(dry.get_by_role("link", name="OLT Centro 01")).to_be_visible()
        self.shot("alerts-02b-rule-dry-run")
        # A name longer than the API takes: the API's 400 names the field, shown there and above.
        form.get_by_label("Nome").fill("CPU " + "x" * 200)
        page.get_by_role("button", name="Salvar").click()
        expect(page.get_by_test_id("form-error")).to_contain_text("O servidor recusou o campo «Nome»")
        expect(form.get_by_label("Nome")).to_have_attribute("aria-invalid", "true")
        expect(form.locator(".field-error")).to_contain_text("name must be 1–200 characters")
        expect(page.get_by_test_id("rule-summary")).to_have_text("max(cpu) em 10 min > 90 (normaliza em 85)")
        self.shot("alerts-02-rule-editor-api-error")
        form.get_by_label("Nome").fill("CPU alta nas OLTs do Centro")
        page.get_by_role("button", name="Salvar").click()
        expect(page.get_by_role("heading", name="Regras de alerta")).to_be_visible()
        row = table.get_by_role("row", name=re.compile("CPU alta nas OLTs do Centro"))
        expect(row).to_contain_text("max(cpu) em 10 min > 90 (normaliza em 85)")
        expect(row).to_contain_text("POP: Centro")
        expect(row).to_contain_text("OLT")
        expect(table.locator("tbody tr")).to_have_count(installed + 1)
        stored = [r for r in self.api.get("/api/v1/alert-rules?limit=500")["items"] if r["name"] == "CPU alta nas OLTs do Centro"][0]
        self.assertEqual(stored["condition"], {"type": "threshold", "metric": "cpu", "aggregation": "max", "window_seconds": 600, "op": ">", "value": 90, "clear": 85})
        self.assertEqual((stored["scope"], stored["scope_id"], stored["device_kinds"], stored["for_seconds"]), ("pop", self.pops["Centro"], ["olt"], 300))
        # The enabled toggle writes through.
        row.get_by_role("switch").uncheck()
        expect(row.get_by_role("switch")).not_to_be_checked()
        self.wait_for(lambda: not [r for r in self.api.get("/api/v1/alert-rules?limit=500")["items"] if r["id"] == stored["id"]][0]["enabled"])
        self.shot("alerts-03-rules")
        # The firing rule's editor shows what it matches now.
        table.get_by_role("link", name="OLT sem dados de CPU").click()
        expect(page.get_by_test_id("rule-preview-alerts")).to_contain_text("OLT Centro 01")
        page.get_by_role("button", name="Testar agora").click()
        expect(page.get_by_test_id("rule-dry-run")).to_contain_text("1 dispositivo(s) no escopo · 1 pego(s) agora · 0 sem dados")
        self.shot("alerts-04-rule-preview")
        page.get_by_role("link", name="ver no painel").click()
        board = page.get_by_test_id("alert-table")
        expect(board.locator("tbody tr")).to_have_count(1)
        expect(board).to_contain_text("OLT Centro 01")
        expect(page.get_by_role("button", name="Mostrar todas as regras")).to_be_visible()

    def test_02_acknowledge_assign_note_and_resolve_an_incident(self):
        page = self.page
        self.sign_in(NOC)
        page.goto(self.server.base + "/incidents")
        table = page.get_by_test_id("incident-table")
        # The dashboard shows the incident's title in Portuguese, as the evaluator wrote it.
        self.assertEqual(self.incident["title_pt_br"], "OLT Centro 01 sem dados de cpu há 1 min")
        table.get_by_role("link", name=self.incident["title_pt_br"]).click()
        heading = page.get_by_role("heading", level=1)
        expect(heading).to_contain_text("Aberto")
        page.get_by_role("button", name="Reconhecer").click()
        expect(heading).to_contain_text("Reconhecido")
        page.get_by_label("Responsável").select_option(label="Ana NOC")
        expect(page.get_by_test_id("assignee")).to_have_text("Ana NOC")
        page.get_by_label("Nota").fill("Técnico a caminho do POP Centro")
        page.get_by_role("button", name="Adicionar nota").click()
        timeline = page.get_by_test_id("incident-timeline")
        expect(timeline).to_contain_text("Técnico a caminho do POP Centro")
        expect(timeline).to_contain_text("Atribuído a Ana NOC")
        self.shot("alerts-05-incident")
        page.get_by_role("button", name="Resolver").click()
        expect(heading).to_contain_text("Resolvido")
        for kind in ("Aberto", "Reconhecido", "Atribuído", "Nota", "Resolvido"):
            expect(timeline.locator("strong", has_text=kind).first).to_be_visible()
        expect(page.get_by_role("button", name="Reconhecer")).to_have_count(0)
        self.shot("alerts-06-incident-resolved")
        detail = self.api.get(f"/api/v1/incidents/{self.incident['id']}")
        self.assertEqual(detail["incident"]["status"], "resolved")
        self.assertEqual([e["kind"] for e in detail["events"] if e["kind"] != "alert_joined"], ["opened", "acknowledged", "assigned", "note", "resolved"])
        # The incident's alert opens the alert page with its own timeline and delivery log.
        page.get_by_role("link", name="OLT sem dados de CPU").first.click()
        expect(page.get_by_test_id("alert-timeline")).to_contain_text("Disparado")
        expect(page.get_by_test_id("alert-facts")).to_contain_text("OLT Centro 01")
        # The on-call webhook was told when the alert fired (the page follows the realtime topic).
        expect(page.get_by_test_id("delivery-table").get_by_role("row", name=re.compile("Plantão"))).to_contain_text("Enviado", timeout=30_000)
        expect(page.get_by_test_id("delivery-table")).to_contain_text("disparando · primeiro aviso")
        self.shot("alerts-07-alert-detail")

    def test_03_create_a_silence_with_a_live_preview_then_end_it(self):
        page = self.page
        self.sign_in(NOC)
        page.goto(self.server.base + "/alerts/silences")
        form = page.get_by_test_id("silence-form")
        form.get_by_label("Rótulos").fill("device=OLT Centro 01\nrule=OLT sem*")
        expect(page.get_by_test_id("silence-preview")).to_contain_text("Silenciaria 1 alerta(s) ativo(s) agora")
        form.get_by_label("Motivo").fill("Troca da placa GPON")
        # An end before the start is refused at the field.
        form.get_by_label("Fim").fill("2020-01-01T00:00")
        page.get_by_role("button", name="Criar silêncio").click()
        expect(form.get_by_text("O fim deve ser depois do início.")).to_be_visible()
        end = time.strftime("%Y-%m-%dT%H:%M", time.localtime(time.time() + 3 * 3600))
        form.get_by_label("Fim").fill(end)
        page.get_by_role("button", name="Criar silêncio").click()
        table = page.get_by_test_id("silence-table")
        row = table.get_by_role("row", name=re.compile("Troca da placa GPON"))
        expect(row).to_contain_text("Ativo")
        expect(row).to_contain_text("device=OLT Centro 01")
        self.shot("alerts-08-silences")
        stored = self.api.get("/api/v1/silences?active=true")["items"]
        self.assertEqual([s["matchers"] for s in stored], [{"device": "OLT Centro 01", "rule": "OLT sem*"}])
        # The next evaluation (every 2 s) silences the OLT's alert; its page says so, linked to the silences.
        deadline = time.time() + 30
        while True:
            silenced = [a for a in self.api.get("/api/v1/alerts")["items"]
                        if a.get("rule_name") == "OLT sem dados de CPU" and (a.get("suppressed_by") or "").startswith("silence:")]
            if silenced or time.time() > deadline:
                break
            time.sleep(0.5)
        self.assertTrue(silenced, "the silence was not applied to the OLT's alert within 30 s")
        page.goto(self.server.base + f"/alerts/{silenced[0]['id']}")
        expect(page.get_by_test_id("alert-facts").get_by_role("link", name="Silenciado")).to_have_attribute("href", "/alerts/silences")
        expect(page.get_by_test_id("alert-timeline")).to_contain_text("Suprimido")
        expect(page.get_by_test_id("alert-timeline")).not_to_contain_text("alertState.")
        self.shot("alerts-07c-silenced-alert")
        self.phone_shot("alerts-07f-silenced-alert-phone")
        page.goto(self.server.base + "/alerts")
        expect(page.get_by_role("link", name="Silenciado").first).to_be_visible()
        self.shot("alerts-01b-board-silenced")
        page.set_viewport_size({"width": 360, "height": 780})
        page.wait_for_timeout(300)
        # On a phone a cell's content flows under its label's row: the rule's name above the suppression.
        rule = page.get_by_role("link", name="OLT sem dados de CPU").first.bounding_box()
        reason = page.get_by_role("link", name="Silenciado").first.bounding_box()
        self.assertGreaterEqual(reason["y"], rule["y"] + rule["height"] - 1, "the rule cell's lines are stacked on a phone")
        page.set_viewport_size({"width": 1280, "height": 900})
        self.phone_shot("alerts-01c-board-silenced-phone")
        # English and dark.
        page.get_by_test_id("language").select_option("en")
        page.emulate_media(color_scheme="dark")
        expect(page.get_by_role("link", name="Silenced").first).to_be_visible()
        self.shot("alerts-01d-board-silenced-en-dark")
        self.phone_shot("alerts-01e-board-silenced-en-dark-phone")
        page.goto(self.server.base + f"/alerts/{silenced[0]['id']}")
        expect(page.get_by_test_id("alert-facts").get_by_role("link", name="Silenced")).to_have_attribute("href", "/alerts/silences")
        self.shot("alerts-07d-silenced-alert-en-dark")
        self.phone_shot("alerts-07e-silenced-alert-en-dark-phone")
        page.emulate_media(color_scheme="light")
        page.get_by_test_id("language").select_option("pt-BR")
        page.goto(self.server.base + "/alerts/silences")
        table = page.get_by_test_id("silence-table")
        row = table.get_by_role("row", name=re.compile("Troca da placa GPON"))
        row.get_by_role("button", name="Encerrar agora: Troca da placa GPON").click()
        expect(table.get_by_role("row", name=re.compile("Troca da placa GPON"))).to_have_count(0)
        page.get_by_role("button", name="Todos", exact=True).click()
        expect(table.get_by_role("row", name=re.compile("Troca da placa GPON"))).to_contain_text("Encerrado")
        self.assertEqual(self.api.get("/api/v1/silences?active=true")["items"], [])
        # A weekly maintenance window over a POP.
        self.section("Manutenções")
        form = page.get_by_test_id("maint-form")
        form.get_by_label("Nome").fill("Janela semanal do POP Bairro Alto")
        form.get_by_label("POP", exact=True).select_option(label="Bairro Alto")
        form.get_by_label("Repetição").select_option("weekly")
        form.get_by_label("Motivo").fill("Manutenção preventiva")
        page.get_by_role("button", name="Criar janela").click()
        row = page.get_by_test_id("maint-table").get_by_role("row", name=re.compile("Janela semanal"))
        expect(row).to_contain_text("POP: Bairro Alto")
        expect(row).to_contain_text("Semanal, até sem data final")
        self.shot("alerts-09-maintenance")
        # Deleting asks first, in place.
        row.get_by_role("button", name="Excluir").click()
        row.get_by_role("alertdialog").get_by_role("button", name="Cancelar").click()
        expect(row).to_be_visible()
        row.get_by_role("button", name="Excluir").click()
        row.get_by_role("alertdialog", name="Excluir a janela Janela semanal do POP Bairro Alto?").get_by_role("button", name="Confirmar").click()
        expect(page.get_by_test_id("maint-table").get_by_role("row", name=re.compile("Janela semanal"))).to_have_count(0)
        self.assertEqual(self.api.get("/api/v1/maintenance-windows")["items"], [])

    def test_04_webhook_channel_with_quiet_hours_and_a_test_delivery(self):
        page = self.page
        self.sign_in(NOC)
        page.goto(self.server.base + "/alerts/channels")
        page.get_by_role("link", name="Novo canal").click()
        form = page.get_by_test_id("channel-form")
        form.get_by_label("Canal").fill("Webhook do NOC")
        form.get_by_label("Tipo").select_option("webhook")
        form.get_by_label("URL").fill(self.receiver.url)
        form.get_by_label("Chave de assinatura").fill("segredo do webhook do NOC")
        form.get_by_label("Severidade mínima").select_option("warning")
        form.get_by_label("Dispositivo").check()
        form.get_by_label("Espera do grupo (s)").fill("10")
        form.get_by_label("Horário de silêncio").check()
        form.get_by_label("Início do silêncio").fill("22:00")
        form.get_by_label("Fim do silêncio").fill("07:00")
        # A mistyped time zone is the API's to refuse: shown at the field.
        form.get_by_label("Fuso horário").fill("America/Sao_Pablo")
        page.get_by_role("button", name="Salvar").click()
        expect(page.get_by_test_id("form-error")).to_contain_text("O servidor recusou o campo «Fuso horário»")
        expect(form.get_by_label("Fuso horário")).to_have_attribute("aria-invalid", "true")
        self.shot("alerts-10-channel-editor-error")
        form.get_by_label("Fuso horário").fill("America/Sao_Paulo")
        page.get_by_role("button", name="Salvar").click()
        table = page.get_by_test_id("channel-table")
        row = table.get_by_role("row", name=re.compile("Webhook do NOC"))
        expect(row).to_contain_text("Agrupa por POP, regra, dispositivo · espera 10 s")
        expect(row).to_contain_text("Horário de silêncio 22:00–07:00 (só Crítico passa)")
        stored = [c for c in self.api.get("/api/v1/notification-channels")["items"] if c["name"] == "Webhook do NOC"][0]
        self.assertEqual(stored["pacing"]["quiet_hours"], {"start": "22:00", "end": "07:00", "time_zone": "America/Sao_Paulo", "min_severity": "critical"})
        self.assertEqual(sorted(stored["pacing"]["group_by"]), ["device", "pop", "rule"])
        self.assertEqual(stored["pacing"]["group_wait_seconds"], 10)
        self.assertEqual(stored["channel"]["settings"]["key"], "", "the signing key is never answered")
        # Send a test: the result is shown on the row, and the receiver got a signed request.
        before = len(self.receiver.received)
        row.get_by_role("button", name="Enviar teste para Webhook do NOC").click()
        result = row.get_by_test_id("test-result")
        expect(result).to_be_visible(timeout=20_000)
        expect(result).to_contain_text("Enviado")
        self.assertGreater(len(self.receiver.received), before)
        self.assertIn("x-octoisp-signature", {k.lower() for k in self.receiver.received[-1]["headers"]})
        # A channel whose receiver is down: the failure and its detail are shown.
        down = table.get_by_role("row", name=re.compile("Webhook desligado"))
        down.get_by_role("button", name="Enviar teste para Webhook desligado").click()
        expect(down.get_by_test_id("test-result")).to_contain_text("Falhou", timeout=20_000)
        self.assertTrue(down.get_by_test_id("test-result").locator(".wrap").inner_text().strip())
        self.shot("alerts-11-channels")
        # Editing keeps the stored secret when the field stays empty.
        table.get_by_role("link", name="Webhook do NOC").click()
        expect(form.get_by_label("Chave de assinatura")).to_have_value("")
        expect(form.get_by_text("Deixe vazio para manter o segredo guardado.")).to_be_visible()
        form.get_by_label("Espera do grupo (s)").fill("20")
        page.get_by_role("button", name="Salvar").click()
        expect(table).to_be_visible()
        self.wait_for(lambda: self.api.get(f"/api/v1/notification-channels/{stored['id']}")["pacing"]["group_wait_seconds"] == 20)
        # Alerts in my own e-mail, through the provider's e-mail channel.
        mail = self.api.post("/api/v1/notification-channels", {"name": "E-mail do NOC", "min_severity": "critical",
                                                                "channel": {"type": "email", "settings": {"host": "127.0.0.1", "from_address": "alertas@fibrasul.test",
                                                                                                          "recipients": ["noc@fibrasul.test"]}}})
        page.goto(self.server.base + "/alerts/channels")
        card = page.locator(".card").filter(has=page.get_by_role("heading", name="Alertas no meu e-mail"))
        card.get_by_label("Enviar pelo canal").select_option(label="E-mail do NOC")
        card.get_by_label("A partir de").select_option("warning")
        card.get_by_role("button", name="Receber por e-mail").click()
        mine = card.get_by_test_id("email-subscription")
        expect(mine).to_have_count(1)
        expect(mine.get_by_label("Você recebe por E-mail do NOC, a partir de")).to_have_value("warning")
        self.shot("alerts-11b-email-opt-in")
        owned = [c for c in self.api.get("/api/v1/notification-channels?limit=200")["items"] if c.get("via_channel_id") == mail["id"]]
        self.assertEqual(len(owned), 1)
        self.assertEqual(owned[0]["channel"]["settings"]["recipients"], [NOC])
        self.assertEqual(owned[0]["min_severity"], "warning")
        mine.get_by_role("button", name="Parar de receber").click()
        expect(mine).to_have_count(0)
        self.wait_for(lambda: not [c for c in self.api.get("/api/v1/notification-channels?limit=200")["items"] if c.get("via_channel_id") == mail["id"]])

    def test_05_a_viewer_sees_the_alert_screens_without_write_buttons(self):
        page = self.page
        self.sign_in(VIEWER)
        for path, heading in (("/alerts/rules", "Regras de alerta"), ("/alerts/silences", "Silêncios"),
                              ("/alerts/maintenance", "Janelas de manutenção"), ("/alerts/channels", "Canais de notificação")):
            page.goto(self.server.base + path)
            expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
            expect(page.locator("main table")).to_be_visible()
            expect(page.locator("main form")).to_have_count(0)
            expect(page.locator("main button:not(.btn-small[aria-pressed])").filter(has_text=re.compile("Instalar|Nova|Novo|Criar|Encerrar|Enviar|Excluir"))).to_have_count(0)
            expect(page.get_by_role("switch")).to_have_count(0)
        self.shot("alerts-12-viewer-channels")
        page.goto(self.server.base + f"/incidents/{self.incident['id']}")
        expect(page.get_by_test_id("incident-timeline")).to_be_visible()
        expect(page.get_by_role("button", name="Reconhecer")).to_have_count(0)
        expect(page.get_by_label("Nota")).to_have_count(0)
        # The viewer may not read users: the assignee shows, the picker does not.
        expect(page.get_by_label("Responsável")).to_have_count(0)

    def test_06_english_and_phone_width(self):
        page = self.page
        self.sign_in(NOC)
        page.get_by_test_id("language").select_option("en")
        page.goto(self.server.base + "/alerts/rules")
        expect(page.get_by_role("heading", name="Alert rules")).to_be_visible()
        expect(page.get_by_role("navigation", name="Alert sections").get_by_role("link", name="Channels")).to_be_visible()
        # The dry run and the e-mail card in English, dark.
        page.emulate_media(color_scheme="dark")
        page.get_by_role("link", name="OLT sem dados de CPU").click()
        page.get_by_role("button", name="Test now").click()
        expect(page.get_by_test_id("rule-dry-run")).to_contain_text("1 device(s) in scope · 1 matching now · 0 without data")
        self.shot("alerts-04b-rule-dry-run-en-dark")
        page.goto(self.server.base + "/alerts/channels")
        expect(page.get_by_role("heading", name="Alerts in my e-mail")).to_be_visible()
        self.shot("alerts-14b-channels-en-dark")
        page.emulate_media(color_scheme="light")
        page.get_by_test_id("language").select_option("pt-BR")
        page.set_viewport_size({"width": 360, "height": 780})
        for path in ("/alerts/rules/new", "/alerts/silences", "/alerts/channels/new"):
            page.goto(self.server.base + path)
            page.wait_for_selector("main form")
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            self.assertLessEqual(overflow, 0, f"no horizontal scrolling at 360 px on {path}")
        self.shot("alerts-13-channel-phone")
        page.goto(self.server.base + "/alerts/rules/new")
        page.get_by_test_id("rule-form").get_by_label("Tipo de condição").select_option("reachability")
        page.get_by_role("button", name="Testar agora").click()
        expect(page.get_by_test_id("rule-dry-run")).to_be_visible()
        self.assertLessEqual(page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth"), 0)
        self.shot("alerts-13b-rule-dry-run-phone")
        page.goto(self.server.base + "/alerts/channels")
        expect(page.get_by_role("button", name="Receber por e-mail")).to_be_visible()
        self.assertLessEqual(page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth"), 0,
                             "no horizontal scrolling at 360 px on the channels page")
        self.shot("alerts-13c-channels-phone")
        page.set_viewport_size({"width": 1280, "height": 900})
        page.emulate_media(color_scheme="dark")
        page.goto(self.server.base + "/alerts/channels")
        expect(page.get_by_test_id("channel-table")).to_be_visible()
        self.shot("alerts-14-channels-dark")

    def test_07_a_critical_alert_reaches_this_browser_as_a_push_that_the_service_worker_shows(self):
        page = self.page
        service = PushService().start()
        try:
            self.context.grant_permissions(["notifications"], origin=self.server.base)
            page.add_init_script(service.browser_stub())
            self.sign_in(NOC)
            page.goto(self.server.base + "/alerts/channels")
            card = page.locator(".card").filter(has=page.get_by_role("heading", name="Alertas neste navegador"))
            card.get_by_role("button", name="Ativar notificações").click()
            expect(card).to_contain_text("Ativadas")
            noc = Client(self.server.base).login(NOC, PASSWORD)
            mine = noc.get("/api/v1/me/push-subscriptions")["items"]
            self.assertEqual([m["min_severity"] for m in mine], ["critical"])
            # Told at once rather than after the default 30 s group wait.
            noc.patch(f"/api/v1/me/push-subscriptions/{mine[0]['id']}", {"pacing": {"group_wait_seconds": 0}})

            # A new critical condition: the OLT's memory series is registered and never written.
            self.api.post("/api/v1/metrics/series", {"device_id": self.olt, "metric": "memory", "labels": {}, "kind": "gauge", "unit": "%", "counter_bits": 64})
            self.api.post("/api/v1/alert-rules", {"name": "OLT sem dados de memória", "severity": "critical", "scope": "device", "scope_id": self.olt,
                                                  "condition": {"type": "no_data", "metric": "memory", "window_seconds": 60},
                                                  "for_seconds": 0, "keep_firing_for_seconds": 0})
            deadline = time.time() + 60
            while True:
                headers, plaintext, claims = service.pushes.get(timeout=max(1, deadline - time.time()))
                message = json.loads(plaintext)
                fired = [a for a in self.api.get("/api/v1/alerts?state=all")["items"] if a.get("rule_name") == "OLT sem dados de memória"]
                if fired and message.get("alert_id") == fired[0]["id"]:
                    break
            self.assertEqual(service.refusals, [])
            self.assertEqual(claims["k"], noc.get("/api/v1/push/vapid-public-key")["public_key"])
            self.assertEqual(headers.get("Urgency"), "high", "a critical alert is urgent")
            # The channel speaks Portuguese: the alert's sentence too.
            self.assertEqual(message["title"], "[CRÍTICO] OLT Centro 01 sem dados de memory há 1 min")
            self.assertEqual((message["severity"], message["status"]), ("critical", "firing"))

            # The dashboard's service worker shows it, and keeps a critical one until it is dismissed.
            shown = show_in_service_worker(self.context, page, self.server.base, plaintext)
            self.assertEqual(len(shown), 1, shown)
            self.assertEqual(shown[0]["title"], message["title"])
            self.assertTrue(shown[0]["sticky"], "a firing critical alert stays until dismissed")
            self.assertTrue(shown[0]["url"].startswith("/alerts"), shown[0])
            self.shot("alerts-15-push-subscribed")
        finally:
            service.stop()

    def wait_for(self, condition, timeout=10):
        deadline = time.time() + timeout
        while not condition():
            if time.time() > deadline:
                self.fail("condition not met in time")
            time.sleep(0.2)


if __name__ == "__main__":
    unittest.main()
