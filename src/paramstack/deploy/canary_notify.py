"""Where every rollout decision goes: the tamper-evident audit log and, if configured, a chat webhook.

The webhook body is Slack's incoming-webhook JSON (``text`` plus ``blocks``), which Mattermost, Rocket.Chat
and most chat tools also accept. A webhook that fails is logged and never blocks or reverses a decision;
the audit log is the record that must not be lost, so its failure is raised.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from paramstack.deploy.canary_store import Rollout
from paramstack.registry.names import engine_adapter_name

LOG = logging.getLogger("paramstack.canary")
ICONS = {
    "start": ":rocket:",
    "step": ":arrow_up:",
    "promote": ":white_check_mark:",
    "rollback": ":rotating_light:",
    "fail": ":warning:",
    "hold": ":pause_button:",
}


@dataclass(frozen=True)
class DecisionNotice:
    rollout: Rollout
    action: str
    weight: int
    reason: str
    observed: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        r = self.rollout
        return (
            f"{ICONS.get(self.action, '')} canary {self.action}: {r.org_id}/{r.adapter} "
            f"{r.canary_version} (stable {r.stable_version}) at {self.weight}% - {self.reason}"
        ).strip()

    def slack(self) -> dict[str, Any]:
        figures = ", ".join(f"{k}={v}" for k, v in (self.observed.get("canary") or {}).items())
        blocks: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": self.text}}]
        if figures:
            blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": f"canary: {figures}"}]})
        return {"text": self.text, "blocks": blocks}


class CanaryNotifier:
    def __init__(
        self, audit: Any | None = None, webhook_url: str | None = None, *, client: httpx.AsyncClient | None = None
    ) -> None:
        self._audit = audit  # an attest.AuditLog (append(AuditEntry)); None: no audit trail configured
        self._webhook_url = webhook_url
        self._client = client or httpx.AsyncClient(timeout=5.0)

    async def publish(self, notice: DecisionNotice) -> None:
        self._append_audit(notice)
        if self._webhook_url:
            try:
                response = await self._client.post(self._webhook_url, json=notice.slack())
                response.raise_for_status()
            except httpx.HTTPError as error:
                LOG.warning(
                    "canary webhook failed", extra={"error": type(error).__name__, "rollout": notice.rollout.id}
                )

    async def aclose(self) -> None:
        await self._client.aclose()

    def _append_audit(self, notice: DecisionNotice) -> None:
        if self._audit is None:
            return
        from paramstack.attest.audit import AuditEntry

        rollout = notice.rollout
        self._audit.append(
            AuditEntry(
                request_id=f"canary-{rollout.id}-{uuid.uuid4().hex[:16]}",
                org_id=rollout.org_id,
                model="canary-controller",
                adapter=engine_adapter_name(rollout.adapter, rollout.canary_version),
                status=f"canary:{notice.action}:{notice.weight}"[:32],
            )
        )
