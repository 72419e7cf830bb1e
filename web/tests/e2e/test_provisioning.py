"""Provisioning in real Chromium against the real server: the NOC writes a template, saves a second
version, reads the diff and rolls back; starts a rollout over a POP whose two simulated CPEs
(`octoisp cpe-sim --listen`) answer the ACS's connection requests and watches it complete on screen;
starts another over a POP whose CPEs are offline and cancels it; runs a dry run and an apply from a
device's page. A Viewer is offered no write control.

Devices register through `octoisp cpe-sim` (BOOTSTRAP sessions against the server's CWMP port), are
placed in POPs through the API, and a job worker (`serve --roles worker`) runs the rollout steps.

Run through scripts/test.sh (or scripts/web-test.sh e2e with the OCTOISP_TEST_* variables set).
Screenshots go to web/tests/screenshots/ (git-ignored)."""

import os
import re
import subprocess
import time
import unittest

from playwright.sync_api import expect

from browser import Browser
from server import PASSWORD, Server, free_port

FIXTURES = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "shared", "fixtures", "tr069", "devices"))
LIVE_MODEL = os.path.join(FIXTURES, "device-H199Z.csv")
OFFLINE_MODEL = os.path.join(FIXTURES, "device-eg8145v5-no-voip.csv")
NOC = "noc@provisiona.test"
VIEWER = "viewer@provisiona.test"
CPE_USER = "cpe-prov"
CPE_PASSWORD = "a long cpe secret"
CR_PASSWORD = "cr secret 4567"
WRITE_BUTTONS = re.compile(r"^(Criar|Novo|Nova|Salvar|Gravar|Excluir|Arquivar|Voltar à|Iniciar|Cancelar implantação|Aplicar)")


class ProvisioningStory(Browser, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.open_story(Server(), cls.seed)

    @classmethod
    def cpe_sim(cls, model, count, listen=False):
        """`count` simulated CPEs of `model`: one BOOTSTRAP session each, or (`listen`) kept up with a
        connection-request listener on 127.2.x.y (ended by the server's stop())."""
        args = [cls.server.binary, "cpe-sim", "--acs", f"http://127.0.0.1:{cls.server.cwmp_port}/cwmp/provisiona",
                "--model", model, "--username", CPE_USER, "--password", CPE_PASSWORD, "--count", str(count)]
        if not listen:
            done = subprocess.run(args, capture_output=True, text=True, timeout=90)
            assert done.returncode == 0, done.stdout + done.stderr
            return
        args += ["--listen", "--cr-port", str(free_port()), "--cr-password", CR_PASSWORD, "--duration", "600"]
        cls.server.workers.append(subprocess.Popen(args, stdout=cls.server.log, stderr=subprocess.STDOUT))

    @classmethod
    def devices(cls, query, count):
        """The devices a search finds once `count` of them have registered (the listening simulator
        registers in the background)."""
        deadline = time.time() + 60
        while True:
            found = cls.api.get(f"/api/v1/devices?q={query}&limit=50")["items"]
            if len(found) >= count or time.time() > deadline:
                break
            time.sleep(0.3)
        assert len(found) == count, f"{query}: {len(found)} devices"
        return found

    @classmethod
    def seed(cls):
        admin = cls.server.admin
        cls.provider = admin.post("/api/v1/providers", {"slug": "provisiona", "name": "Provisiona Telecom"})["id"]
        api = admin.acting_in(cls.provider)
        cls.api = api
        cls.centro = api.post("/api/v1/pops", {"name": "Centro", "city": "Londrina", "state": "PR"})["id"]
        cls.norte = api.post("/api/v1/pops", {"name": "Zona Norte", "city": "Londrina", "state": "PR"})["id"]
        api.post("/api/v1/users", {"email": NOC, "name": "Nico NOC", "password": PASSWORD, "role_key": "noc"})
        api.post("/api/v1/users", {"email": VIEWER, "name": "Vívian Viewer", "password": PASSWORD, "role_key": "viewer"})
        api.post("/api/v1/acs/credentials", {"username": CPE_USER, "password": CPE_PASSWORD})
        api.call("PUT", "/api/v1/acs/connection-request-credentials/default", {"username": "acs", "password": CR_PASSWORD})
        # Three Huawei ONTs that register once and go away (offline), in Zona Norte.
        cls.cpe_sim(OFFLINE_MODEL, 3)
        cls.offline = cls.devices("48575443A94196A5", 3)
        for device in cls.offline:
            api.patch(f"/api/v1/devices/{device['id']}", {"pop_id": cls.norte})
        # Two ZTE routers that stay up and answer connection requests, in Centro.
        cls.cpe_sim(LIVE_MODEL, 2, listen=True)
        cls.live = cls.devices("ZTEYH86LCN20202", 2)
        for device in cls.live:
            api.patch(f"/api/v1/devices/{device['id']}", {"pop_id": cls.centro})
        # Rollout steps are jobs.
        cls.server.worker()

    def test_01_the_noc_writes_a_template_saves_a_version_reads_the_diff_and_rolls_back(self):
        page = self.page
        self.sign_in(NOC)
        self.nav("Provisionamento")
        expect(page.get_by_role("heading", name="Modelos de provisionamento", level=1)).to_be_visible()
        expect(page.get_by_test_id("template-table")).to_contain_text("Nenhum modelo ainda.")
        page.get_by_role("link", name="Novo modelo").click()
        expect(page.get_by_role("heading", name="Novo modelo", level=1)).to_be_visible()
        form = page.get_by_test_id("template-form")
        form.get_by_label("Nome", exact=True).fill("Huawei padrão")
        form.get_by_label("Fabricante").fill("Huawei*")
        form.get_by_label("Configurar a faixa 2.4GHz").check()
        form.get_by_label("SSID 2.4GHz").fill("Provisiona-{{device.serial}}")
        form.get_by_label("Segurança 2.4GHz").select_option("wpa2")
        form.get_by_label("Canal 2.4GHz", exact=True).fill("seis")
        # The form's own checks: the channel, and JSON that does not parse, at its line.
        json_editor = form.get_by_label("Outras configurações (JSON)")
        json_editor.fill('{\n  "ntp": {\n    "enabled": tru\n  }\n}')
        form.get_by_role("button", name="Criar modelo").click()
        expect(form.get_by_text("Use «auto» ou o número do canal.")).to_be_visible()
        expect(form.get_by_text(re.compile(r"^JSON inválido na linha 3"))).to_be_visible()
        # The API's refusal of a key it does not know, shown at the JSON editor's line naming it.
        form.get_by_label("Canal 2.4GHz", exact=True).fill("6")
        json_editor.fill('{\n  "ntp": {\n    "enabled": true,\n    "colour": "azul"\n  }\n}')
        form.get_by_role("button", name="Criar modelo").click()
        expect(form.get_by_test_id("form-error")).to_contain_text("colour")
        expect(form.get_by_text(re.compile(r"^Linha 4 \(ntp\.colour\)"))).to_be_visible()
        self.shot("provisioning-01-template-field-error")
        self.assertEqual(self.api.get("/api/v1/provisioning/templates")["total"], 0)
        json_editor.fill('{\n  "ntp": {"enabled": true, "servers": ["a.ntp.br"]}\n}')
        form.get_by_role("button", name="Criar modelo").click()
        expect(page.get_by_role("heading", name="Huawei padrão", level=1)).to_be_visible()
        expect(page.get_by_text("Versão atual: v1")).to_be_visible()
        template = self.api.get("/api/v1/provisioning/templates")["items"][0]
        self.assertEqual(template["match"], {"manufacturer": "Huawei*"})

        # A second version: a new SSID and a 5 GHz network; the unsaved changes are listed before saving.
        form = page.get_by_test_id("template-form")
        form.get_by_label("SSID 2.4GHz").fill("Provisiona-Nova")
        form.get_by_label("Configurar a faixa 5GHz").check()
        form.get_by_label("SSID 5GHz").fill("Provisiona-5G")
        unsaved = page.get_by_test_id("unsaved-diff")
        expect(unsaved.locator("[data-kind=changed]")).to_contain_text("wifi[0].ssid")
        expect(unsaved.locator("[data-kind=added]")).to_have_count(2)
        form.get_by_label("Nota da versão").fill("SSID novo")
        form.get_by_role("button", name="Gravar nova versão").click()
        expect(page.get_by_text("Versão atual: v2")).to_be_visible()
        diff = page.get_by_test_id("version-diff")
        changed = diff.locator("[data-kind=changed]")
        expect(changed).to_have_count(1)
        expect(changed).to_contain_text("wifi.ssid@2.4GHz")
        expect(changed).to_contain_text("Provisiona-{{device.serial}}")
        expect(changed).to_contain_text("Provisiona-Nova")
        expect(changed.locator(".diff-marker")).to_have_text("~")
        added = diff.locator("[data-kind=added]")
        expect(added.first).to_contain_text("@5GHz")
        expect(added.first.locator(".diff-marker")).to_have_text("+")
        expect(diff).to_contain_text("0 removidos")
        versions = page.get_by_test_id("version-table")
        expect(versions.locator("tbody tr")).to_have_count(2)
        expect(versions).to_contain_text("SSID novo")
        self.shot("provisioning-02-template-diff")

        # Roll back to v1, after confirmation: it comes back as v3, equal to v1.
        versions.get_by_role("button", name="Voltar à v1").click()
        page.get_by_role("alertdialog").get_by_role("button", name="Confirmar").click()
        expect(page.get_by_text("Versão atual: v3")).to_be_visible()
        expect(page.get_by_test_id("version-table")).to_contain_text("Retorno à v1")
        page.get_by_label("De", exact=True).select_option("1")
        page.get_by_label("Para", exact=True).select_option("3")
        expect(page.get_by_test_id("version-diff")).to_have_text("As duas versões são iguais.")
        page.get_by_label("Para", exact=True).select_option("2")
        expect(page.get_by_test_id("version-diff").locator("[data-kind=changed]")).to_have_count(1)
        current = self.api.get(f"/api/v1/provisioning/templates/{template['id']}")
        self.assertEqual(current["version"]["source_version"], 1)
        self.assertEqual(current["version"]["settings"]["wifi"], [{"band": "2.4GHz", "ssid": "Provisiona-{{device.serial}}", "security": "wpa2", "channel": 6}])
        self.shot("provisioning-03-template-rolled-back")
        self.phone_shot("provisioning-03b-template-phone")
        page.emulate_media(color_scheme="dark")
        page.get_by_test_id("language").select_option("en")
        expect(page.get_by_role("heading", name="Versions", exact=True)).to_be_visible()
        expect(page.get_by_test_id("version-diff")).to_contain_text("1 changed")
        self.shot("provisioning-04-template-en-dark")
        self.phone_shot("provisioning-04b-template-en-dark-phone")

        # The device page: the template's dry run for one of the Huawei ONTs, then apply now.
        page.get_by_test_id("language").select_option("pt-BR")
        device = self.offline[0]
        page.goto(self.server.base + f"/devices/{device['id']}?tab=provisioning")
        page.get_by_test_id("dprov-dry-run").click()
        plan = page.get_by_test_id("dprov-diff")
        expect(plan.locator(".diff-row").first).to_be_visible()
        expect(plan).to_contain_text(re.compile(r"WLANConfiguration\.\d+\.SSID"))
        expect(plan).to_contain_text(f"Provisiona-{device['serial_number']}")
        self.shot("provisioning-05-device-dry-run")
        page.get_by_test_id("dprov-apply").click()
        page.get_by_role("alertdialog").get_by_role("button", name="Confirmar").click()
        expect(page.get_by_test_id("dprov-outcome")).to_have_text(re.compile(r"^(Tarefa criada\.|Essas mudanças já estão na fila\.)$"))
        expect(page.get_by_test_id("dprov-facts")).to_contain_text("Huawei padrão v3")
        self.phone_shot("provisioning-05b-device-phone")

    def test_02_a_rollout_over_a_pop_of_live_cpes_completes_on_screen_and_one_over_offline_cpes_is_cancelled(self):
        page = self.page
        self.sign_in(NOC)
        page.goto(self.server.base + "/provisioning/rollouts")
        expect(page.get_by_role("heading", name="Implantações em massa", level=1)).to_be_visible()
        page.get_by_role("button", name="Nova implantação").click()
        form = page.get_by_test_id("rollout-form")
        form.get_by_role("button", name="Iniciar implantação").click()
        expect(form.get_by_text("Obrigatório.").first).to_be_visible()
        form.get_by_label("Nome", exact=True).fill("SSID do Centro")
        form.get_by_label("POP").select_option(label="Centro")
        expect(page.get_by_test_id("rollout-estimate")).to_have_text("Até 2 dispositivos no alvo.")
        form.get_by_label("Novo SSID").fill("Centro-Nova")
        form.get_by_label("Dispositivos por onda").fill("1")
        self.shot("provisioning-06-rollout-form")
        self.phone_shot("provisioning-06b-rollout-form-phone")
        form.get_by_role("button", name="Iniciar implantação").click()
        expect(page.get_by_role("heading", name=re.compile("^SSID do Centro"), level=1)).to_be_visible()
        status = page.get_by_test_id("rollout-status")
        # Two waves of one device each; the simulated CPEs take the SetParameterValues when asked.
        expect(status).to_have_attribute("data-status", "completed", timeout=90_000)
        expect(page.get_by_test_id("rollout-progress")).to_have_attribute("aria-valuenow", "100")
        expect(page.get_by_test_id("count-succeeded")).to_contain_text("2")
        results = page.get_by_test_id("rollout-devices")
        expect(results.locator("tbody tr")).to_have_count(2)
        expect(results).to_contain_text("Sucesso")
        page.get_by_label("Status").select_option("failed")
        expect(results).to_contain_text("Nenhum.")
        page.get_by_label("Status").select_option("")
        self.shot("provisioning-07-rollout-completed")
        rollout = self.api.get("/api/v1/provisioning/rollouts")["items"][0]
        self.assertEqual((rollout["status"], rollout["counts"]["succeeded"], rollout["wave"]), ("completed", 2, 2))

        # Over the offline ONTs: the first wave waits on CPEs that never answer; cancel skips the rest.
        page.goto(self.server.base + "/provisioning/rollouts?new=1")
        form = page.get_by_test_id("rollout-form")
        form.get_by_label("Nome", exact=True).fill("Reinício Zona Norte")
        form.get_by_label("POP").select_option(label="Zona Norte")
        form.get_by_label("Ação").select_option("reboot")
        form.get_by_label("Dispositivos por onda").fill("1")
        form.get_by_role("button", name="Iniciar implantação").click()
        expect(page.get_by_role("heading", name=re.compile("^Reinício Zona Norte"), level=1)).to_be_visible()
        expect(page.get_by_test_id("count-running")).to_contain_text("1", timeout=30_000)
        expect(page.get_by_test_id("count-pending")).to_contain_text("2")
        page.get_by_role("button", name="Cancelar implantação").click()
        dialog = page.get_by_role("alertdialog")
        expect(dialog).to_contain_text("2 pendentes")
        dialog.get_by_role("button", name="Confirmar").click()
        expect(page.get_by_test_id("rollout-status")).to_have_attribute("data-status", "cancelled")
        expect(page.get_by_test_id("count-skipped")).to_contain_text("2")
        expect(page.get_by_role("button", name="Cancelar implantação")).to_have_count(0)
        page.get_by_label("Status").select_option("skipped")
        expect(page.get_by_test_id("rollout-devices").locator("tbody tr")).to_have_count(2)
        self.shot("provisioning-08-rollout-cancelled")
        self.phone_shot("provisioning-08b-rollout-phone")
        page.emulate_media(color_scheme="dark")
        page.get_by_test_id("language").select_option("en")
        expect(page.get_by_test_id("rollout-status")).to_contain_text("Cancelled")
        self.shot("provisioning-09-rollout-en-dark")
        page.goto(self.server.base + "/provisioning/rollouts")
        expect(page.get_by_test_id("rollout-table").locator("tbody tr")).to_have_count(2)
        expect(page.get_by_test_id("rollout-table")).to_contain_text("Completed")
        self.shot("provisioning-10-rollouts-en-dark")
        self.phone_shot("provisioning-10b-rollouts-en-dark-phone")

    def test_03_a_viewer_reads_templates_rollouts_and_device_state_with_no_write_control(self):
        page = self.page
        template = self.api.post("/api/v1/provisioning/templates", {"name": "Só leitura", "match": {"manufacturer": "Nenhum*"},
                                                                     "settings": {"ntp": {"enabled": True}}})["template"]
        self.api.post(f"/api/v1/provisioning/templates/{template['id']}/versions", {"settings": {"ntp": {"enabled": False}}})
        self.sign_in(VIEWER)
        self.nav("Provisionamento")
        expect(page.get_by_test_id("template-table")).to_contain_text("Só leitura")
        self.assert_no_write_controls()
        page.get_by_role("link", name="Só leitura").click()
        expect(page.get_by_text("Somente leitura.")).to_be_visible()
        expect(page.get_by_test_id("version-diff").locator("[data-kind=changed]")).to_contain_text("ntp.enabled")
        expect(page.get_by_label("SSID 2.4GHz")).to_have_count(0)
        expect(page.get_by_label("Nome", exact=True)).to_be_disabled()
        self.assert_no_write_controls()
        page.get_by_role("link", name="Implantações").click()
        expect(page.get_by_role("heading", name="Implantações em massa", level=1)).to_be_visible()
        self.assert_no_write_controls()
        # A forced visit to the new-template page says why, readably.
        page.goto(self.server.base + "/provisioning/templates/new")
        expect(page.get_by_text("Você não tem permissão para isto.")).to_be_visible()
        page.goto(self.server.base + f"/devices/{self.offline[1]['id']}?tab=provisioning")
        expect(page.get_by_test_id("dprov-dry-run")).to_be_visible()
        self.assert_no_write_controls()
        self.shot("provisioning-11-viewer-device")

    def assert_no_write_controls(self):
        page = self.page
        page.wait_for_load_state("networkidle")
        names = [b.inner_text().strip() for b in page.locator("main button, main a.btn").all() if b.is_visible() and b.is_enabled()]
        self.assertEqual([n for n in names if WRITE_BUTTONS.match(n)], [], names)


if __name__ == "__main__":
    unittest.main()
