"""The tenant's policy on everything a call brings in, before the model sees it.

- What the caller wrote (system and user turns, each text part): the input checks; masked or blocked.
- What the caller relays from elsewhere (tool results): *untrusted content*, where indirect injection
  hides; the policy's untrusted-content action applies (block, or strip and flag, or annotate).
- All of it joined: a payload split across turns or parts is judged whole.
- Assistant turns are the model's own words (and tool calls it made): not input.
Images, audio and files pass unread: no scanner of this gateway reads them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from paramstack.calls import CallInfo
from paramstack.engine.protocol import ChatMessage
from paramstack.gateway.steps import GuardStep
from paramstack.guard.result import Finding, GuardResult


@dataclass
class InputGuard:
    guard: GuardStep
    call: CallInfo
    policy: str
    findings: list[Finding] = field(default_factory=list)  # collected even when a block ends the call

    def prompt(self, prompt: str) -> str:
        return self._passed(self.guard.check_input(self.call, self.policy, prompt))

    def messages(self, messages: tuple[ChatMessage, ...]) -> tuple[ChatMessage, ...]:
        checked = tuple(self._message(m) for m in messages)
        texts = [m.content for m in checked if m.role != "assistant" and m.content]
        if len(texts) > 1:
            self._passed(self.guard.check_conversation(self.call, self.policy, texts), keep_text=False)
        return checked

    def untrusted(self, text: str) -> str | None:
        """A retrieved document's text as it may be used, or None when the policy drops it."""
        result = self.guard.check_untrusted(self.call, self.policy, text)
        self.findings.extend(result.findings)
        return None if result.blocked else result.text

    def _message(self, message: ChatMessage) -> ChatMessage:
        if message.role == "assistant":
            return message
        check = self._untrusted_or_block if message.role == "tool" else self._input
        return message.with_text(lambda text: check(text) if text else text)

    def _input(self, text: str) -> str:
        return self._passed(self.guard.check_input(self.call, self.policy, text))

    def _untrusted_or_block(self, text: str) -> str:
        return self._passed(self.guard.check_untrusted(self.call, self.policy, text))

    def _passed(self, result: GuardResult, *, keep_text: bool = True) -> str:
        self.findings.extend(result.findings)
        if result.blocked or (keep_text and result.text is None):
            raise self.guard.blocked(self.policy, result)
        return result.text or ""
