"""Administering a provider without curl, in real Chromium against the real server: its Provider Admin
creates a user with a password shown once, gives a role and a single permission, that user signs in and
sees only what the role allows, and once disabled cannot sign in; an API key is created, its key (shown
once) works against the API until it is revoked; the roles × permissions matrix and a custom role; CPE
credentials created, rotated and deleted; the audit log shows those actions and the chain intact, then
the broken entry after the database owner rewrites one row. A NOC engineer (read-only here) is offered
no write control and a Viewer's forced visit gets a readable refusal.

Run through scripts/test.sh (or scripts/web-test.sh e2e with the OCTOISP_TEST_* variables set).
Screenshots go to web/tests/screenshots/ (git-ignored)."""

import glob
import json
import os
import re
import time
import unittest
import urllib.error
import urllib.request

from playwright.sync_api import expect

from browser import SHOTS, Browser
from server import PASSWORD, Server, psql

ADMIN = "admin@redenorte.test"
NOC = "noc@redenorte.test"
VIEWER = "viewer@redenorte.test"
NEW_USER = "ana@redenorte.test"
INVITED = "bia@redenorte.test"
WRITE_BUTTONS = re.compile(r"^(Criar|Novo|Nova|Salvar|Excluir|Editar|Revogar|Trocar|Gerar)")
ADMIN_SCREENS = (("/admin/users", "Usuários"), ("/admin/roles", "Perfis e permissões"), ("/admin/api-keys", "Chaves de API"),
                 ("/admin/audit", "Auditoria"), ("/setup/acs", "Credenciais dos CPEs"))


def raw_call(base, method, path, headers, body=None):
    """A call with the given headers only (an API key instead of a session); (status, JSON or None)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method, headers={"Accept": "application/json", "Content-Type": "application/json", **headers})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            text = response.read().decode()
            return response.status, json.loads(text) if text else None
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read().decode() or "null")


def invitation_link(address, timeout=10.0):
    """The invitation link of the newest mail to `address` the test SMTP server decoded."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        found = []
        for name in glob.glob(os.path.join(os.environ["OCTOISP_TEST_SMTP_DECODED"], "*.json")):
            with open(name, encoding="utf-8") as f:
                mail = json.load(f)
            if mail["rcpt_tos"] == [address]:
                found.append((os.path.getmtime(name), mail))
        if found:
            mail = max(found, key=lambda item: item[0])[1]
            match = re.search(r"(http://\S+/invite#\S+)", mail["parts"]["text/plain"])
            if match:
                return mail["subject"], match.group(1)
        time.sleep(0.2)
    raise AssertionError(f"no invitation mail to {address}")


class AdminStories(Browser, unittest.TestCase):
    """A provider with its admin, a NOC engineer and a Viewer, seeded through the API."""

    @classmethod
    def setUpClass(cls):
        cls.open_story(Server(), cls.seed)

    @classmethod
    def seed(cls):
        admin = cls.server.admin
        cls.provider = admin.post("/api/v1/providers", {"slug": "rede-norte", "name": "Rede Norte"})["id"]
        api = admin.acting_in(cls.provider)
        api.post("/api/v1/pops", {"name": "Centro", "city": "Manaus", "state": "AM"})
        api.post("/api/v1/devices", {"name": "OLT Centro", "kind": "olt", "status": "online"})
        for email, role in ((ADMIN, "provider_admin"), (NOC, "noc"), (VIEWER, "viewer")):
            api.post("/api/v1/users", {"email": email, "name": email.split("@")[0].capitalize(), "password": PASSWORD, "role_key": role})
        cls.api = api

    def menu_links(self, page):
        return page.get_by_role("navigation", name="Menu principal").get_by_role("link").all_inner_texts()

    def test_01_provider_admin_creates_a_user_who_sees_only_what_the_role_allows(self):
        page = self.page
        self.sign_in(ADMIN)
        self.nav("Administração")
        expect(page.get_by_role("heading", name="Usuários", level=1)).to_be_visible()
        table = page.get_by_test_id("users-table")
        expect(table).to_contain_text(NOC)

        page.get_by_role("button", name="Novo usuário").click()
        form = page.get_by_test_id("user-form")
        # The Global Admin's role is never offered to a Provider Admin.
        options = form.get_by_label("Perfil").locator("option").all_inner_texts()
        self.assertNotIn("Administrador Global", options)
        self.assertIn("Técnico", options)
        form.get_by_label("Nome").fill("Ana Souza")
        form.get_by_label("E-mail").fill("ana")
        form.get_by_role("button", name="Criar usuário").click()
        expect(form.get_by_text("Digite um e-mail válido.")).to_be_visible()
        form.get_by_label("E-mail").fill(NEW_USER)
        form.get_by_label("Perfil").select_option(label="Visualizador")
        password = form.get_by_label("Senha inicial").input_value()
        self.assertEqual(len(password), 20)
        form.get_by_role("button", name="Criar usuário").click()
        expect(page.get_by_test_id("user-password-value")).to_have_text(password)
        expect(page.get_by_test_id("user-password")).to_contain_text("não será mostrada de novo")
        row = table.get_by_role("row", name=re.compile("Ana Souza"))
        expect(row).to_contain_text("Visualizador")

        # The role: Técnico, plus one permission of its own (reports on demand).
        page.get_by_role("button", name="Já guardei").click()
        expect(page.get_by_test_id("user-password")).to_have_count(0)
        row.get_by_role("button", name="Editar Ana Souza").click()
        edit = page.get_by_test_id("user-edit")
        edit.get_by_label("Perfil").select_option(label="Técnico")
        edit.get_by_text(re.compile(r"Permissões avulsas \(\d+ efetivas\)")).click()
        edit.get_by_test_id("user-grants").get_by_label("Relatórios: Gerar relatórios").check()
        self.shot("admin-01-user-edit")
        edit.get_by_role("button", name="Salvar").click()
        expect(edit).to_have_count(0)
        expect(row).to_contain_text("Técnico")
        expect(row).to_contain_text("+1 / −0")
        user = next(u for u in self.api.get("/api/v1/users?q=ana")["items"] if u["email"] == NEW_USER)
        self.assertEqual((user["role_key"], user["grants"]), ("technician", ["reports.execute"]))
        self.shot("admin-02-users")
        self.phone_shot("admin-02b-users-phone")

        # The new user signs in with that password and sees only what a technician may.
        context = self.browser.new_context(viewport={"width": 1280, "height": 900}, locale="pt-BR", timezone_id="America/Sao_Paulo")
        try:
            other = context.new_page()
            other.goto(self.server.base + "/")
            other.get_by_label("E-mail").fill(NEW_USER)
            other.get_by_label("Senha").fill(password)
            other.get_by_role("button", name="Entrar").click()
            expect(other.get_by_role("heading", name="Visão geral", level=1)).to_be_visible()
            links = self.menu_links(other)
            self.assertIn("Dispositivos", links)
            self.assertIn("Ferramentas", links)
            self.assertNotIn("Administração", links)
            self.assertNotIn("Filas", links)
            other.goto(self.server.base + "/admin/users")
            expect(other.get_by_role("alert").filter(has_text="Você não tem permissão para isto.").first).to_be_visible()
            self.assertEqual(other.get_by_role("button", name=WRITE_BUTTONS).count(), 0)
        finally:
            context.close()

        # Disabled (after a confirmation), the account can no longer sign in.
        row.get_by_role("button", name="Editar Ana Souza").click()
        edit = page.get_by_test_id("user-edit")
        edit.get_by_label("Situação").select_option(label="Desativado")
        edit.get_by_role("button", name="Salvar").click()
        page.get_by_role("alertdialog", name="Desativar Ana Souza? Não poderá mais entrar.").get_by_role("button", name="Confirmar").click()
        expect(row).to_contain_text("Desativado")
        status, body = raw_call(self.server.base, "POST", "/api/v1/auth/login", {}, {"email": NEW_USER, "password": password})
        self.assertEqual(status, 401, body)

    def test_02_an_api_key_is_shown_once_works_and_is_revoked(self):
        page = self.page
        self.sign_in(ADMIN)
        page.goto(self.server.base + "/admin/api-keys")
        expect(page.get_by_role("heading", name="Chaves de API", level=1)).to_be_visible()
        expect(page.get_by_test_id("keys-table")).to_contain_text("Nenhuma chave criada.")
        page.get_by_role("button", name="Nova chave").click()
        form = page.get_by_test_id("key-form")
        form.get_by_label("Nome").fill("ERP Financeiro")
        form.get_by_label("Perfil").select_option(label="Visualizador")
        form.get_by_role("button", name="Criar chave").click()
        value = page.get_by_test_id("api-key-value")
        expect(value).to_have_text(re.compile(r"^oik_"))
        key = value.inner_text()
        expect(page.get_by_test_id("api-key")).to_contain_text("não será mostrada de novo")
        row = page.get_by_test_id("keys-table").get_by_role("row", name=re.compile("ERP Financeiro"))
        expect(row).to_contain_text("Ativa")
        self.shot("admin-10-api-key-created")

        # The key works with a Viewer's permissions: it reads, and a write is refused.
        status, body = raw_call(self.server.base, "GET", "/api/v1/devices", {"Authorization": f"ApiKey {key}"})
        self.assertEqual(status, 200, body)
        self.assertEqual([d["name"] for d in body["items"]], ["OLT Centro"])
        status, body = raw_call(self.server.base, "POST", "/api/v1/pops", {"X-API-Key": key}, {"name": "Norte"})
        self.assertEqual(status, 403, body)

        # The key is not on the page any more once acknowledged; revoked, it stops working.
        page.get_by_role("button", name="Já guardei").click()
        self.assertNotIn(key, page.content())
        row.get_by_role("button", name="Revogar").click()
        page.get_by_role("alertdialog").get_by_role("button", name="Confirmar").click()
        expect(row).to_contain_text("Revogada")
        status, _ = raw_call(self.server.base, "GET", "/api/v1/devices", {"Authorization": f"ApiKey {key}"})
        self.assertEqual(status, 401)
        self.phone_shot("admin-11b-api-keys-phone")

    def test_03_the_matrix_shows_every_role_and_a_custom_role_is_created(self):
        page = self.page
        self.sign_in(ADMIN)
        page.goto(self.server.base + "/admin/roles")
        expect(page.get_by_role("heading", name="Perfis e permissões", level=1)).to_be_visible()
        matrix = page.get_by_test_id("matrix")
        expect(matrix.get_by_role("columnheader", name=re.compile("Técnico"))).to_be_visible()
        expect(matrix.get_by_role("rowheader", name=re.compile("Reiniciar e enviar tarefas"))).to_be_visible()
        # A Viewer reads devices but does not act on them.
        headers = matrix.locator("thead th").all_inner_texts()
        viewer = next(i for i, h in enumerate(headers) if h.startswith("Visualizador"))
        cells = matrix.locator("tr[data-permission='devices.execute'] > *").all_inner_texts()
        self.assertTrue(cells[viewer].startswith("·"), cells)
        cells = matrix.locator("tr[data-permission='devices.read'] > *").all_inner_texts()
        self.assertTrue(cells[viewer].startswith("✓"), cells)

        page.get_by_role("button", name="Novo perfil").click()
        form = page.get_by_test_id("role-form")
        form.get_by_label("Nome").fill("Campo Sul")
        form.get_by_label("Chave").fill("campo_sul")
        form.get_by_role("button", name="Salvar").click()
        expect(form.get_by_text("Escolha ao menos uma.")).to_be_visible()
        picker = form.get_by_test_id("role-permissions")
        picker.get_by_label("Dispositivos: Ver").check()
        picker.get_by_label("Ferramentas: Rodar ferramentas").check()
        form.get_by_role("button", name="Salvar").click()
        expect(page.get_by_test_id("custom-roles")).to_contain_text("Campo Sul")
        expect(matrix.get_by_role("columnheader", name=re.compile("Campo Sul"))).to_be_visible()
        role = next(r for r in self.api.get("/api/v1/roles")["items"] if r["key"] == "campo_sul")
        self.assertEqual(sorted(role["permissions"]), ["devices.read", "tools.execute"])
        self.shot("admin-20-roles")
        self.phone_shot("admin-20b-roles-phone")

    def test_04_cpe_credentials_are_created_rotated_and_deleted(self):
        page = self.page
        self.sign_in(ADMIN)
        self.nav("Configuração")
        page.get_by_role("navigation", name="Seções da configuração").get_by_role("link", name="Credenciais dos CPEs").click()
        expect(page.get_by_role("heading", name="Credenciais dos CPEs", level=1)).to_be_visible()
        page.get_by_role("button", name="Nova credencial").click()
        form = page.get_by_test_id("acs-form")
        form.get_by_label("Usuário").fill("cpe-norte")
        first = form.get_by_label("Senha").input_value()
        form.get_by_role("button", name="Criar credencial").click()
        expect(page.get_by_test_id("acs-password-value")).to_have_text(first)
        row = page.get_by_test_id("acs-table").get_by_role("row", name=re.compile("cpe-norte"))
        expect(row).to_contain_text("Todos os dispositivos")
        row.get_by_role("button", name="Trocar senha").click()
        page.get_by_role("alertdialog").get_by_role("button", name="Confirmar").click()
        value = page.get_by_test_id("acs-password-value")
        expect(value).not_to_have_text(first)
        second = value.inner_text()
        self.assertEqual(len(second), 20)
        self.assertNotEqual(first, second)
        self.shot("admin-30-cpe-credentials")
        self.phone_shot("admin-30b-cpe-credentials-phone")
        row.get_by_role("button", name="Excluir").click()
        page.get_by_role("alertdialog").get_by_role("button", name="Confirmar").click()
        expect(row).to_have_count(0)
        actions = [e["action"] for e in self.api.get("/api/v1/audit?action=cwmp_credential.&limit=10")["items"]]
        self.assertEqual(actions, ["cwmp_credential.delete", "cwmp_credential.update", "cwmp_credential.create"])

    def test_05_the_audit_log_shows_those_actions_and_the_chain_intact(self):
        page = self.page
        self.sign_in(ADMIN)
        page.goto(self.server.base + "/admin/audit")
        expect(page.get_by_role("heading", name="Auditoria", level=1)).to_be_visible()
        total = self.api.get("/api/v1/audit?limit=1")["total"]
        expect(page.get_by_test_id("audit-chain")).to_contain_text(f"Cadeia íntegra ({total} registros)")
        table = page.get_by_test_id("audit-table")
        for action in ("user.create", "user.update", "api_key.create", "api_key.revoke", "role.create"):
            expect(table.locator(f"tr[data-action='{action}']").first).to_be_visible()

        # A target with a page of its own links there.
        device = self.api.get("/api/v1/devices")["items"][0]["id"]
        expect(table.locator("tr[data-action='device.create']").get_by_role("link", name=f"device {device[:8]}")).to_have_attribute("href", f"/devices/{device}")

        # Only user actions, by the Provider Admin.
        filters = page.get_by_test_id("audit-filters")
        filters.get_by_label("Ação").fill("user.")
        filters.get_by_label("Quem").select_option(label=ADMIN)
        filters.get_by_role("button", name="Filtrar").click()
        expect(table.locator("tbody tr")).to_have_count(3)
        self.assertEqual(table.locator("tbody tr").evaluate_all("rows => rows.map(r => r.dataset.action)"), ["user.update", "user.update", "user.create"])
        # The older update is the role change.
        table.locator("tr[data-action='user.update']").last.get_by_role("button", name="Ver").click()
        detail = page.get_by_test_id("audit-detail")
        expect(detail).to_contain_text("technician")
        expect(detail).to_contain_text("viewer")
        expect(detail).to_contain_text(NEW_USER)
        self.shot("admin-40-audit")
        self.phone_shot("admin-40b-audit-phone")

    def test_06_noc_is_offered_no_write_control_and_a_viewer_gets_a_readable_refusal(self):
        page = self.page
        self.sign_in(NOC)
        self.assertIn("Administração", self.menu_links(page))
        for path, heading in ADMIN_SCREENS:
            page.goto(self.server.base + path)
            expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
            page.wait_for_load_state("networkidle")
            self.assertEqual(page.get_by_role("button", name=WRITE_BUTTONS).count(), 0, path)
            self.assertEqual(page.get_by_role("checkbox").count(), 0, path)
        page.goto(self.server.base + "/admin/users")
        expect(page.get_by_test_id("users-table")).to_contain_text(NEW_USER)
        self.shot("admin-50-noc-users")

        context = self.browser.new_context(viewport={"width": 1280, "height": 900}, locale="pt-BR", timezone_id="America/Sao_Paulo")
        try:
            viewer = context.new_page()
            viewer.goto(self.server.base + "/")
            viewer.get_by_label("E-mail").fill(VIEWER)
            viewer.get_by_label("Senha").fill(PASSWORD)
            viewer.get_by_role("button", name="Entrar").click()
            expect(viewer.get_by_role("heading", name="Visão geral", level=1)).to_be_visible()
            self.assertNotIn("Administração", self.menu_links(viewer))
            for path, heading in ADMIN_SCREENS:
                viewer.goto(self.server.base + path)
                expect(viewer.get_by_role("heading", name=heading, level=1)).to_be_visible()
                expect(viewer.get_by_role("alert").filter(has_text="Você não tem permissão para isto.").first).to_be_visible()
                self.assertEqual(viewer.get_by_role("button", name=WRITE_BUTTONS).count(), 0, path)
            viewer.screenshot(path=os.path.join(SHOTS, "admin-51-viewer-refused.png"), full_page=True)
        finally:
            context.close()

    def test_07_every_screen_reads_in_english_and_dark_on_desktop_and_phone(self):
        page = self.page
        page.emulate_media(color_scheme="dark")
        self.sign_in(ADMIN)
        page.get_by_test_id("language").select_option("en")
        for path, heading, name in (("/admin/users", "Users", "admin-60-users-en-dark"),
                                    ("/admin/roles", "Roles and permissions", "admin-61-roles-en-dark"),
                                    ("/admin/api-keys", "API keys", "admin-62-api-keys-en-dark"),
                                    ("/admin/audit", "Audit", "admin-63-audit-en-dark"),
                                    ("/setup/acs", "CPE credentials", "admin-64-cpe-credentials-en-dark")):
            page.goto(self.server.base + path)
            expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
            page.wait_for_load_state("networkidle")
            if path == "/admin/audit":
                expect(page.get_by_test_id("audit-chain")).to_contain_text("Chain intact")
            self.shot(name)
            self.phone_shot(name + "-phone")

    def test_08_a_rewritten_row_shows_as_the_broken_entry(self):
        page = self.page
        # The database owner switches the guard off and rewrites the provider's second entry.
        owner = self.server.env["OCTOISP_OWNER_DATABASE_URL"]
        psql(owner, "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update; "
                    f"UPDATE audit_log SET action = 'pop.nothing' WHERE provider_id = '{self.provider}' AND seq = 2; "
                    "ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update")
        self.sign_in(ADMIN)
        page.goto(self.server.base + "/admin/audit")
        chain = page.get_by_test_id("audit-chain")
        expect(chain).to_contain_text("Cadeia quebrada no registro nº 2")
        expect(chain).to_contain_text("o conteúdo foi alterado")
        self.shot("admin-41-audit-broken")

    def test_09_an_invited_person_chooses_a_password_from_the_emailed_link(self):
        page = self.page
        # The provider's e-mail channel, on the test SMTP server (STARTTLS on its own certificate, AUTH).
        with open(os.environ["OCTOISP_TEST_SMTP_CERT"], encoding="utf-8") as f:
            pem = f.read()
        self.api.post("/api/v1/notification-channels", {"name": "E-mail Rede Norte", "channel": {"type": "email", "settings": {
            "host": os.environ["OCTOISP_TEST_SMTP_HOST"], "port": int(os.environ["OCTOISP_TEST_SMTP_PORT"]), "trusted_certificate_pem": pem,
            "username": os.environ["OCTOISP_TEST_SMTP_USER"], "password": os.environ["OCTOISP_TEST_SMTP_PASSWORD"],
            "from_address": "noc@redenorte.test", "from_name": "Rede Norte", "recipients": ["noc@redenorte.test"]}}})
        self.sign_in(ADMIN)
        page.goto(self.server.base + "/admin/users")
        page.get_by_role("button", name="Novo usuário").click()
        form = page.get_by_test_id("user-form")
        form.get_by_label("Nome").fill("Bia Lima")
        form.get_by_label("E-mail", exact=True).fill(INVITED)
        form.get_by_label("Perfil").select_option(label="Técnico")
        form.get_by_label("Enviar convite por e-mail (a pessoa escolhe a senha)").check()
        expect(form.get_by_label("Senha inicial", exact=True)).to_have_count(0)
        expect(form.get_by_label("Enviar pelo canal de e-mail")).to_have_value(re.compile(r"^[0-9a-f-]{36}$"))
        self.shot("admin-03-user-invite-form")
        form.get_by_role("button", name="Criar e enviar convite").click()
        expect(page.get_by_test_id("user-invited")).to_contain_text(f"Convite enviado para {INVITED}.")
        row = page.get_by_test_id("users-table").get_by_role("row").filter(has_text=INVITED)
        expect(row).to_contain_text("Convidado")
        expect(row.get_by_role("button", name=f"Reenviar convite para {INVITED}")).to_be_visible()
        self.shot("admin-04-user-invited")
        subject, link = invitation_link(INVITED)
        self.assertEqual(subject, "Convite para o OctoISP — Rede Norte")
        self.assertTrue(link.startswith(self.server.base + "/invite#"), link)

        # The person opens the link in a browser of their own.
        context = self.browser.new_context(viewport={"width": 1280, "height": 900}, locale="pt-BR", timezone_id="America/Sao_Paulo")
        try:
            other = context.new_page()
            other.goto(link)
            card = other.get_by_test_id("invitation")
            expect(other.get_by_role("heading", name="Ativar sua conta", level=1)).to_be_visible()
            expect(card).to_contain_text(f"Rede Norte convidou você para o OctoISP. Escolha uma senha para entrar como {INVITED}.")
            expect(card).to_contain_text("Este link vale até")
            card.get_by_label("Nova senha").fill("senha da bia 2026")
            card.get_by_label("Repita a senha").fill("senha da bia 2025")
            card.get_by_role("button", name="Ativar conta").click()
            expect(card).to_contain_text("As senhas não são iguais.")
            card.get_by_label("Repita a senha").fill("senha da bia 2026")
            other.screenshot(path=os.path.join(SHOTS, "admin-05-invitation.png"), full_page=True)
            card.get_by_role("button", name="Ativar conta").click()
            # Back at the sign-in, told what happened, the e-mail filled in.
            expect(other.get_by_role("status")).to_contain_text(f"Conta ativada. Entre com {INVITED} e a senha que você escolheu.")
            expect(other.get_by_label("E-mail")).to_have_value(INVITED)
            self.assertEqual(other.evaluate("location.pathname + location.hash"), "/")
            other.get_by_label("Senha").fill("senha da bia 2026")
            other.get_by_role("button", name="Entrar").click()
            expect(other.get_by_role("heading", name="Visão geral", level=1)).to_be_visible()
            self.assertNotIn("Administração", self.menu_links(other))
            # The link worked once.
            other.goto(link)
            expect(other.get_by_role("alert")).to_contain_text("Este convite não vale mais")
            other.emulate_media(color_scheme="dark")
            other.set_viewport_size({"width": 360, "height": 780})
            other.wait_for_timeout(300)
            other.screenshot(path=os.path.join(SHOTS, "admin-06-invitation-gone-dark-phone.png"), full_page=True)
            self.assertLessEqual(other.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth"), 0)
        finally:
            context.close()
        page.reload()
        expect(page.get_by_test_id("users-table").get_by_role("row").filter(has_text=INVITED)).to_contain_text("Ativo")


if __name__ == "__main__":
    unittest.main()
