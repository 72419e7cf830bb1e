"""The dashboard's device list budget, driven in real Chromium against the real server.

Started by bench/web-list/run.sh (which starts PostgreSQL, builds octoisp and the bundle and sets the
OCTOISP_TEST_* variables the story harness reads). Two providers in one server: BENCH_DEVICES (50,000)
devices seeded with SQL in batches, and BENCH_BASELINE_DEVICES (100) with the same shape. For each:

- Home's first render over loopback: navigation start → the device counts drawn (budget ≤ 1 s);
- the device list's interactions, each from the user's action to the first frame after the new rows
  are in the page: next page (clicked as soon as a page is drawn, and after 1 s on the page, which
  lets the list's prefetch of the next page land), filter typing (from the debounced navigation; the 300 ms debounce is
  printed apart), sort (a POP chosen first, unmeasured, so every sort is a new query), open a device
  (its page's heading), back to the list (budget p95 ≤ 100 ms);
- the bare API call of the same list page from the same page (fetch + JSON), as the floor.

Every /api/v1 answer is watched: the largest list answer is printed and must stay a page, never
the provider's whole device table."""

import json
import math
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "web", "tests", "e2e"))

from playwright.sync_api import expect, sync_playwright  # noqa: E402

from server import PASSWORD, Server, psql, with_database  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "30"))
BIG = int(os.environ.get("BENCH_DEVICES", "50000"))
SMALL = int(os.environ.get("BENCH_BASELINE_DEVICES", "100"))
SHOTS = os.environ.get("BENCH_SHOTS")  # a folder: screenshots of each provider's list before measuring
BATCH = 5000
PAGE_CAP = 500  # the API's largest page

# In-page helpers: act, then wait (MutationObserver + polling) until `done()` holds, then one frame.
HELPERS = """
window.__bench = {
  settle(done, timeout = 10000) {
    return new Promise((resolve, reject) => {
      const start = performance.now();
      const check = () => {
        if (done()) { requestAnimationFrame(() => resolve(performance.now())); return true; }
        if (performance.now() - start > timeout) { reject(new Error('timeout')); return true; }
        return false;
      };
      if (check()) return;
      const observer = new MutationObserver(() => { if (check()) observer.disconnect(); });
      observer.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
      const poll = setInterval(() => { if (check()) { clearInterval(poll); observer.disconnect(); } }, 5);
    });
  },
  results() { return document.querySelector('[data-testid=device-results]'); },
  ready(previousUrl) {
    const r = this.results();
    return r && r.dataset.url !== previousUrl && r.getAttribute('aria-busy') !== 'true' && r.querySelector('table');
  },
};
"""


def seed(server, provider, count):
    """POPs and `count` devices straight in PostgreSQL (as bench/monitoring's seed), in batches."""
    url = with_database(server.owner_url, server.database)
    scope = f"SELECT set_config('app.provider_id', '{provider}', false);"
    psql(url, scope + f"INSERT INTO pops (provider_id, name) SELECT '{provider}', 'POP ' || lpad(i::text, 2, '0') FROM generate_series(1, 20) i;")
    for start in range(1, count + 1, BATCH):
        end = min(count, start + BATCH - 1)
        psql(url, scope + f"""
            WITH p AS (SELECT array_agg(id ORDER BY name) AS ids FROM pops WHERE provider_id = '{provider}')
            INSERT INTO devices (provider_id, name, kind, vendor, model, serial_number, oui, mac, management_ip, status, pop_id, tags, last_seen_at)
            SELECT '{provider}', 'CPE ' || lpad(i::text, 6, '0'), (ARRAY['cpe', 'ont', 'router'])[1 + i % 3]::text,
                   (ARRAY['Huawei', 'ZTE', 'FiberHome', 'TP-Link', 'Intelbras'])[1 + i % 5],
                   (ARRAY['EG8145V5', 'F670L', 'AN5506', 'EX220', 'WiFiber 121'])[1 + i % 5],
                   'SN' || lpad(to_hex(i * 7919), 10, '0'), '00259E',
                   '00:25:9e:' || lpad(to_hex(i % 256), 2, '0') || ':' || lpad(to_hex((i / 256) % 256), 2, '0') || ':00',
                   ('10.' || (i / 65536) || '.' || ((i / 256) % 256) || '.' || (i % 256))::inet,
                   (ARRAY['online', 'offline', 'pending'])[1 + i % 3], p.ids[1 + i % 20],
                   CASE WHEN i % 10 = 0 THEN ARRAY['fibra', 'vip'] WHEN i % 2 = 0 THEN ARRAY['fibra'] ELSE ARRAY[]::text[] END,
                   now() - (i % 1440) * interval '1 minute'
            FROM generate_series({start}, {end}) AS i, p;""")
    psql(url, "ANALYZE devices; ANALYZE pops;")


def pct(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


class Run:
    def __init__(self, server, browser, email, label):
        self.label = label
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="pt-BR", timezone_id="America/Sao_Paulo")
        self.largest = 0
        self.context.on("response", self.watch)
        self.page = self.context.new_page()
        self.server = server
        page = self.page
        page.goto(server.base + "/")
        page.get_by_label("E-mail").fill(email)
        page.get_by_label("Senha").fill(PASSWORD)
        page.get_by_role("button", name="Entrar").click()
        expect(page.get_by_test_id("card-devices")).to_be_visible(timeout=30000)

    def watch(self, response):
        if "/api/v1/" not in response.url or response.request.method != "GET":
            return
        try:
            body = response.json()
        except Exception:
            return
        if isinstance(body, dict) and isinstance(body.get("items"), list):
            self.largest = max(self.largest, len(body["items"]))

    def home(self):
        """Navigation start → the device total drawn, in a fresh page of the signed-in context."""
        times = []
        for _ in range(RUNS):
            page = self.context.new_page()
            page.goto(self.server.base + "/", wait_until="commit")
            page.wait_for_function("() => { const c = document.querySelector('[data-testid=card-devices] .stat-value'); return c && /\\d/.test(c.textContent); }",
                                   polling="raf", timeout=30000)
            times.append(page.evaluate("performance.now()"))
            page.close()
        return times

    def open_list(self, query=""):
        page = self.page
        page.goto(self.server.base + "/devices" + query)
        page.evaluate(HELPERS)
        expect(page.get_by_test_id("device-table")).to_be_visible(timeout=30000)

    def act(self, action_js):
        """Runs `action_js` (a click) and waits until the list shows a new, loaded query; ms."""
        return self.page.evaluate("""async (action) => {
            const previous = window.__bench.results().dataset.url;
            const t0 = performance.now();
            new Function(action)();
            const t1 = await window.__bench.settle(() => window.__bench.ready(previous));
            return t1 - t0;
        }""", action_js)

    def next_page(self, alternate, pause_ms=0):
        """Pages forward (`alternate`: forward and back); `pause_ms` on each page before the click,
        as a reader would, which gives the list's prefetch of the next page time to land."""
        self.open_list()
        times = []
        for i in range(RUNS):
            if pause_ms:
                self.page.wait_for_timeout(pause_ms)
            label = "Anterior" if alternate and i % 2 else "Próxima"
            times.append(self.act(f"[...document.querySelectorAll('.pager button')].find(b => b.textContent === '{label}').click()"))
        return times

    def filter_typing(self):
        """Types a new term each run; measured from the debounced navigation to the rows drawn."""
        self.open_list()
        page = self.page
        box = page.get_by_label("Buscar")
        after_debounce, from_keystroke = [], []
        for i in range(RUNS):
            term = f"CPE {i % 10}{(i * 7) % 10}"
            if i >= 10:
                term = f"{term}{i % 3}"
            box.fill("")
            page.evaluate("window.__bench.settle(() => true)")
            self.page.evaluate("""() => {
                window.__navAt = null;
                if (!window.__patched) {
                    const replace = history.replaceState.bind(history);
                    history.replaceState = (...args) => { window.__navAt = performance.now(); return replace(...args); };
                    window.__patched = true;
                }
            }""")
            # Clearing the box navigates too (after its debounce): wait for it, unmeasured.
            page.wait_for_function("() => !new URLSearchParams(location.search).has('q')")
            page.wait_for_function("() => { const r = document.querySelector('[data-testid=device-results]'); return r && r.getAttribute('aria-busy') !== 'true'; }")
            result = page.evaluate("""async (term) => {
                const previous = window.__bench.results().dataset.url;
                const input = document.getElementById('device-search');
                const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
                window.__navAt = null;
                const t0 = performance.now();
                setter.call(input, term);
                input.dispatchEvent(new Event('input', { bubbles: true }));
                const t1 = await window.__bench.settle(() => window.__navAt !== null && window.__bench.ready(previous), 15000);
                return [t1 - window.__navAt, t1 - t0];
            }""", term)
            after_debounce.append(result[0])
            from_keystroke.append(result[1])
        return after_debounce, from_keystroke

    def sort(self):
        """A POP chosen (unmeasured), then a column header clicked: every sort is a query not cached yet."""
        page = self.page
        self.open_list()
        pops = page.evaluate("[...document.querySelectorAll('select')].find(s => s.previousElementSibling && s.previousElementSibling.textContent === 'POP').options.length") - 1
        columns = ["Status", "Tipo", "Fabricante / modelo", "Último contato", "Nome"]
        times = []
        for i in range(RUNS):
            pop_index = 1 + (i % pops)
            page.evaluate("""async (index) => {
                const previous = window.__bench.results().dataset.url;
                const select = [...document.querySelectorAll('select')].find(s => s.previousElementSibling && s.previousElementSibling.textContent === 'POP');
                const setter = Object.getOwnPropertyDescriptor(HTMLSelectElement.prototype, 'value').set;
                setter.call(select, select.options[index].value);
                select.dispatchEvent(new Event('change', { bubbles: true }));
                await window.__bench.settle(() => window.__bench.ready(previous), 15000);
            }""", pop_index)
            column = columns[(i // pops) % len(columns)]
            times.append(self.act(f"[...document.querySelectorAll('th button.th-sort')].find(b => b.textContent.startsWith('{column}')).click()"))
        return times

    def open_and_back(self):
        page = self.page
        self.open_list()
        opened, back = [], []
        for i in range(RUNS):
            index = i % 50
            ms = page.evaluate("""async (index) => {
                const link = document.querySelectorAll('[data-testid=device-table] tbody tr td a')[index];
                const name = link.textContent;
                const t0 = performance.now();
                link.click();
                const t1 = await window.__bench.settle(() => { const h = document.querySelector('h1'); return h && h.textContent.startsWith(name) && document.querySelector('[data-testid=identity]'); });
                return t1 - t0;
            }""", index)
            opened.append(ms)
            ms = page.evaluate("""async () => {
                const t0 = performance.now();
                history.back();
                const t1 = await window.__bench.settle(() => document.querySelector('[data-testid=device-table] tbody tr td a'));
                return t1 - t0;
            }""")
            back.append(ms)
        return opened, back

    def bare_api(self):
        """The list's first page fetched from the page with the same token: network + JSON only."""
        return self.page.evaluate("""async (runs) => {
            const tokens = JSON.parse(localStorage.getItem('octoisp.tokens') || 'null');
            const provider = localStorage.getItem('octoisp.provider');
            const headers = { Authorization: 'Bearer ' + (tokens && tokens.access_token) };
            if (provider) headers['X-Provider-Id'] = provider;
            const times = [];
            for (let i = 0; i < runs; i++) {
                const t0 = performance.now();
                const response = await fetch('/api/v1/devices?sort=name&limit=50&offset=' + (i * 50), { headers });
                if (!response.ok) throw new Error('bare API call: ' + response.status);
                await response.json();
                times.push(performance.now() - t0);
            }
            return times;
        }""", RUNS)

    def close(self):
        self.context.close()


def main():
    started = time.time()
    server = Server(roles="api")
    try:
        admin = server.admin
        providers = {}
        for slug, count in (("big", BIG), ("small", SMALL)):
            provider = admin.post("/api/v1/providers", {"slug": f"bench-{slug}", "name": f"Bench {slug}"})["id"]
            api = admin.acting_in(provider)
            api.post("/api/v1/users", {"email": f"noc@{slug}.test", "name": "NOC", "password": PASSWORD, "role_key": "noc"})
            t0 = time.time()
            seed(server, provider, count)
            print(f"seeded {count:,} devices for provider {slug} in {time.time() - t0:.1f} s", flush=True)
            providers[slug] = provider
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
            figures = {}
            largest = 0
            for slug, count in (("big", BIG), ("small", SMALL)):
                run = Run(server, browser, f"noc@{slug}.test", slug)
                if SHOTS:
                    # What the reader sees on this provider's list (its total, the pager): pt-BR light, English dark, and both on a phone.
                    run.open_list()
                    os.makedirs(SHOTS, exist_ok=True)
                    run.page.screenshot(path=os.path.join(SHOTS, f"web-list-{slug}.png"), full_page=True)
                    run.page.get_by_test_id("language").select_option("en")
                    run.page.emulate_media(color_scheme="dark")
                    run.page.wait_for_timeout(300)
                    run.page.screenshot(path=os.path.join(SHOTS, f"web-list-{slug}-en-dark.png"), full_page=True)
                    run.page.set_viewport_size({"width": 360, "height": 780})
                    run.page.wait_for_timeout(300)
                    run.page.screenshot(path=os.path.join(SHOTS, f"web-list-{slug}-en-dark-phone.png"), full_page=True)
                    run.page.get_by_test_id("language").select_option("pt-BR")
                    run.page.emulate_media(color_scheme="light")
                    run.page.wait_for_timeout(300)
                    run.page.screenshot(path=os.path.join(SHOTS, f"web-list-{slug}-phone.png"), full_page=True)
                    run.page.set_viewport_size({"width": 1280, "height": 900})
                results = {"home first render": run.home()}
                results["bare API call (first pages)"] = run.bare_api()
                # The small provider has two pages: its runs go next and back (the second visit of a page is cached).
                results["next page (at once)"] = run.next_page(alternate=slug == "small")
                results["next page (after 1 s on the page)"] = run.next_page(alternate=slug == "small", pause_ms=1000)
                debounced, keystroke = run.filter_typing()
                results["filter typing (after the debounce)"] = debounced
                results["filter typing (from the keystroke)"] = keystroke
                results["sort (new POP + column)"] = run.sort()
                opened, back = run.open_and_back()
                results["open a device"] = opened
                results["back to the list"] = back
                figures[slug] = results
                largest = max(largest, run.largest)
                run.close()
                print(f"measured provider {slug} ({count:,} devices)", flush=True)
            browser.close()
        print()
        print(f"Device list budget: {RUNS} runs per interaction, Chromium over loopback, p50/p95 in ms")
        print(f"{'interaction':40} {'50k p50':>9} {'50k p95':>9} {'100 p50':>9} {'100 p95':>9} {'p95 ratio':>9}  budget")
        for name in figures["big"]:
            big, small = figures["big"][name], figures["small"][name]
            limit = 1000 if name.startswith("home") else None if ("bare" in name or "keystroke" in name) else 100
            budget = "—" if limit is None else f"p95 ≤ {limit} ms: " + ("met" if pct(big, 95) <= limit else "NOT met")
            print(f"{name:40} {statistics.median(big):9.1f} {pct(big, 95):9.1f} {statistics.median(small):9.1f} {pct(small, 95):9.1f} "
                  f"{pct(big, 95) / max(pct(small, 95), 0.001):8.2f}x  {budget}")
        print(f"largest list answer seen: {largest} items (page cap {PAGE_CAP}; the provider has {BIG:,} devices)")
        print(f"total {time.time() - started:.0f} s")
        if largest > PAGE_CAP:
            print("FAIL: a list answer was not paged", file=sys.stderr)
            sys.exit(1)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
