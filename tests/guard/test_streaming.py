"""The streamed output guard: nothing unmasked ever leaves, whatever the chunking."""

from __future__ import annotations

import random

import pytest

from paramstack.errors import ContentBlocked
from paramstack.guard import Guard, GuardRegistry

SECRETS = [
    "ali.veli@example.com",
    "+90 532 123 45 67",
    "10000000146",
    "TR33 0006 1005 1978 6457 8413 26",
    "4111 1111 1111 1111",
    "123-45-6789",
    "192.168.10.20",
]
TEXT = (
    "Müşterinin e-postası ali.veli@example.com ve telefonu +90 532 123 45 67 olarak kayıtlı. "
    "TCKN 10000000146, IBAN TR33 0006 1005 1978 6457 8413 26, kart 4111 1111 1111 1111, "
    "SSN 123-45-6789, IP 192.168.10.20. Başka bir şey var mı?"
)


def run_stream(guard: Guard, chunks: list[str]) -> tuple[list[str], str]:
    stream = guard.stream("output")
    pieces = [stream.feed(chunk) for chunk in chunks]
    pieces.append(stream.finish())
    return pieces, "".join(pieces)


def leaked(pieces: list[str]) -> list[str]:
    """Secrets visible in what was sent, also across piece boundaries."""
    sent = "".join(pieces)
    return [s for s in SECRETS if s in sent or s.replace(" ", "") in sent.replace(" ", "")]


@pytest.mark.parametrize("secret", SECRETS)
def test_pii_split_over_two_chunks_is_masked_at_every_split_point(default_guard: Guard, secret: str) -> None:
    text = f"Kayıt: {secret} tamam."
    expected = default_guard.validate(text, "output").text
    for split in range(1, len(text)):
        pieces, out = run_stream(default_guard, [text[:split], text[split:]])
        assert out == expected, split
        assert not leaked(pieces)


def test_random_chunkings_give_the_same_text_as_validate(default_guard: Guard) -> None:
    expected = default_guard.validate(TEXT, "output").text
    rng = random.Random(11)
    for _ in range(40):
        cuts = sorted(rng.sample(range(1, len(TEXT)), rng.randint(1, 30)))
        chunks = [TEXT[a:b] for a, b in zip([0, *cuts], [*cuts, len(TEXT)], strict=True)]
        pieces, out = run_stream(default_guard, chunks)
        assert out == expected
        assert not leaked(pieces)


def test_token_by_token_stream_findings_point_into_the_whole_output(default_guard: Guard) -> None:
    stream = default_guard.stream("output")
    for ch in TEXT:
        stream.feed(ch)
    stream.finish()
    assert {TEXT[f.start : f.end] for f in stream.findings} == set(SECRETS)
    assert stream.action == "mask"


def test_plain_prose_is_released_with_a_short_hold_back(default_guard: Guard) -> None:
    stream = default_guard.stream("output")
    sent = stream.feed("The weather in Ankara is sunny today and ")
    assert sent.startswith("The weather in Ankara is sunny today")
    rest = stream.feed(" tomorrow it will rain.") + stream.finish()
    assert sent + rest == "The weather in Ankara is sunny today and  tomorrow it will rain."


def test_toxic_output_raises_content_blocked(default_guard: Guard) -> None:
    stream = default_guard.stream("output")
    with pytest.raises(ContentBlocked):
        for chunk in ["Well, ", "shut up, ", "you pathetic ", "idiot. ", "Nobody wants you."]:
            stream.feed(chunk)
        stream.finish()
    assert stream.action == "block"
    with pytest.raises(RuntimeError):
        stream.feed("more")


def test_long_digit_run_keeps_memory_bounded_and_masks(default_guard: Guard) -> None:
    stream = default_guard.stream("output", max_pending_chars=512)
    out = []
    numbers = " ".join(str(1000 + i) for i in range(3000))  # no safe boundary for 15 KB
    for i in range(0, len(numbers), 50):
        out.append(stream.feed(numbers[i : i + 50]))
        assert len(stream._pending) <= 512 + 50
    out.append(stream.feed(" card 4111 1111 1111 1111 end "))
    out.append(stream.finish())
    assert "4111 1111 1111 1111" not in "".join(out)
    assert "".join(out).startswith("1000 1001 1002")


def test_disclaimer_follows_the_stream_language(registry: GuardRegistry) -> None:
    guard = registry.get("medical")
    pieces, out = run_stream(guard, ["Baş ağrısı için ", "bol su için ve ", "dinlenin."])
    assert out.endswith(
        "Bu bilgiler tıbbi tavsiye yerine geçmez. Sağlığınızla ilgili kararlar için bir hekime danışın."
    )
    pieces, out = run_stream(guard, ["For a headache, ", "drink water and rest."])
    assert out.endswith("Please consult a doctor about your health.")
    assert out.count("medical advice") == 1


def test_verbatim_reproduction_is_blocked_mid_stream(registry: GuardRegistry) -> None:
    guard = registry.get("legal")
    protected = (
        "explicit consent under the data protection law must be specific, informed and freely given, "
        "and the controller bears the burden of proving that it was obtained. When consent is "
        "withdrawn the controller must stop the processing without delay"
    )
    stream = guard.stream("output")
    with pytest.raises(ContentBlocked):
        for word in ("Our view: " + protected).split(" "):
            stream.feed(word + " ")
        stream.finish()
