"""Setting the platform up without curl, in real Chromium against the real server: the Global Admin's
first run (provider, POP, CPE credential that a simulated CPE then uses, SNMP credential), the provider
admin's POPs, customers and search, the NOC engineer's discovery range run by the real poller against
a real snmpd on 127.0.0.2, and a Viewer who is offered no write control.

Run through scripts/test.sh (or scripts/web-test.sh e2e with the OCTOISP_TEST_* variables set).
Screenshots go to web/tests/screenshots/ (git-ignored)."""

import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import unittest

from playwright.sync_api import expect

from browser import Browser
from server import ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD, Client, Server

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "shared", "fixtures")
ADMIN = "admin@redesul.test"
NOC = "noc@redesul.test"
VIEWER = "viewer@redesul.test"
WRITE_BUTTONS = re.compile(r"^(Criar|Novo|Nova|Salvar|Excluir|Executar|Vincular|Desvincular|Editar|Adicionar|Gerar)")


class FirstRunStory(Browser, unittest.TestCase):
    """A fresh installation: only the first Global Admin exists."""

    @classmethod
    def setUpClass(cls):
        cls.open_story(Server())

    def test_global_admin_sets_up_a_provider_pop_and_credentials_then_a_cpe_registers(self):
        page = self.page
        self.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD, heading="Primeiros passos")
        progress = page.get_by_test_id("setup-progress")
        expect(progress).to_have_text("0 de 4 etapas concluídas")
        expect(page.get_by_test_id("step-pop-state")).to_have_text("Aguardando o provedor")
        # No provider yet: nothing to follow live, so no socket is opened (it would be refused).
        expect(page.get_by_test_id("live")).not_to_have_text("Ao vivo")
        self.shot("setup-01-first-run")
        self.phone_shot("setup-01b-first-run-phone")

        # 1. The provider: the slug follows the name.
        form = page.get_by_test_id("provider-form")
        form.get_by_label("Nome do provedor").fill("Rede Sul Telecom")
        expect(form.get_by_label("Identificador (slug)")).to_have_value("rede-sul-telecom")
        form.get_by_role("button", name="Criar provedor").click()
        expect(page.get_by_test_id("step-provider-state")).to_have_text("Concluída")
        expect(page.get_by_test_id("setup-provider")).to_contain_text("Rede Sul Telecom")
        expect(page.get_by_test_id("provider")).to_have_value(re.compile(r"^[0-9a-f-]{36}$"))
        expect(progress).to_have_text("1 de 4 etapas concluídas")
        expect(page.get_by_test_id("live")).to_have_text("Ao vivo")

        # 2. The first POP.
        form = page.get_by_test_id("pop-form")
        form.get_by_label("Nome").fill("Centro")
        form.get_by_label("Cidade").fill("Pelotas")
        form.get_by_label("UF").fill("RS")
        form.get_by_role("button", name="Criar POP").click()
        expect(page.get_by_test_id("step-pop-state")).to_have_text("Concluída")
        expect(page.get_by_test_id("setup-pops")).to_contain_text("Centro")

        # 3. The CPE credential: the ACS address and the generated password, shown once.
        acs = page.get_by_test_id("acs-url")
        expect(acs).to_contain_text("/cwmp/rede-sul-telecom")
        expect(acs).to_contain_text(":7547")
        form = page.get_by_test_id("cpe-form")
        password = form.get_by_label("Senha").input_value()
        self.assertEqual(len(password), 20)
        form.get_by_role("button", name="Criar credencial").click()
        expect(page.get_by_test_id("step-cpe-state")).to_have_text("Concluída")
        expect(page.get_by_test_id("created-username")).to_have_text("cpe")
        expect(page.get_by_test_id("created-password")).to_have_text(password)
        expect(page.get_by_test_id("created-once")).to_be_visible()
        self.shot("setup-02-cpe-credential")

        # 4. The SNMP credential; its community is never shown back.
        form = page.get_by_test_id("snmp-form")
        form.get_by_label("Nome").fill("Comunidade da rede")
        form.get_by_label("Community").fill("rede-sul-ro")
        form.get_by_role("button", name="Criar credencial SNMP").click()
        expect(page.get_by_test_id("step-snmp-state")).to_have_text("Concluída")
        expect(page.get_by_test_id("setup-snmp")).to_contain_text("Comunidade da rede (v2c)")
        expect(progress).to_have_text("4 de 4 etapas concluídas")
        self.assertNotIn("rede-sul-ro", page.content())
        self.shot("setup-03-done")
        self.phone_shot("setup-03b-done-phone")

        # What the API holds now, and a simulated CPE that uses the address and credential shown.
        provider = self.server.admin.get("/api/v1/providers")["items"][0]
        self.assertEqual(provider["slug"], "rede-sul-telecom")
        api = self.server.admin.acting_in(provider["id"])
        self.assertEqual([p["name"] for p in api.get("/api/v1/pops")["items"]], ["Centro"])
        self.assertEqual([c["username"] for c in api.get("/api/v1/acs/credentials")["items"]], ["cpe"])
        self.assertNotIn("rede-sul-ro", str(api.get("/api/v1/snmp/credentials")))
        model = os.path.abspath(os.path.join(FIXTURES, "tr069", "devices", "device-H199Z.csv"))
        sim = self.server.cpe_sim("rede-sul-telecom", model, "cpe", password)
        self.assertEqual(sim.returncode, 0, sim.stdout + sim.stderr)
        self.assertEqual(api.get("/api/v1/devices")["total"], 1)
        # The ACS gave that CPE a credential of its own; the step still counts the provider-wide one.
        page.reload()
        expect(page.get_by_test_id("setup-cpe-credentials")).to_contain_text("cpe")
        expect(progress).to_have_text("4 de 4 etapas concluídas")

        # In English, dark.
        page.emulate_media(color_scheme="dark")
        page.get_by_test_id("language").select_option("en")
        expect(page.get_by_role("heading", name="First steps", level=1)).to_be_visible()
        expect(progress).to_have_text("4 of 4 steps done")
        self.shot("setup-04-done-en-dark")


# (name, kind, pop, serial, ip)
DEVICES = [
    ("OLT Centro", "olt", "Centro", "HWTC0001", "10.10.0.2"),
    ("ONT 0005", "ont", "Centro", "HWTC0005", "100.64.2.20"),
    ("CPE 0007", "cpe", None, "TPL0007", "100.64.2.22"),
]


class Agent:
    """snmpd (community `public`) on 127.0.0.2, outside the server's own listen address, for discovery
    to find; the package comes with scripts/setup.sh (scripts/peers/snmp.sh uses it too)."""

    HOST = "127.0.0.2"

    def __init__(self):
        snmpd = shutil.which("snmpd") or "/usr/sbin/snmpd"
        if not os.path.exists(snmpd) or not shutil.which("snmpget"):
            raise RuntimeError("snmpd and snmpget are required (scripts/setup.sh installs snmpd and snmp)")
        self.dir = tempfile.mkdtemp(prefix="octoisp-web-snmpd-")
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind((self.HOST, 0))
            self.port = s.getsockname()[1]
        conf = os.path.join(self.dir, "snmpd.conf")
        with open(conf, "w") as f:
            f.write(f"agentAddress udp:{self.HOST}:{self.port}\nrocommunity public 127.0.0.0/8\n"
                    "sysName setup-story-switch\nsysDescr OctoISP set-up story agent\n")
        env = dict(os.environ, SNMP_PERSISTENT_DIR=os.path.join(self.dir, "persist"), MIBS="")
        self.process = subprocess.Popen([snmpd, "-f", "-C", "-c", conf, "-Lf", os.path.join(self.dir, "snmpd.log"),
                                         "-M", "/dev/null", "-I", "-smux", "-p", os.path.join(self.dir, "snmpd.pid")],
                                        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 20
        while time.time() < deadline:
            probe = subprocess.run(["snmpget", "-v2c", "-c", "public", "-t", "0.3", "-r", "0", "-On",
                                    f"{self.HOST}:{self.port}", "1.3.6.1.2.1.1.5.0"], capture_output=True)
            if probe.returncode == 0:
                return
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("snmpd on 127.0.0.2 did not answer")

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


class SetupStories(Browser, unittest.TestCase):
    """A provider with POPs and devices; its admin, a NOC engineer and a Viewer. The poller runs, and
    loopback addresses other than the server's own are allowed as discovery targets."""

    @classmethod
    def setUpClass(cls):
        cls.agent = Agent()
        cls.snmpd_host, cls.snmpd_port = Agent.HOST, str(cls.agent.port)
        try:
            # A probe waits up to 5 s for the agent (1 s by default): a busy machine answers late.
            cls.server = Server(roles="api,acs,poller", env={"OCTOISP_OUTBOUND_DENY": "224.0.0.0/4", "OCTOISP_SNMP_DISCOVERY_TIMEOUT": "5"})
        except Exception:
            cls.agent.stop()
            raise
        try:
            admin = cls.server.admin
            provider = admin.post("/api/v1/providers", {"slug": "rede-sul", "name": "Rede Sul"})["id"]
            api = admin.acting_in(provider)
            cls.pops = {name: api.post("/api/v1/pops", {"name": name, "city": "Pelotas", "state": "RS"})["id"] for name in ("Centro", "Areal")}
            cls.devices = {}
            for name, kind, pop, serial, ip in DEVICES:
                body = {"name": name, "kind": kind, "status": "online", "serial_number": serial, "management_ip": ip}
                if pop:
                    body["pop_id"] = cls.pops[pop]
                cls.devices[name] = api.post("/api/v1/devices", body)["id"]
            api.post("/api/v1/snmp/credentials", {"name": "public", "version": "v2c", "community": "public"})
            for email, role in ((ADMIN, "provider_admin"), (NOC, "noc"), (VIEWER, "viewer")):
                api.post("/api/v1/users", {"email": email, "name": email.split("@")[0], "password": PASSWORD, "role_key": role})
            customer = api.post("/api/v1/customers", {"name": "Escola Municipal", "pop_id": cls.pops["Areal"]})
            cls.customer = customer["id"]
            cls.api = api
            cls.start_browser()
        except Exception:
            print(cls.server.logs())
            cls.server.stop()
            cls.agent.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.stop_browser()
        cls.server.stop()
        cls.agent.stop()

    def test_01_provider_admin_manages_pops_and_customers_and_finds_devices(self):
        page = self.page
        self.sign_in(ADMIN)
        self.nav("Rede")
        expect(page.get_by_role("heading", name="Rede", level=1)).to_be_visible()
        pops = page.get_by_test_id("pop-table")
        expect(pops.locator("tbody tr")).to_have_count(2)
        expect(pops.get_by_role("row", name=re.compile("Centro"))).to_contain_text("2")
        # A POP: create, change, delete.
        page.get_by_role("button", name="Novo POP").click()
        form = page.get_by_test_id("pop-form")
        form.get_by_label("Nome").fill("Fragata")
        form.get_by_label("Código").fill("FRG")
        form.get_by_role("button", name="Salvar").click()
        expect(pops.locator("tbody tr")).to_have_count(3)
        self.shot("setup-10-network")
        pops.get_by_role("link", name="Fragata").click()
        expect(page.get_by_role("heading", name="Fragata", level=1)).to_be_visible()
        form = page.get_by_test_id("pop-form")
        form.get_by_label("Cidade").fill("Pelotas")
        form.get_by_role("button", name="Salvar").click()
        expect(form.get_by_role("status")).to_have_text("Alterações salvas.")
        self.assertEqual(self.api.get("/api/v1/pops?q=Fragata")["items"][0]["city"], "Pelotas")
        # A device brought to this POP from the search below its list.
        page.get_by_label("Vincular dispositivo (busque por serial, IP ou nome)").fill("TPL0007")
        page.get_by_role("button", name="Vincular CPE 0007").click()
        expect(page.get_by_test_id("pop-devices")).to_contain_text("TPL0007")
        self.assertEqual(self.api.get(f"/api/v1/devices/{self.devices['CPE 0007']}")["pop_id"], self.api.get("/api/v1/pops?q=Fragata")["items"][0]["id"])
        page.get_by_role("button", name="Desvincular CPE 0007").click()
        expect(page.get_by_test_id("pop-devices")).to_contain_text("Nenhum dispositivo.")
        form.get_by_role("button", name="Excluir").click()
        page.get_by_role("alertdialog").get_by_role("button", name="Confirmar").click()
        expect(page.get_by_role("heading", name="Rede", level=1)).to_be_visible()
        expect(pops.locator("tbody tr")).to_have_count(2)

        # A customer with its contracted SLA target, and a device of its own.
        page.get_by_role("navigation", name="Seções da rede").get_by_role("link", name="Clientes").click()
        expect(page.get_by_test_id("customer-count")).to_have_text("1 cliente")
        page.get_by_role("button", name="Novo cliente").click()
        form = page.get_by_test_id("customer-form")
        form.get_by_label("Nome").fill("Maria Souza")
        form.get_by_label("CPF/CNPJ").fill("123.456.789-09")
        form.get_by_label("POP").select_option(label="Centro")
        form.get_by_label("Meta de SLA contratada (%)").fill("100,5")
        form.get_by_role("button", name="Salvar").click()
        expect(form.get_by_text("Um percentual maior que 0 e até 100 (ex.: 99,5).")).to_be_visible()
        form.get_by_label("Meta de SLA contratada (%)").fill("99,5")
        form.get_by_role("button", name="Salvar").click()
        expect(page.get_by_role("heading", name=re.compile("Maria Souza"), level=1)).to_be_visible()
        maria = self.api.get("/api/v1/customers?q=maria")["items"][0]
        self.assertEqual(maria["sla_target_percent"], 99.5)
        expect(page.get_by_label("Meta de SLA contratada (%)")).to_have_value("99,5")
        page.get_by_label("Vincular dispositivo (busque por serial, IP ou nome)").fill("HWTC0005")
        page.get_by_role("button", name="Vincular ONT 0005").click()
        expect(page.get_by_test_id("customer-devices")).to_contain_text("HWTC0005")
        self.assertEqual(self.api.get(f"/api/v1/devices/{self.devices['ONT 0005']}")["customer_id"], maria["id"])
        self.shot("setup-11-customer")
        self.phone_shot("setup-11b-customer-phone")

        # The search finds devices by serial, IP, name and customer.
        self.nav("Rede")
        search = page.get_by_label("Buscar em toda a rede")
        hits = page.get_by_test_id("hits-devices")
        for text, device in (("HWTC0001", "OLT Centro"), ("100.64.2.22", "CPE 0007"), ("olt centro", "OLT Centro")):
            search.fill(text)
            expect(hits.locator("tbody tr")).to_have_count(1)
            expect(hits).to_contain_text(device)
        search.fill("souza")
        expect(hits.locator("tbody tr")).to_have_count(1)
        expect(hits.get_by_role("row", name=re.compile("ONT 0005"))).to_contain_text("Maria Souza")
        expect(page.get_by_test_id("hits-customers")).to_contain_text("Maria Souza")
        expect(page).to_have_url(re.compile(r"/network\?q=souza"))
        self.shot("setup-12-search")
        self.phone_shot("setup-12b-search-phone")

    def test_02_noc_engineer_adds_a_discovery_range_and_runs_it(self):
        page = self.page
        self.sign_in(NOC)
        self.nav("Configuração")
        page.get_by_role("navigation", name="Seções da configuração").get_by_role("link", name="Descoberta").click()
        expect(page.get_by_role("heading", name="Descoberta SNMP", level=1)).to_be_visible()
        form = page.get_by_test_id("disc-form")
        form.get_by_label("POP").select_option(label="Centro")
        # Too wide for a sweep: the API's 400 is shown at the field.
        form.get_by_label("Rede (CIDR)").fill("10.0.0.0/8")
        form.get_by_role("button", name="Adicionar faixa").click()
        field_error = form.locator(".field-error")
        expect(field_error).to_contain_text("/20")
        expect(form.get_by_label("Rede (CIDR)")).to_have_attribute("aria-invalid", "true")
        expect(form.get_by_test_id("form-error")).to_contain_text("Rede (CIDR)")
        self.assertEqual(self.api.get("/api/v1/snmp/discovery-ranges")["total"], 0)
        self.shot("setup-20-discovery-error")
        # The test peers' SNMP agent.
        form.get_by_label("Rede (CIDR)").fill(f"{self.snmpd_host}/32")
        form.get_by_label("Porta SNMP").fill(self.snmpd_port)
        form.get_by_label("Repetir a cada (minutos)").fill("60")
        form.get_by_role("button", name="Adicionar faixa").click()
        table = page.get_by_test_id("disc-table")
        row = table.locator("tbody tr").filter(has_text=f"{self.snmpd_host}/32")
        expect(row).to_contain_text("nunca executada")
        expect(row).to_contain_text("a cada 1 h")
        row.get_by_role("button", name="Executar agora").click()
        expect(row.get_by_test_id("disc-result")).to_contain_text("1 encontrados", timeout=60_000)
        self.shot("setup-21-discovery-run")
        self.phone_shot("setup-21b-discovery-phone")
        found = self.api.get(f"/api/v1/devices?q={self.snmpd_host}")["items"]
        self.assertEqual([d["pop_id"] for d in found], [self.pops["Centro"]])

        # An SNMP v3 credential: created, then renamed without retyping its pass phrases.
        page.get_by_role("navigation", name="Seções da configuração").get_by_role("link", name="Credenciais SNMP").click()
        page.get_by_role("button", name="Nova credencial").click()
        form = page.get_by_test_id("snmp-form")
        form.get_by_label("Nome").fill("Core v3")
        form.get_by_label("Versão").select_option("v3")
        form.get_by_label("Usuário v3").fill("noc")
        form.get_by_label("Autenticação", exact=True).select_option("SHA-256")
        form.get_by_label("Senha de autenticação").fill("auth-pass-1")
        form.get_by_label("Senha de privacidade").fill("priv-pass-1")
        form.get_by_role("button", name="Salvar").click()
        table = page.get_by_test_id("snmp-table")
        expect(table.get_by_role("row", name=re.compile("Core v3"))).to_contain_text("v3 · authPriv SHA-256/AES")
        table.get_by_role("button", name="Editar Core v3").click()
        form = page.get_by_test_id("snmp-form")
        expect(form.get_by_label("Senha de autenticação")).to_have_value("")
        expect(form.get_by_label("Versão")).to_be_disabled()
        form.get_by_label("Nome").fill("Core v3 (backbone)")
        form.get_by_role("button", name="Salvar").click()
        expect(table).to_contain_text("Core v3 (backbone)")
        self.assertNotIn("auth-pass-1", page.content())
        self.shot("setup-22-snmp-credentials")
        self.phone_shot("setup-22b-snmp-credentials-phone")

    def test_03_viewer_is_offered_no_write_control(self):
        page = self.page
        self.sign_in(VIEWER)
        pop = self.pops["Centro"]
        for path, heading in (("/setup", "Primeiros passos"), ("/setup/snmp", "Credenciais SNMP"), ("/setup/discovery", "Descoberta SNMP"),
                              ("/network", "Rede"), ("/network/customers", "Clientes"), (f"/network/pops/{pop}", "Centro"),
                              (f"/network/customers/{self.customer}", "Escola Municipal")):
            page.goto(self.server.base + path)
            expect(page.get_by_role("heading", name=re.compile(heading), level=1)).to_be_visible()
            page.wait_for_load_state("networkidle")
            self.assertEqual(page.get_by_role("button", name=WRITE_BUTTONS).count(), 0, path)
            self.assertEqual(page.locator("button[type=submit]").count(), 0, path)
        # The checklist shows what the Viewer may see, and says what it may not.
        page.goto(self.server.base + "/setup")
        expect(page.get_by_test_id("step-pop-state")).to_have_text("Concluída")
        expect(page.get_by_test_id("step-cpe-state")).to_have_text("Sem acesso")
        self.shot("setup-30-viewer")
        self.phone_shot("setup-30b-viewer-phone")

    def test_04_every_screen_reads_in_english_and_dark_on_desktop_and_phone(self):
        page = self.page
        page.emulate_media(color_scheme="dark")
        self.sign_in(ADMIN)
        page.get_by_test_id("language").select_option("en")
        pop = self.pops["Centro"]
        for path, heading, name in (("/setup", "First steps", "setup-40-checklist-en-dark"),
                                    ("/network", "Network", "setup-41-network-en-dark"),
                                    (f"/network/pops/{pop}", "Centro", "setup-42-pop-en-dark"),
                                    ("/network/customers", "Customers", "setup-43-customers-en-dark"),
                                    (f"/network/customers/{self.customer}", "Escola Municipal", "setup-44-customer-en-dark"),
                                    ("/setup/snmp", "SNMP credentials", "setup-45-snmp-en-dark"),
                                    ("/setup/discovery", "SNMP discovery", "setup-46-discovery-en-dark")):
            page.goto(self.server.base + path)
            expect(page.get_by_role("heading", name=re.compile(heading), level=1)).to_be_visible()
            page.wait_for_load_state("networkidle")
            self.shot(name)
            self.phone_shot(name + "-phone")


if __name__ == "__main__":
    unittest.main()
