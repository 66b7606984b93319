"""The labelling page's JSON API: admin keys only, validated input, OpenAI-shaped errors."""

from __future__ import annotations

import httpx


def test_the_api_needs_an_admin_key_and_validates_labels(label_gateway):
    root = label_gateway.root_url
    page = httpx.get(f"{root}/label/")
    assert page.status_code == 200 and "Preference labelling" in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert httpx.get(f"{root}/label/static/label.js").status_code == 200
    assert httpx.get(f"{root}/label/static/..%2Fstatic%2Findex.html").status_code == 404

    assert httpx.get(f"{root}/label/api/datasets").status_code == 401
    tenant = {"Authorization": f"Bearer {label_gateway.tenants[0]['api_key']}"}
    assert httpx.get(f"{root}/label/api/datasets", headers=tenant).status_code == 403
    admin = {"Authorization": f"Bearer {label_gateway.admin_key}"}
    datasets = httpx.get(f"{root}/label/api/datasets", headers=admin).json()["data"]
    assert [d["pairs"] for d in datasets if d["dataset"] == "review-1"] == [4]

    pairs = httpx.get(f"{root}/label/api/pairs", params={"dataset": "review-1"}, headers=admin).json()["data"]
    pair_id = pairs[0]["id"]
    bad = httpx.put(f"{root}/label/api/pairs/{pair_id}/label", json={"decision": "maybe"}, headers=admin)
    assert bad.status_code == 400 and bad.json()["error"]["type"] == "invalid_request_error"
    empty_edit = httpx.put(
        f"{root}/label/api/pairs/{pair_id}/label", json={"decision": "edit", "chosen": " "}, headers=admin
    )
    assert empty_edit.status_code == 400 and "chosen" in empty_edit.json()["error"]["message"]
    missing = httpx.put(f"{root}/label/api/pairs/999999/label", json={"decision": "keep"}, headers=admin)
    assert missing.status_code == 404
    assert (
        httpx.put(f"{root}/label/api/pairs/{pair_id}/label", json={"decision": "keep"}, headers=tenant).status_code
        == 403
    )
