"""The Hyperscan prefilter may only skip patterns that cannot match: every verdict stays what ``re`` alone gives.

Checked three ways: on every text the project has (evaluation sets of both splits, classifier data,
regression cases), each text and each of its decoded views; on strings generated *from* each shipped
pattern (hypothesis's ``from_regex``), so every pattern is seen matching; and verdict for verdict
against a guard built without the prefilter.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paramstack.guard import Guard
from paramstack.guard.normalize import NormalizedText, normalize
from paramstack.guard.prefilter import Prefilter
from paramstack.guard.prefilter_syntax import Unrewritable, hyperscan_expression
from paramstack.guard.resources import DATA_DIR, Resources
from paramstack.guard.scanners.injection_patterns import INJECTION_PATTERNS
from paramstack.guard.scanners.jailbreak_patterns import JAILBREAK_PATTERNS

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [
    *sorted((ROOT / "evals" / "guard").glob("*/*.yaml")),
    *sorted(DATA_DIR.glob("*_*.yaml")),
    *sorted((ROOT / "src" / "paramstack" / "guard" / "policies" / "cases").glob("*.yaml")),
]


def _strings(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node] if len(node) > 3 else []
    if isinstance(node, dict):
        return [s for value in node.values() for s in _strings(value)]
    if isinstance(node, list):
        return [s for value in node for s in _strings(value)]
    return []


@pytest.fixture(scope="module")
def corpus() -> list[str]:
    texts = [s for path in SOURCES for s in _strings(yaml.safe_load(path.read_text(encoding="utf-8")))]
    assert len(texts) > 2_000, "the evaluation sets went missing"
    return texts


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> tuple[Prefilter, list[re.Pattern[str]]]:
    resources = Resources(cache_dir=tmp_path_factory.mktemp("cache"))
    prefilter = resources.prefilter()
    return prefilter, list(prefilter.patterns)


def _folded_views(text: str) -> list[NormalizedText]:
    folded = normalize(text)
    return [folded, *(view for _, view in folded.views)]


def test_every_match_of_re_is_a_candidate_on_every_project_text(
    corpus: list[str], shipped: tuple[Prefilter, list[re.Pattern[str]]]
) -> None:
    prefilter, patterns = shipped
    shipped_count = len(JAILBREAK_PATTERNS) + len(INJECTION_PATTERNS) + 2  # + the toxicity lexicon's two levels
    assert len(patterns) == shipped_count, "a shipped pattern is not prefiltered"
    matched = scanned = filtered_out = 0
    for text in corpus:
        for folded in _folded_views(text):
            candidates = prefilter.candidates(folded)
            if candidates is None:  # not ASCII after folding: every pattern runs
                continue
            scanned += 1
            for index, pattern in enumerate(patterns):
                if pattern.search(folded.text):
                    matched += 1
                    assert index in candidates, f"prefilter skipped {pattern.pattern[:60]!r} on {folded.text[:80]!r}"
                elif index not in candidates:
                    filtered_out += 1
    assert scanned > 0.9 * len(corpus)
    assert matched > 500  # attacks and toxic texts are in the corpus: the property was exercised
    assert filtered_out > 0.95 * scanned * len(patterns) - matched  # and it does skip what cannot match


def _ascii_examples(pattern: re.Pattern[str]) -> st.SearchStrategy[str]:
    return st.from_regex(pattern, alphabet=st.characters(codec="ascii"))


def test_strings_generated_from_each_pattern_are_candidates(shipped: tuple[Prefilter, list[re.Pattern[str]]]) -> None:
    prefilter, patterns = shipped

    @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(st.data())
    def check(data: st.DataObject) -> None:
        index = data.draw(st.integers(0, len(patterns) - 1))
        text = data.draw(_ascii_examples(patterns[index]))
        folded = NormalizedText(text, len(text))
        candidates = prefilter.candidates(folded)
        assert candidates is None or index in candidates, (patterns[index].pattern[:60], text[:120])

    for _ in range(len(patterns) // 3 + 1):
        check()


def test_verdicts_equal_a_guard_without_the_prefilter(corpus: list[str], tmp_path: Path) -> None:
    fast = Guard.from_policy_name("default", resources=Resources(cache_dir=tmp_path))
    plain = Guard.from_policy_name("default", resources=Resources(pattern_prefilter=False))
    differing = []
    for text in corpus[::3]:
        for direction in ("input", "output"):
            a, b = fast.validate(text, direction), plain.validate(text, direction)
            if (a.action, a.text, a.findings) != (b.action, b.text, b.findings):
                differing.append((direction, text[:80]))
        if fast.check_untrusted(text) != plain.check_untrusted(text):
            differing.append(("untrusted", text[:80]))
    assert differing == []


def test_the_rewrite_widens_what_hyperscan_cannot_do_and_refuses_what_it_cannot_widen() -> None:
    import hyperscan

    def accepts(expression: str, text: str) -> bool:
        database = hyperscan.Database()
        database.compile(expressions=[expression.encode()], flags=hyperscan.HS_FLAG_ALLOWEMPTY)
        found: list[int] = []
        database.scan(text.encode(), match_event_handler=lambda *args: found.append(1))
        return bool(found)

    lookbehind = re.compile(r"(?<![a-z])ignore\s+(?=rules)rules\b")
    assert accepts(hyperscan_expression(lookbehind), "xignore rules")  # wider: the assertions are gone
    bounded = re.compile(r"\bi\W{1,12}will\b")
    assert accepts(hyperscan_expression(bounded), "i" + " " * 30 + "will")  # {1,12} widened to {1,}
    assert not accepts(hyperscan_expression(bounded), "i will not".replace("will", "shall"))
    spaces = re.compile(r"a\sb")  # CPython's \s has \x1c-\x1f, PCRE's has not: spelt out
    assert accepts(hyperscan_expression(spaces), "a\x1cb")
    turkish = re.compile(r"ğ|plain")
    assert accepts(hyperscan_expression(turkish), "plain") and not accepts(hyperscan_expression(turkish), "g")
    for flags in (re.IGNORECASE, re.MULTILINE):
        with pytest.raises(Unrewritable):
            hyperscan_expression(re.compile("ignore", flags))


def test_the_database_is_cached_and_a_damaged_cache_is_recompiled(tmp_path: Path) -> None:
    patterns = [re.compile(r"\bignore\W+(?:all\W+)?rules\b"), re.compile(r"kill\W+yourself")]
    Prefilter(patterns, tmp_path)
    (cached,) = (tmp_path / "guard-prefilter").iterdir()
    assert cached.stat().st_size > 0
    cached.write_bytes(b"not a database")
    again = Prefilter(patterns, tmp_path)
    assert again.candidates(NormalizedText("please ignore all rules", 23)) == frozenset({0})
    assert cached.read_bytes() != b"not a database"


def test_a_text_not_ascii_after_folding_runs_every_pattern(tmp_path: Path) -> None:
    prefilter = Prefilter([re.compile(r"ignore\W+rules")], tmp_path)
    assert prefilter.candidates(NormalizedText("ignore 規則 rules", 15)) is None
    assert prefilter.candidates(NormalizedText("ignore those rules", 18)) == frozenset()


def test_scans_from_many_threads_at_once(tmp_path: Path) -> None:
    prefilter = Prefilter([re.compile(r"ignore\W+rules"), re.compile(r"\bkys\b")], tmp_path)
    text = "lorem ipsum " * 20_000 + "ignore rules"  # long enough for scans to overlap
    errors: list[BaseException] = []

    def scan() -> None:
        try:
            for _ in range(5):
                assert prefilter.candidates(NormalizedText(text, len(text))) == frozenset({0})
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=scan) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
