"""An answer that already carries the domain's disclaimer in its own words does not get a second one."""

from __future__ import annotations

import pytest

from paramstack.guard import Guard

ALREADY = [
    (
        "medical",
        "Migren sık görülür. Bu bilgiler genel niteliktedir ve tıbbi tavsiye yerine geçmez; "
        "lütfen bir doktora danışın.",
    ),
    ("medical", "Rest and fluids help. This is not medical advice; please see a doctor."),
    ("legal", "Sözleşme feshedilebilir. Bu bilgiler hukuki tavsiye niteliği taşımaz."),
    ("legal", "You may terminate the lease. This is not legal advice."),
]


@pytest.mark.parametrize(("policy", "answer"), ALREADY)
def test_own_disclaimer_is_kept_and_not_doubled(policy, answer):
    guard = Guard.from_policy_name(policy)
    assert guard.validate(answer, "output").text == answer
    stream = guard.stream("output")
    streamed = "".join(stream.feed(answer[i : i + 7]) for i in range(0, len(answer), 7)) + stream.finish()
    assert streamed == answer


@pytest.mark.parametrize(
    ("policy", "phrase"), [("medical", "tıbbi tavsiye yerine geçmez"), ("legal", "hukuki tavsiye niteliği taşımaz")]
)
def test_answers_without_one_still_get_it(policy, phrase):
    result = Guard.from_policy_name(policy).validate("Migren ve sözleşmeler hakkında kısa bir bilgi.", "output")
    assert result.action == "append" and phrase in result.text
