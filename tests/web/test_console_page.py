"""An operator and a tenant use the console in a real headless Chromium against a real `paramstack serve`, with
traffic from the real `openai` client: what they do on the page lands in the database and changes what the
gateway does."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import openai
import pytest
from playwright.sync_api import Page, expect

# The README's picture of the console. Made here; rewritten only when asked (or missing), so that a test run
# leaves the working tree as it was: PARAMSTACK_UPDATE_SCREENSHOTS=1 pytest tests/web/test_console_page.py
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "console.png"


def client(gateway, key: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=gateway.base_url, api_key=key, max_retries=0, timeout=60)


def chat(gateway, key: str) -> bool:
    """One answered call (a tiny random model may well answer with nothing: the call is what counts)."""
    reply = client(gateway, key).chat.completions.create(
        model="paramstack-tiny", messages=[{"role": "user", "content": "hello"}], max_tokens=4
    )
    return reply.object == "chat.completion" and reply.usage is not None and reply.usage.prompt_tokens > 0


def sign_in(page: Page, root: str, key: str) -> None:
    page.goto(f"{root}/console/")
    expect(page.locator("#signin-key")).to_be_focused()  # the keyboard starts where the key goes
    page.keyboard.type(key)
    page.keyboard.press("Enter")
    expect(page.locator("#app")).to_be_visible()


def confirm(page: Page) -> None:
    expect(page.locator("#confirm")).to_be_visible()
    page.click("#confirm-ok")


def chart_totals(page: Page, chart_id: str) -> dict[str, float]:
    """What the chart draws, per series (from Chart.js itself: a canvas has no text to read)."""
    page.wait_for_function("id => window.Chart && Chart.getChart(id)", arg=chart_id)
    return page.evaluate(
        """id => Object.fromEntries(Chart.getChart(id).data.datasets.map(
        d => [d.label, d.data.reduce((a, b) => a + b, 0)]))""",
        chart_id,
    )


def test_an_operator_runs_the_gateway_from_the_console(console_gateway, chromium):
    root = console_gateway.root_url
    page = chromium.new_page(viewport={"width": 1280, "height": 900}, locale="en-US")
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(f"{root}/console/")
    page.fill("#signin-key", "psa-not-a-key")
    page.press("#signin-key", "Enter")
    expect(page.locator("#signin-error")).to_contain_text("Incorrect API key")
    expect(page.locator("#app")).to_be_hidden()
    sign_in(page, root, console_gateway.admin_key)
    expect(page.locator("#page-title")).to_have_text("Overview")

    # A new tenant, through the form: the server's checks show beside the field that is wrong.
    page.click("#nav a[data-page=tenants]")
    page.click("#add-tenant summary")
    page.fill("#tf-org_id", "org_console")
    page.fill("#tf-name", "Console Ltd")
    page.fill("#tf-models", "paramstack-tiny")
    page.fill("#tf-limits-tps", "-3")
    page.click("#tenant-add button[type=submit]")
    expect(page.locator("#tf-limits-tps-error")).to_contain_text("greater than 0")
    expect(page.locator("#tf-limits-tps")).to_be_focused()
    page.fill("#tf-limits-tps", "20")
    page.fill("#tf-pricing-input_per_1k", "ten cents")
    page.click("#tenant-add button[type=submit]")
    expect(page.locator("#tf-pricing-input_per_1k-error")).to_contain_text("not a decimal number")
    page.fill("#tf-pricing-input_per_1k", "0.001")
    page.fill("#tf-guard_policy", "lenient")
    page.click("#tenant-add button[type=submit]")
    expect(page.locator("#tf-guard_policy-error")).to_contain_text("does not exist")
    page.fill("#tf-guard_policy", "default")
    page.click("#tenant-add button[type=submit]")
    expect(page.locator("#tenant-detail h3").first).to_contain_text("Console Ltd (org_console)")

    # A key, shown once; the openai client uses it.
    page.fill("#key-name", "browser")
    page.press("#key-name", "Enter")
    secret = page.locator("#new-key").inner_text()
    assert secret.startswith("psk-")
    for _ in range(3):
        assert chat(console_gateway, secret)
    for org, calls in (("org_ailydian", 2), ("org_legal", 1)):  # other tenants' traffic, in their own series
        for _ in range(calls):
            assert chat(console_gateway, console_gateway.key(org))

    # Its calls are in the usage chart, the table and the CSV.
    page.click("#nav a[data-page=usage]")
    expect(page.locator("#usage-table")).to_contain_text("org_console")
    totals = chart_totals(page, "usage-chart")
    assert totals["org_console"] == 3 and totals["org_legal"] >= 1
    assert page.evaluate("() => Chart.getChart('cost-chart').data.labels") == ["External API", "Self-hosted", "Hybrid"]
    with page.expect_download() as download:
        page.click("#usage-csv")
    assert ",org_console,USD,3," in Path(download.value.path()).read_text(encoding="utf-8")
    picture = page.screenshot()
    assert picture.startswith(b"\x89PNG")
    if os.environ.get("PARAMSTACK_UPDATE_SCREENSHOTS") or not SCREENSHOT.exists():
        SCREENSHOT.parent.mkdir(exist_ok=True)
        SCREENSHOT.write_bytes(picture)

    # Revoke the key: the next call with it is refused.
    page.click("#nav a[data-page=tenants]")
    page.click("button[data-tenant=org_console]")
    page.click("#tenant-detail button[data-revoke]")
    confirm(page)
    expect(page.locator("#tenant-detail table")).to_contain_text("revoked")
    with pytest.raises(openai.AuthenticationError) as refused:
        chat(console_gateway, secret)
    assert refused.value.status_code == 401

    # Roll back the running canary, after confirming.
    page.click("#nav a[data-page=rollouts]")
    rollout = page.locator("section[data-status=running]").first
    expect(rollout).to_contain_text("medical-lora")
    rollout_id = int((rollout.get_attribute("id") or "").removeprefix("rollout-"))
    page.click(f"#rollback-{rollout_id}")
    page.click("#confirm-cancel")  # changing one's mind changes nothing
    expect(page.locator(f"#rollout-{rollout_id}")).to_have_attribute("data-status", "running")
    page.click(f"#rollback-{rollout_id}")
    confirm(page)
    expect(page.locator(f"#rollout-{rollout_id} [data-rollout-status]")).to_have_text("rolled_back · 0%")
    status = console_gateway.cli("canary", "status", str(rollout_id), "--json")
    shown = json.loads(status.stdout)
    assert shown["rollout"]["status"] == "rolled_back" and shown["rollout"]["weight"] == 0
    assert shown["events"][-1]["action"] == "rollback" and "console" in shown["events"][-1]["reason"]

    page.click("#nav a[data-page=audit]")
    expect(page.locator("#audit-verdict")).to_contain_text("verifies")
    changes = page.locator("#audit-changes")
    for action in ("admin:tenant.add", "admin:key.create", "admin:key.revoke", "admin:rollout.rollback"):
        expect(changes).to_contain_text(action)
    expect(changes).to_contain_text(page.locator("#who").inner_text().split("· ")[-1])  # the admin key's id

    # Sign out: back to sign-in, no data on the page, and the session is gone on the server too.
    page.click("#signout")
    expect(page.locator("#signin")).to_be_visible()
    expect(page.locator("#page")).to_be_empty()
    page.reload()
    expect(page.locator("#signin")).to_be_visible()
    assert page.evaluate("() => fetch('/admin/tenants').then(r => r.status)") == 401
    assert errors == []


def test_a_tenant_sees_its_own_tenant_read_only_in_its_language(console_gateway, chromium):
    root = console_gateway.root_url
    org = "org_ailydian"
    assert chat(console_gateway, console_gateway.key(org))
    page = chromium.new_page(viewport={"width": 390, "height": 800}, locale="tr-TR")  # a phone, in Turkish
    page.set_default_timeout(15_000)
    page.goto(f"{root}/console/")
    expect(page.locator("#signin-submit")).to_have_text("Giriş yap")
    sign_in(page, root, console_gateway.key(org))
    expect(page.locator("#who")).to_contain_text(f"kiracı {org}")
    expect(page.locator("#nav a[data-page=rollouts]")).to_be_hidden()
    expect(page.locator("#overview-day")).to_contain_text(org)
    expect(page.locator("#overview-day")).not_to_contain_text("org_medical")

    page.click("#nav a[data-page=tenants]")
    expect(page.locator("#tenant-limits")).to_be_visible()
    expect(page.locator("#tenant-detail")).to_contain_text("psk-")  # the visible prefix of its keys
    expect(page.locator("#tenant-detail")).not_to_contain_text(console_gateway.key(org))  # never the secret
    expect(page.locator("#tenant-detail button")).to_have_count(0)  # read-only: nothing to press

    page.goto(f"{root}/console/#rollouts")
    expect(page.locator("#denied")).to_be_visible()
    statuses = page.evaluate("""() => Promise.all(['/admin/rollouts', '/admin/tenants',
        '/admin/usage/daily?tenant=org_medical', '/admin/tenants/org_medical']
        .map(p => fetch(p).then(r => r.status)))""")
    assert statuses == [403, 403, 404, 404]
    page.click("#nav a[data-page=usage]")
    assert set(chart_totals(page, "usage-chart")) == {org}

    # The keyboard works the buttons: Enter on sign-out.
    page.locator("#signout").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#signin")).to_be_visible()

    # A session that ends while the page is open: the next click goes back to sign-in, and the data goes.
    sign_in(page, root, console_gateway.key(org))
    expect(page.locator("#overview-day")).to_contain_text(org)
    with sqlite3.connect(console_gateway.home / "paramstack.db") as db:
        db.execute("DELETE FROM console_sessions")
    page.click("#nav a[data-page=tenants]")
    expect(page.locator("#signin")).to_be_visible()
    expect(page.locator("#signin-error")).to_have_text("Oturumunuz sona erdi: yeniden giriş yapın.")
    expect(page.locator("#page")).to_be_empty()
