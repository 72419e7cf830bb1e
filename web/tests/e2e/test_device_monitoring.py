"""Device monitoring in real Chromium against the real server: an SNMP device's interface traffic
moving on its page, the device's timeline, and the jobs screen.

Run through scripts/test.sh (or scripts/web-test.sh e2e with the OCTOISP_TEST_* variables set).
The interface inventory and the counter samples are written as the SNMP poller writes them
(`snmp_interfaces` rows, `metric_ingest` samples and the ingest's `metrics` NOTIFY), so the live path
under test is the server's: NOTIFY → live relay → WebSocket `metrics/<series>` → chart."""

import json
import os
import re
import time
import unittest

from playwright.sync_api import expect, sync_playwright

from server import ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD, Client, Server, psql, with_database

SHOTS = os.path.join(os.path.dirname(__file__), "..", "screenshots")
NOC = "noc@monitor.test"
VIEWER = "viewer@monitor.test"
ADMIN = "admin@monitor.test"
MINUTE_MS = 60_000


class DeviceMonitoringStories(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        os.makedirs(SHOTS, exist_ok=True)
        cls.server = Server()
        try:
            cls.seed()
            cls.playwright = sync_playwright().start()
            cls.browser = cls.playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        except Exception:
            print(cls.server.logs())
            cls.server.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.browser.close()
        cls.playwright.stop()
        cls.server.stop()

    @classmethod
    def sql(cls, statements):
        """Runs SQL as the owner inside the provider's tenant (RLS is forced for the owner too)."""
        psql(with_database(cls.server.owner_url, cls.server.database),
             f"SELECT set_config('app.provider_id', '{cls.provider}', false);\n{statements}")

    @classmethod
    def seed(cls):
        admin = cls.server.admin
        cls.provider = admin.post("/api/v1/providers", {"slug": "monitor-net", "name": "Monitor Net"})["id"]
        api = admin.acting_in(cls.provider)
        cls.api = api
        cls.pop = api.post("/api/v1/pops", {"name": "Centro", "city": "Curitiba", "state": "PR"})["id"]
        other_pop = api.post("/api/v1/pops", {"name": "Bairro Alto", "city": "Curitiba", "state": "PR"})["id"]
        cls.olt = api.post("/api/v1/snmp/devices", {"name": "OLT Centro", "address": "127.20.1.1", "pop_id": cls.pop})["device_id"]
        cls.switch = api.post("/api/v1/snmp/devices", {"name": "Switch Bairro", "address": "127.20.1.2", "pop_id": other_pop})["device_id"]
        cls.cpe = api.post("/api/v1/devices", {"name": "CPE Casa Lima", "kind": "cpe", "status": "online", "pop_id": cls.pop,
                                               "serial_number": "ZTEG0101", "management_ip": "100.64.9.10"})["id"]
        api.post("/api/v1/users", {"email": NOC, "name": "Nina NOC", "password": PASSWORD, "role_key": "noc"})
        api.post("/api/v1/users", {"email": ADMIN, "name": "Ada Admin", "password": PASSWORD, "role_key": "provider_admin"})
        api.post("/api/v1/users", {"email": VIEWER, "name": "Vera Viewer", "password": PASSWORD, "role_key": "viewer"})

        def series(metric, if_index):
            octets = "Octets" in metric
            return api.post("/api/v1/metrics/series", {"device_id": cls.olt, "metric": metric, "labels": {"ifIndex": str(if_index)},
                                                       "unit": "octets" if octets else "errors",
                                                       "kind": "counter", "counter_bits": 64 if octets else 32})["id"]
        cls.series = {(m, i): series(m, i) for m in ("ifInOctets", "ifOutOctets") for i in (1, 2)}
        cls.series.update({(m, 1): series(m, 1) for m in ("ifInErrors", "ifOutErrors")})
        s = cls.series
        cls.sql(f"""
            INSERT INTO snmp_interfaces (provider_id, device_id, if_index, name, alias, type, speed_bps, admin_up, oper_status,
                                         counter_bits, in_series_id, out_series_id, in_errors_series_id, out_errors_series_id,
                                         updated_at) VALUES
              ('{cls.provider}', '{cls.olt}', 1, 'ge-0/0/1', 'Uplink Curitiba', 6, 1000000000, true, 1, 64,
               {s['ifInOctets', 1]}, {s['ifOutOctets', 1]}, {s['ifInErrors', 1]}, {s['ifOutErrors', 1]}, now()),
              ('{cls.provider}', '{cls.olt}', 2, 'ge-0/0/2', 'Cliente Padaria', 6, 100000000, true, 2, 64,
               {s['ifInOctets', 2]}, {s['ifOutOctets', 2]}, NULL, NULL, now());
            """)
        # Thirty minutes of one-minute polls: 80 Mbit/s in and 20 Mbit/s out on the uplink (10 MB and
        # 2.5 MB per second), a trickle on the second port, a few errors on the uplink.
        now_ms = int(time.time() * 1000)
        cls.start_ms = now_ms - 30 * MINUTE_MS
        rows = []
        for k in range(30):
            at = cls.start_ms + k * MINUTE_MS
            rows += [(s['ifInOctets', 1], at, k * 600_000_000), (s['ifOutOctets', 1], at, k * 150_000_000),
                     (s['ifInOctets', 2], at, k * 60_000), (s['ifOutOctets', 2], at, k * 30_000),
                     (s['ifInErrors', 1], at, k * 120), (s['ifOutErrors', 1], at, 0)]
        cls.samples(rows)

    @classmethod
    def samples(cls, rows):
        """Writes counter samples and announces the batch as the ingest does (the `metrics` NOTIFY)."""
        values = ", ".join(f"('{cls.provider}', {series}, {at}, {value})" for series, at, value in rows)
        event = json.dumps({"provider_id": cls.provider, "topic": "metrics", "data": {"samples": len(rows)}})
        cls.sql(f"INSERT INTO metric_ingest (provider_id, series_id, at_ms, value) VALUES {values};\n"
                f"SELECT pg_notify('octoisp_events', '{event}');")

    def setUp(self):
        self.context = self.browser.new_context(viewport={"width": 1280, "height": 900}, locale="pt-BR",
                                                timezone_id="America/Sao_Paulo", reduced_motion="reduce")
        self.page = self.context.new_page()
        self.console_errors = []
        self.page.on("console", lambda m: self.console_errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.console_errors.append(str(e)))

    def tearDown(self):
        self.context.close()
        expected = ("Failed to load resource", "WebSocket connection to")
        self.assertEqual([e for e in self.console_errors if not any(x in e for x in expected)], [])

    def shot(self, name):
        # From the top: the sticky top bar would otherwise land mid-page in a full-page picture.
        self.page.evaluate("window.scrollTo(0, 0)")
        self.page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)

    def sign_in(self, email):
        page = self.page
        page.goto(self.server.base + "/")
        page.get_by_label("E-mail").fill(email)
        page.get_by_label("Senha").fill(PASSWORD)
        page.get_by_role("button", name="Entrar").click()
        expect(page.get_by_role("navigation", name="Menu principal")).to_be_visible()

    def assert_no_sideways_scroll(self):
        overflow = self.page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        self.assertLessEqual(overflow, 0, "no horizontal scrolling")

    def test_01_the_noc_watches_an_interfaces_traffic_move_without_reload(self):
        page = self.page
        self.sign_in(NOC)
        # Provider → POP → equipment → interface: from another device's page to the OLT's uplink.
        page.goto(self.server.base + f"/devices/{self.switch}?tab=interfaces")
        picker = page.get_by_test_id("equipment-picker")
        picker.get_by_label("POP").select_option(label="Centro")
        picker.get_by_label("Equipamento").select_option(label="OLT Centro (127.20.1.1)")
        expect(page.get_by_role("heading", name=re.compile("OLT Centro"))).to_be_visible()
        table = page.get_by_test_id("interfaces")
        uplink = table.get_by_role("row", name=re.compile(r"ge-0\/0\/1"))
        expect(uplink).to_contain_text("Uplink Curitiba")
        expect(uplink).to_contain_text("Ativa")
        expect(uplink).to_contain_text("1 Gbit")
        expect(uplink).to_contain_text("80 Mbit/s")
        expect(uplink).to_contain_text("20 Mbit/s")
        expect(uplink).to_contain_text("8 %")
        expect(table.get_by_role("row", name=re.compile(r"ge-0\/0\/2"))).to_contain_text("Inativa")
        table.get_by_test_id("iface-1").click()
        chart = page.get_by_test_id("traffic-chart")
        expect(page.get_by_role("heading", name="Tráfego de ge-0/0/1")).to_be_visible()
        expect(chart).to_have_attribute("data-points", "30")
        expect(page.get_by_test_id("errors-chart")).to_be_visible()
        page.wait_for_timeout(300)
        self.shot("30-interfaces-desktop")
        before = chart.get_attribute("data-newest")
        page.evaluate("window.__sameDocument = true")
        # The live socket is subscribed (the connection state says so) before the poll lands.
        expect(page.get_by_test_id("live")).to_have_text("Ao vivo")
        page.wait_for_timeout(500)
        # The next poll: 160 Mbit/s in, 40 Mbit/s out on the uplink.
        at = self.start_ms + 30 * MINUTE_MS
        s = self.series
        self.samples([(s['ifInOctets', 1], at, 29 * 600_000_000 + 1_200_000_000), (s['ifOutOctets', 1], at, 29 * 150_000_000 + 300_000_000),
                      (s['ifInOctets', 2], at, 30 * 60_000), (s['ifOutOctets', 2], at, 30 * 30_000),
                      (s['ifInErrors', 1], at, 30 * 120), (s['ifOutErrors', 1], at, 0)])
        expect(chart).to_have_attribute("data-points", "31", timeout=15_000)
        self.assertNotEqual(chart.get_attribute("data-newest"), before)
        expect(page.get_by_test_id("traffic-newest")).to_contain_text("Rx 160 Mbit/s, Tx 40 Mbit/s")
        # The table's current rates follow (read again at most every 20 s).
        expect(uplink).to_contain_text("160 Mbit/s", timeout=30_000)
        expect(uplink).to_contain_text("16 %")
        self.assertTrue(page.evaluate("window.__sameDocument === true"), "the page was not reloaded")
        # Ranges come from rollups or raw as the metrics API serves them; the choice is in the URL.
        page.get_by_role("button", name="24 h").click()
        expect(page).to_have_url(re.compile("range=24h"))
        expect(chart).not_to_have_attribute("data-points", "0")
        # The technician's phone.
        page.set_viewport_size({"width": 360, "height": 780})
        page.get_by_role("button", name="1 h").click()
        expect(chart).to_have_attribute("data-points", "31")
        page.wait_for_timeout(300)
        self.shot("31-interfaces-phone")
        self.assert_no_sideways_scroll()

    def test_02_a_device_without_snmp_says_so_and_english_reads_well(self):
        page = self.page
        self.sign_in(NOC)
        page.goto(self.server.base + f"/devices/{self.cpe}?tab=interfaces")
        expect(page.get_by_test_id("not-snmp")).to_be_visible()
        page.get_by_test_id("language").select_option("en")
        expect(page.get_by_test_id("not-snmp")).to_contain_text("not monitored over SNMP")
        page.goto(self.server.base + f"/devices/{self.olt}?tab=interfaces&if=2")
        expect(page.get_by_role("heading", name="Traffic of ge-0/0/2")).to_be_visible()
        expect(page.get_by_test_id("interfaces").get_by_role("row", name=re.compile(r"ge-0\/0\/2"))).to_contain_text("Down")
        expect(page.get_by_text("Error counters are not collected for this interface.")).to_be_visible()
        page.get_by_test_id("language").select_option("pt-BR")

    def test_03_a_technician_reads_the_devices_history_and_a_new_task_appears_live(self):
        page = self.page
        first = self.api.post(f"/api/v1/devices/{self.cpe}/tasks", {"type": "reboot"})
        self.sql(f"""
            INSERT INTO device_parameter_changes (provider_id, device_id, path, old_value, new_value, changed_at)
            VALUES ('{self.provider}', '{self.cpe}', 'Device.WiFi.SSID.1.SSID', 'CasaLima', 'CasaLima-5G', now() - interval '2 hours');
            INSERT INTO cwmp_informs (provider_id, device_id, at, events, command_keys, retry_count, remote_ip)
            VALUES ('{self.provider}', '{self.cpe}', now() - interval '3 hours', ARRAY['1 BOOT', '4 VALUE CHANGE'], ARRAY['']::text[], 0, '100.64.9.10');
            """)
        self.sign_in(NOC)
        page.goto(self.server.base + f"/devices/{self.cpe}?tab=timeline")
        timeline = page.get_by_test_id("timeline")
        tasks = timeline.locator('[data-kind="task"]')
        expect(tasks).to_have_count(1)
        expect(tasks.first).to_contain_text("Tarefa reboot")
        expect(tasks.first).to_contain_text("Na fila")
        expect(timeline.locator('[data-kind="parameter_change"]')).to_contain_text("CasaLima-5G")
        expect(timeline.locator('[data-kind="inform"]')).to_contain_text("1 BOOT, 4 VALUE CHANGE")
        # The device's creation is in the audit log, which the NOC may read.
        expect(timeline.locator('[data-kind="audit"]').first).to_contain_text("device.create")
        # Newest first: the task (now) above the parameter change (2 h ago) above the Inform (3 h ago).
        kinds = timeline.locator("li").evaluate_all("items => items.map(i => i.dataset.kind)")
        self.assertLess(kinds.index("task"), kinds.index("parameter_change"))
        self.assertLess(kinds.index("parameter_change"), kinds.index("inform"))
        expect(page.get_by_test_id("live")).to_have_text("Ao vivo")
        page.wait_for_timeout(500)
        # A task created elsewhere shows up without reload.
        page.evaluate("window.__sameDocument = true")
        self.api.post(f"/api/v1/devices/{self.cpe}/tasks", {"type": "factoryReset"})
        expect(tasks).to_have_count(2, timeout=15_000)
        expect(tasks.first).to_contain_text("Tarefa factoryReset")
        self.assertTrue(page.evaluate("window.__sameDocument === true"))
        self.shot("32-timeline-desktop")
        page.get_by_label("Mostrar").select_option(label="Tarefa")
        expect(timeline.locator("li")).to_have_count(2)
        page.set_viewport_size({"width": 360, "height": 780})
        page.get_by_label("Mostrar").select_option(label="Tudo")
        expect(tasks).to_have_count(2)
        expect(timeline.locator('[data-kind="inform"]')).to_be_visible()
        self.shot("33-timeline-phone")
        self.assert_no_sideways_scroll()
        self.assertTrue(first["id"])

    def dead_letter(self, job_type, error):
        self.sql(f"""
            INSERT INTO jobs (id, provider_id, queue, type, payload, state, run_at, attempts, max_attempts, last_error, created_at, dead_at)
            VALUES (gen_random_uuid(), '{self.provider}', 'reports', '{job_type}', '\\x7b7d'::bytea, 'dead', now(), 3, 3,
                    '{error}', now(), now());
            """)

    def test_04_the_admin_retries_one_dead_job_and_discards_another(self):
        page = self.page
        self.dead_letter("reports.render", "SMTP 421: tente mais tarde")
        self.dead_letter("reports.deliver", "webhook 500")
        self.sign_in(ADMIN)
        page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Filas").click()
        expect(page.get_by_role("heading", name="Filas de trabalho")).to_be_visible()
        queues = page.get_by_test_id("job-queues")
        expect(queues.get_by_role("row", name=re.compile("reports"))).to_contain_text("2")
        dead = page.get_by_test_id("dead-letters")
        expect(dead.get_by_role("row")).to_have_count(3)
        self.shot("34-jobs-desktop")
        row = dead.get_by_role("row", name=re.compile("reports.render"))
        expect(row).to_contain_text("SMTP 421")
        row.get_by_test_id("retry").click()
        expect(page.get_by_text("reports.render voltou para a fila.")).to_be_visible()
        expect(dead.get_by_role("row", name=re.compile("reports.render"))).to_have_count(0)
        # The retried job waits in its queue.
        expect(page.get_by_test_id("jobs").get_by_role("row", name=re.compile("reports.render"))).to_contain_text("Na fila")
        other = dead.get_by_role("row", name=re.compile("reports.deliver"))
        other.get_by_test_id("discard").click()
        confirm = page.get_by_role("alertdialog")
        expect(confirm).to_contain_text("Descartar de vez o trabalho reports.deliver?")
        confirm.get_by_role("button", name="Confirmar").click()
        expect(dead.get_by_role("row", name=re.compile("reports.deliver"))).to_have_count(0)
        expect(dead).to_contain_text("Nenhum trabalho morto.")
        # Filters live in the URL.
        page.get_by_label("Estado").select_option(label="Na fila")
        expect(page).to_have_url(re.compile("state=ready"))
        expect(page.get_by_test_id("jobs").get_by_role("row", name=re.compile("reports.render"))).to_be_visible()
        page.set_viewport_size({"width": 360, "height": 780})
        page.wait_for_timeout(200)
        self.shot("35-jobs-phone")
        self.assert_no_sideways_scroll()

    def test_05_a_viewer_sees_no_write_control_and_a_forced_visit_says_why(self):
        page = self.page
        self.sign_in(VIEWER)
        nav = page.get_by_role("navigation", name="Menu principal")
        expect(nav.get_by_role("link", name="Filas")).to_have_count(0)
        page.goto(self.server.base + "/jobs")
        expect(page.get_by_text("Você não tem permissão")).to_be_visible()
        page.goto(self.server.base + f"/devices/{self.olt}?tab=interfaces")
        expect(page.get_by_test_id("interfaces")).to_be_visible()
        page.goto(self.server.base + f"/devices/{self.cpe}?tab=timeline")
        expect(page.get_by_test_id("timeline").locator('[data-kind="task"]').first).to_be_visible()
        # No audit entries without audit.read, and nothing on these screens changes anything.
        expect(page.get_by_test_id("timeline").locator('[data-kind="audit"]')).to_have_count(0)
        expect(page.get_by_label("Mostrar").locator("option", has_text="Auditoria")).to_have_count(0)
        expect(page.get_by_test_id("retry")).to_have_count(0)
        expect(page.get_by_test_id("reboot")).to_have_count(0)
        self.shot("36-viewer-timeline")

    def test_06_the_noc_reads_the_jobs_but_may_not_retry(self):
        page = self.page
        self.dead_letter("reports.archive", "disk full")
        self.sign_in(NOC)
        page.goto(self.server.base + "/jobs")
        dead = page.get_by_test_id("dead-letters")
        expect(dead.get_by_role("row", name=re.compile("reports.archive"))).to_be_visible()
        expect(page.get_by_test_id("retry")).to_have_count(0)
        expect(page.get_by_test_id("discard")).to_have_count(0)
        expect(page.get_by_text("Só quem altera as configurações do provedor")).to_be_visible()

    def test_07_the_new_screens_read_in_english_and_dark_on_desktop_and_phone(self):
        page = self.page
        page.emulate_media(color_scheme="dark")
        self.sign_in(ADMIN)
        page.get_by_test_id("language").select_option("en")
        for path, heading, name in ((f"/devices/{self.olt}?tab=interfaces&if=1", "Traffic of ge-0/0/1", "37-interfaces-en-dark"),
                                    (f"/devices/{self.cpe}?tab=timeline", "Everything that happened to the device", "38-timeline-en-dark"),
                                    ("/jobs", "Job queues", "39-jobs-en-dark")):
            page.goto(self.server.base + path)
            expect(page.get_by_role("heading", name=heading)).to_be_visible()
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(300)
            self.shot(name)
            page.set_viewport_size({"width": 360, "height": 780})
            page.wait_for_timeout(300)
            self.shot(name + "-phone")
            self.assert_no_sideways_scroll()
            page.set_viewport_size({"width": 1280, "height": 900})


if __name__ == "__main__":
    unittest.main()
