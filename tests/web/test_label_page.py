"""A person labels preference pairs in a real headless Chromium, with the keyboard and the mouse; the
labels land in the database and `paramstack rlaif export` writes the human-checked dataset."""

from __future__ import annotations

import json

from playwright.sync_api import expect


def test_a_labelling_session_round_trip(label_gateway, browser_page, tmp_path):
    page = browser_page
    page.goto(f"{label_gateway.root_url}/label/")

    # A tenant key is not enough; the page says so and asks again.
    expect(page.locator("#login")).to_be_visible()
    page.fill("#key", label_gateway.tenants[0]["api_key"])
    page.click("text=Continue")
    expect(page.locator("#login-error")).to_contain_text("admin")
    page.fill("#key", label_gateway.admin_key)
    page.press("#key", "Enter")

    expect(page.locator("#position")).to_have_text("Pair 1 of 4")
    expect(page.locator("#prompt")).to_have_text("What is LoRA?")
    expect(page.locator("#chosen-score")).to_have_text("judge 7.90")
    expect(page.locator("#chosen-criteria")).to_contain_text("accuracy")
    page.keyboard.press("k")  # keep
    expect(page.locator("#position")).to_have_text("Pair 2 of 4")
    expect(page.locator("#progress")).to_have_text("1 / 4 labelled")

    page.keyboard.press("/")  # to the note
    page.keyboard.type("the judge preferred the wrong answer")
    page.keyboard.press("Escape")
    page.keyboard.press("s")  # swap
    expect(page.locator("#position")).to_have_text("Pair 3 of 4")
    # Text is shown as text: the prompt's <script> is not run, the answer's <b> is not bold.
    expect(page.locator("#prompt")).to_have_text("Tell me a joke <script>alert(1)</script>")
    expect(page.locator("#chosen b")).to_have_count(0)
    page.click("#reject")  # the mouse works too
    expect(page.locator("#position")).to_have_text("Pair 4 of 4")

    page.keyboard.press("e")  # edit
    expect(page.locator("#chosen-edit")).to_be_focused()
    page.fill("#chosen-edit", "DPO trains a policy directly on preference pairs, without a reward model.")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#status")).to_have_text("edit")
    expect(page.locator("#chosen")).to_have_text(
        "DPO trains a policy directly on preference pairs, without a reward model."
    )
    expect(page.locator("#progress")).to_have_text("4 / 4 labelled")

    for _ in range(2):
        page.keyboard.press("ArrowLeft")
    page.keyboard.press("p")
    expect(page.locator("#position")).to_have_text("Pair 1 of 4")
    expect(page.locator("#status")).to_have_text("keep")
    page.keyboard.press("j")
    expect(page.locator("#status")).to_have_text("swap")  # shown as it will be exported: reversed
    expect(page.locator("#chosen")).to_have_text("KVKK, Türkiye'nin kişisel verileri koruma kanunudur.")
    expect(page.locator("#note")).to_have_value("the judge preferred the wrong answer")

    page.reload()  # the key stays in this tab's sessionStorage; the labels come back from the database
    expect(page.locator("#progress")).to_have_text("4 / 4 labelled")
    page.screenshot(path=str(tmp_path / "labelling.png"))
    page.click("#logout")
    expect(page.locator("#login")).to_be_visible()

    out = tmp_path / "human.jsonl"
    exported = label_gateway.cli("rlaif", "export", "--output", str(out), "--dataset", "review-1", "--json")
    assert exported.returncode == 0, exported.stderr
    counts = json.loads(exported.stdout)
    assert {k: counts[k] for k in ("keep", "swap", "reject", "edit", "written")} == {
        "keep": 1,
        "swap": 1,
        "reject": 1,
        "edit": 1,
        "written": 3,
    }
    rows = {r["metadata"]["prompt_id"]: r for r in map(json.loads, out.read_text().splitlines())}
    assert set(rows) == {"p1", "p2", "p4"}  # the rejected pair is left out
    assert rows["p1"]["chosen"].startswith("LoRA trains") and rows["p1"]["metadata"]["human"]["decision"] == "keep"
    assert rows["p2"]["chosen"] == "KVKK, Türkiye'nin kişisel verileri koruma kanunudur."
    assert rows["p2"]["chosen_score"] == 5.1 and rows["p2"]["metadata"]["human"]["note"].startswith("the judge")
    assert rows["p4"]["chosen"].startswith("DPO trains a policy") and rows["p4"]["rejected"] == "dpo dpo dpo dpo"
