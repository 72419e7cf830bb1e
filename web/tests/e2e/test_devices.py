"""Devices without curl, in real Chromium against the real server: a provider admin creates a device in
the form (a bad address first, refused by the API at its field), edits its tags, finds it by tag,
puts it in a static group and sees a dynamic group follow a tag, then deletes the device after a
confirmation naming it; the admin sets an SNMP-polled device's poll intervals; a Viewer is offered no write control; the new screens in English, dark and at
360 px.

Run through scripts/test.sh (OCTOISP_WEB_STORIES=test_devices.py scripts/test.sh --web).
Screenshots go to web/tests/screenshots/ (git-ignored)."""

import re
import unittest

from playwright.sync_api import expect

from browser import Browser
from server import PASSWORD, APIError, Server

ADMIN = "admin@fibranorte.test"
VIEWER = "viewer@fibranorte.test"
WRITE_BUTTONS = re.compile(r"^(Criar|Novo|Nova|Salvar|Excluir|Editar|Adicionar|Remover|Vincular|Desvincular)")
DEVICES = (
    ("ONT 0001", "ont", "FN0001", "10.20.0.1", ["fibra"]),
    ("ONT 0002", "ont", "FN0002", "10.20.0.2", ["fibra", "vip"]),
    ("OLT Centro", "olt", "FN0100", "10.20.1.1", []),
)


class DeviceStories(Browser, unittest.TestCase):
    """A provider with one POP, three devices (two tagged `fibra`, one `vip`) and a switch polled by SNMP,
    an admin and a Viewer."""

    @classmethod
    def setUpClass(cls):
        cls.open_story(Server(), cls.seed)

    @classmethod
    def seed(cls):
        admin = cls.server.admin
        provider = admin.post("/api/v1/providers", {"slug": "fibra-norte", "name": "Fibra Norte"})["id"]
        api = admin.acting_in(provider)
        cls.pop = api.post("/api/v1/pops", {"name": "Centro", "city": "Belém", "state": "PA"})["id"]
        cls.devices = {}
        for name, kind, serial, ip, tags in DEVICES:
            body = {"name": name, "kind": kind, "status": "online", "serial_number": serial, "management_ip": ip, "pop_id": cls.pop, "tags": tags}
            cls.devices[name] = api.post("/api/v1/devices", body)["id"]
        cls.switch = api.post("/api/v1/snmp/devices", {"address": "127.0.5.9", "pop_id": cls.pop, "name": "Switch Centro"})["device_id"]
        cls.group = api.post("/api/v1/device-groups", {"name": "OLTs", "device_ids": [cls.devices["OLT Centro"]]})["id"]
        for email, role in ((ADMIN, "provider_admin"), (VIEWER, "viewer")):
            api.post("/api/v1/users", {"email": email, "name": email.split("@")[0], "password": PASSWORD, "role_key": role})
        cls.api = api

    def test_01_admin_creates_tags_groups_and_deletes_a_device(self):
        page = self.page
        self.sign_in(ADMIN)
        self.nav("Dispositivos")
        expect(page.get_by_test_id("device-count")).to_have_text("4 dispositivos")
        # Tags are chips in the list.
        expect(page.get_by_test_id("device-table").get_by_role("row", name=re.compile("ONT 0002"))).to_contain_text("vip")

        # 1. A new device: a management address the API refuses, shown at its field; nothing is created.
        page.get_by_role("button", name="Novo dispositivo").click()
        form = page.get_by_test_id("device-form")
        form.get_by_label("Nome").fill("CPE Loja 1")
        form.get_by_label("Tipo").select_option("cpe")
        form.get_by_label("Número de série").fill("LOJA0001")
        form.get_by_label("IP de gerência").fill("10.30.0.300")
        form.get_by_label("POP").select_option(label="Centro")
        tags = form.get_by_role("textbox", name="Tags")
        tags.fill("fibra, loja")
        tags.press("Enter")
        expect(form.get_by_test_id("tag-chips")).to_have_text(re.compile("fibra.*loja"))
        form.get_by_role("button", name="Salvar").click()
        ip = form.get_by_label("IP de gerência")
        expect(ip).to_have_attribute("aria-invalid", "true")
        expect(form.locator(".field-error")).to_have_text("not an IPv4 or IPv6 address")
        expect(form.get_by_test_id("form-error")).to_contain_text("IP de gerência")
        self.assertEqual(self.api.get("/api/v1/devices?q=LOJA0001")["total"], 0)
        self.shot("devices-01-form-field-error")

        # Fixed, it is created and its page opens with the tags.
        ip.fill("10.30.0.30")
        form.get_by_role("button", name="Salvar").click()
        expect(page.get_by_role("heading", name=re.compile("CPE Loja 1"), level=1)).to_be_visible()
        expect(page.get_by_test_id("device-tags")).to_have_text(re.compile("fibra.*loja"))
        created = self.api.get("/api/v1/devices?q=LOJA0001")["items"]
        self.assertEqual(len(created), 1)
        device = created[0]
        self.assertEqual((device["management_ip"], device["pop_id"], device["tags"]), ("10.30.0.30", self.pop, ["fibra", "loja"]))

        # 2. Its tags edited from the device page: one removed, one added.
        page.get_by_role("button", name="Editar").click()
        form = page.get_by_test_id("device-form")
        form.get_by_role("button", name="Remover a tag fibra").click()
        tags = form.get_by_role("textbox", name="Tags")
        tags.fill("vitrine")
        form.get_by_role("button", name="Adicionar tag").click()
        form.get_by_role("button", name="Salvar").click()
        expect(form.get_by_role("status")).to_have_text("Alterações salvas.")
        expect(page.get_by_test_id("device-tags")).to_have_text(re.compile("^loja\\s*vitrine$"))
        self.assertEqual(self.api.get(f"/api/v1/devices/{device['id']}")["tags"], ["loja", "vitrine"])
        self.shot("devices-02-edit-tags")

        # 3. The list filtered by tag, in the URL.
        self.nav("Dispositivos")
        page.get_by_label("Tag", exact=True).fill("fibra")
        expect(page).to_have_url(re.compile(r"tag=fibra"))
        expect(page.get_by_test_id("device-count")).to_have_text("2 dispositivos")
        table = page.get_by_test_id("device-table")
        expect(table.get_by_role("row", name=re.compile("ONT 0001"))).to_be_visible()
        expect(table.get_by_role("row", name=re.compile("CPE Loja 1"))).to_have_count(0)
        page.get_by_label("Tag", exact=True).fill("vitrine")
        expect(page.get_by_test_id("device-count")).to_have_text("1 dispositivos")
        expect(table.get_by_role("row", name=re.compile("CPE Loja 1"))).to_be_visible()
        self.shot("devices-03-tag-filter")

        # 4. A static group with the device in it.
        self.nav("Rede")
        page.get_by_role("navigation", name="Seções da rede").get_by_role("link", name="Grupos").click()
        expect(page.get_by_role("heading", name="Grupos de dispositivos", level=1)).to_be_visible()
        expect(page.get_by_test_id("group-table").get_by_role("row", name=re.compile("OLTs"))).to_contain_text("1")
        page.get_by_role("button", name="Novo grupo").click()
        form = page.get_by_test_id("group-form")
        form.get_by_role("button", name="Salvar").click()
        expect(form.get_by_label("Nome")).to_have_attribute("aria-invalid", "true")
        form.get_by_label("Nome").fill("Lojas")
        form.get_by_label("Descrição").fill("CPEs das lojas")
        form.get_by_role("button", name="Salvar").click()
        expect(page.get_by_role("heading", name=re.compile("Lojas"), level=1)).to_be_visible()
        expect(page.get_by_test_id("group-devices")).to_contain_text("Nenhum dispositivo.")
        page.get_by_label("Adicionar dispositivo (busque por serial, IP ou nome)").fill("Loja")
        page.get_by_role("button", name="Adicionar CPE Loja 1 ao grupo").click()
        expect(page.get_by_test_id("group-devices").get_by_role("row", name=re.compile("CPE Loja 1"))).to_be_visible()
        expect(page.get_by_test_id("group-size")).to_have_text("Dispositivos no grupo: 1")
        expect(page.get_by_test_id("group-candidates")).to_contain_text("já no grupo")
        group = [g for g in self.api.get("/api/v1/device-groups")["items"] if g["name"] == "Lojas"][0]
        self.assertEqual([d["id"] for d in self.api.get(f"/api/v1/device-groups/{group['id']}/devices")["items"]], [device["id"]])
        self.shot("devices-04-static-group")

        # A dynamic group follows a tag; it has no hand-picked members.
        page.get_by_role("link", name="Grupos de dispositivos").click()
        page.get_by_role("button", name="Novo grupo").click()
        form = page.get_by_test_id("group-form")
        form.get_by_label("Nome").fill("Clientes VIP")
        form.get_by_label("Tipo").first.select_option("dynamic")
        form.get_by_role("button", name="Salvar").click()
        expect(form.locator(".field-error")).to_have_text("Um grupo dinâmico precisa de pelo menos um critério.")
        form.get_by_label("Tag").fill("vip")
        form.get_by_role("button", name="Salvar").click()
        expect(page.get_by_role("heading", name=re.compile("Clientes VIP"), level=1)).to_be_visible()
        members = page.get_by_test_id("group-devices")
        expect(members.get_by_role("row", name=re.compile("ONT 0002"))).to_be_visible()
        expect(members.get_by_role("row")).to_have_count(2)
        expect(page.get_by_label("Adicionar dispositivo (busque por serial, IP ou nome)")).to_have_count(0)
        self.shot("devices-05-dynamic-group")

        # 5. The device deleted after a confirmation that names it; the group is empty again.
        page.goto(self.server.base + f"/devices/{device['id']}")
        page.get_by_role("button", name="Editar").click()
        page.get_by_test_id("device-form").get_by_role("button", name="Excluir").click()
        dialog = page.get_by_role("alertdialog")
        expect(dialog).to_contain_text("Excluir o dispositivo «CPE Loja 1»?")
        dialog.get_by_role("button", name="Confirmar").click()
        expect(page.get_by_role("heading", name="Dispositivos", level=1)).to_be_visible()
        expect(page.get_by_test_id("device-count")).to_have_text("4 dispositivos")
        with self.assertRaises(APIError) as missing:
            self.api.get(f"/api/v1/devices/{device['id']}")
        self.assertEqual(missing.exception.status, 404)
        self.assertEqual(self.api.get(f"/api/v1/device-groups/{group['id']}")["device_count"], 0)

    def test_04_admin_sets_a_devices_poll_intervals(self):
        page = self.page
        self.sign_in(ADMIN)
        # A device without SNMP polling has no interval card.
        page.goto(self.server.base + f"/devices/{self.devices['ONT 0001']}?edit=1")
        expect(page.get_by_test_id("device-form")).to_be_visible()
        page.wait_for_load_state("networkidle")
        expect(page.get_by_test_id("polling-form")).to_have_count(0)
        page.goto(self.server.base + f"/devices/{self.switch}?edit=1")
        form = page.get_by_test_id("polling-form")
        interfaces = form.get_by_label("Interfaces")
        expect(interfaces).to_have_attribute("placeholder", "1")
        interfaces.fill("0")
        form.get_by_role("button", name="Salvar").click()
        expect(interfaces).to_have_attribute("aria-invalid", "true")
        expect(form.locator(".field-error")).to_have_text("Minutos inteiros, de 1 a 1440.")
        interfaces.fill("5")
        form.get_by_label("Coletar este dispositivo").uncheck()
        form.get_by_role("button", name="Salvar").click()
        expect(form.get_by_role("status")).to_have_text("Alterações salvas.")
        polling = self.api.get(f"/api/v1/devices/{self.switch}/snmp")
        self.assertEqual((polling["enabled"], polling["interval_overrides"], polling["intervals"]["interfaces"]), (False, {"interfaces": 300}, 300))
        self.shot("devices-06-poll-intervals")
        # Back to the default.
        interfaces.fill("")
        form.get_by_role("button", name="Salvar").click()
        expect(form.get_by_role("status")).to_have_text("Alterações salvas.")
        self.assertEqual(self.api.get(f"/api/v1/devices/{self.switch}/snmp")["interval_overrides"], {})

    def test_02_viewer_is_offered_no_write_control(self):
        page = self.page
        self.sign_in(VIEWER)
        device = self.devices["ONT 0002"]
        for path, heading in (("/devices", "Dispositivos"), (f"/devices/{device}", "ONT 0002"), ("/devices?new=1", "Dispositivos"),
                              (f"/devices/{device}?edit=1", "ONT 0002"), ("/network/groups", "Grupos de dispositivos"),
                              ("/network/groups?new=1", "Grupos de dispositivos"), (f"/network/groups/{self.group}", "OLTs")):
            page.goto(self.server.base + path)
            expect(page.get_by_role("heading", name=re.compile(heading), level=1)).to_be_visible()
            page.wait_for_load_state("networkidle")
            self.assertEqual(page.get_by_role("button", name=WRITE_BUTTONS).count(), 0, path)
            self.assertEqual(page.locator("button[type=submit]").count(), 0, path)
            self.assertEqual(page.get_by_role("textbox", name="Tags").count(), 0, path)
        # What the Viewer reads: the tags as chips, the group's members; the group's fields read-only.
        expect(page.get_by_test_id("group-devices").get_by_role("row", name=re.compile("OLT Centro"))).to_be_visible()
        expect(page.get_by_test_id("group-form").get_by_label("Nome")).to_be_disabled()
        page.goto(self.server.base + f"/devices/{device}")
        expect(page.get_by_test_id("device-tags")).to_have_text(re.compile("fibra\\s*vip"))
        self.shot("devices-10-viewer")
        self.phone_shot("devices-10b-viewer-phone")

    def test_03_screens_in_english_and_dark_on_desktop_and_phone(self):
        page = self.page
        page.emulate_media(color_scheme="dark")
        self.sign_in(ADMIN)
        page.get_by_test_id("language").select_option("en")
        device = self.devices["ONT 0002"]
        for path, heading, name in (("/devices?new=1", "Devices", "devices-20-new-en-dark"),
                                    (f"/devices/{device}?edit=1", "ONT 0002", "devices-21-edit-en-dark"),
                                    ("/devices?tag=fibra", "Devices", "devices-22-tag-filter-en-dark"),
                                    ("/network/groups?new=1", "Device groups", "devices-23-groups-en-dark"),
                                    (f"/network/groups/{self.group}", "OLTs", "devices-24-group-en-dark")):
            page.goto(self.server.base + path)
            expect(page.get_by_role("heading", name=re.compile(heading), level=1)).to_be_visible()
            page.wait_for_load_state("networkidle")
            self.shot(name)
            self.phone_shot(name + "-phone")
        # The form speaks English too.
        page.goto(self.server.base + "/devices?new=1")
        expect(page.get_by_test_id("device-form").get_by_role("button", name="Add tag")).to_be_visible()


if __name__ == "__main__":
    unittest.main()
