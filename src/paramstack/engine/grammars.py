"""Constrained decoding: the grammar a request's output must follow, compiled once per distinct request shape.

Library: xgrammar 0.2.9 (chosen over llguidance 1.9.1; both measured on 2026-12-04, this 2-core CPU, the
shipped 8K-vocabulary model, one row, greedy, 80 tokens, a 3-field strict schema):

    tokenizer preparation   xgrammar 16 ms    llguidance 63 ms
    schema compile          xgrammar 2 ms     llguidance 1 ms
    mask + accept per token xgrammar 0.12 ms  llguidance 0.15 ms   (a forward step of one row: ~4.4 ms)

They are equally fast here; xgrammar wins on what this engine needs beyond speed: structural tags
(``triggered_tags`` lets an ``auto`` row write free text and constrains a call once the model opens one;
``tags_with_separator`` with ``at_least_one`` is ``tool_choice: required``; ``stop_after_first`` is
``parallel_tool_calls: false``) without hand-written Lark, and it is what vLLM and SGLang use by default.

JSON is compact (separators "," and ":", no free whitespace): with free whitespace the tiny model fills
the output with spaces until max_tokens. Special tokens other than the stop tokens are never allowed
(their text vanishes from the decoded output, so JSON written with them would not be the JSON shown).

``plan`` is pure Python (checks + a hashable description); ``compiled`` builds the grammar with xgrammar
(imported lazily) and keeps the last ``cache_size`` in an LRU cache.
"""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from paramstack import chat_format
from paramstack.engine.protocol import GenerationRequest, ToolSpec
from paramstack.engine.schema_support import check_json, check_schema
from paramstack.errors import InvalidRequest

ANY_OBJECT: dict[str, Any] = {"type": "object"}


@dataclass(frozen=True)
class GrammarPlan:
    """What one request's output must look like. ``key`` is the whole description as JSON (key order
    kept: xgrammar generates properties in the schema's order)."""

    key: str
    parses_tool_calls: bool  # the output may hold tool calls in chat_format's syntax
    forced: bool  # nothing but the grammar's output is allowed (JSON, or required tool calls)


def plan_for(request: GenerationRequest) -> GrammarPlan | None:
    """The request's output constraint, None when its output is free text. Raises ``InvalidRequest``."""
    calls = _tool_plan(request)
    output = request.output_format
    schema: Any = None
    if output.kind == "json_schema":
        if output.schema is None:
            raise InvalidRequest("response_format json_schema needs a schema", param="response_format")
        schema = output.schema
        check_schema(schema, param="response_format", where="response_format.json_schema.schema")
    elif output.kind == "json_object":
        schema = ANY_OBJECT
    if calls is None and schema is None:
        return None
    if calls is not None and calls["required"]:
        schema = None  # a forced call is the whole answer
    description = {"calls": calls, "json": schema}
    return GrammarPlan(
        key=json.dumps(description, ensure_ascii=False),  # key order kept: it is the JSON order
        parses_tool_calls=calls is not None,
        forced=calls is None or calls["required"] or schema is not None,
    )


def _tool_plan(request: GenerationRequest) -> dict[str, Any] | None:
    choice = request.tool_choice
    if not request.tools:
        return None
    if choice.mode == "none":  # rendered into the prompt, never enforced: JSON is all it must be
        for i, tool in enumerate(request.tools):
            check_json(tool.parameters, param="tools", where=f"tools[{i}].function.parameters")
        return None
    tools: tuple[ToolSpec, ...] = request.tools
    if choice.name is not None:
        tools = tuple(t for t in request.tools if t.name == choice.name)
        if not tools:
            raise InvalidRequest(
                f"tool_choice names {choice.name!r}, which is not among the tools offered", param="tool_choice"
            )
    for i, tool in enumerate(request.tools):
        check_schema(tool.parameters, param="tools", where=f"tools[{i}].function.parameters")
    return {
        "tools": [[t.name, t.parameters] for t in tools],
        "required": choice.mode == "required" or choice.name is not None,
        "parallel": request.parallel_tool_calls,
    }


class GrammarBook:
    """Compiles plans for one tokenizer, with an LRU cache. Thread-safe."""

    def __init__(
        self,
        tokenizer: Any,
        tokenizer_lock: threading.Lock,
        vocab_size: int,
        stop_token_ids: Collection[int],
        cache_size: int = 64,
    ) -> None:
        self._tokenizer = tokenizer
        self._tokenizer_lock = tokenizer_lock
        self.vocab_size = vocab_size
        self._stop_token_ids = sorted(stop_token_ids)
        self._cache_size = cache_size
        self._cache: OrderedDict[str, Any] = OrderedDict()
        self._plans: OrderedDict[str, GrammarPlan | None] = OrderedDict()
        self._lock = threading.Lock()
        self._compiler: Any = None
        self._control_ids: Any = None
        self._surrogate_ban: SurrogateBan | None = None

    def plan(self, request: GenerationRequest) -> GrammarPlan | None:
        """``plan_for(request)``, remembered per request shape: checking a schema against the JSON Schema
        metaschema costs ~2 ms, and the gateway's count and the generation both ask."""
        if not request.tools and not request.output_format.is_json:
            return None
        output, choice = request.output_format, request.tool_choice
        try:
            key = json.dumps(
                [
                    [[t.name, t.parameters] for t in request.tools],
                    choice.mode,
                    choice.name,
                    request.parallel_tool_calls,
                    output.kind,
                    output.schema,
                ],
                ensure_ascii=False,
            )
        except (TypeError, ValueError):
            return plan_for(request)  # not JSON: plan_for says so with a 400
        with self._lock:
            if key in self._plans:
                self._plans.move_to_end(key)
                return self._plans[key]
        plan = plan_for(request)  # raises InvalidRequest: refusals are not remembered
        with self._lock:
            self._plans[key] = plan
            while len(self._plans) > self._cache_size:
                self._plans.popitem(last=False)
        return plan

    def cached(self, plan: GrammarPlan) -> Any | None:
        with self._lock:
            compiled = self._cache.get(plan.key)
            if compiled is not None:
                self._cache.move_to_end(plan.key)
            return compiled

    def compiled(self, plan: GrammarPlan) -> Any:
        """The plan's ``xgrammar.CompiledGrammar`` (a few ms on a miss; large schemas take longer)."""
        hit = self.cached(plan)
        if hit is not None:
            return hit
        description = json.loads(plan.key)
        calls, schema = description["calls"], description["json"]
        try:
            compiler = self._grammar_compiler()
        except ImportError:
            raise InvalidRequest(
                "this model cannot constrain its output: the server lacks xgrammar (install paramstack[local])",
                param="tools" if calls is not None else "response_format",
            ) from None
        if calls is None:
            compiled = _compile(
                lambda: compiler.compile_json_schema(_schema_text(schema), **_json_style(True)),
                lambda: compiler.compile_json_schema(_schema_text(schema), **_json_style(False)),
                param="response_format",
            )
        else:
            compiled = _compile(
                lambda: compiler.compile_structural_tag(_structural_tag(calls, schema, True)),
                lambda: compiler.compile_structural_tag(_structural_tag(calls, schema, False)),
                param="tools",
            )
        with self._lock:
            self._cache[plan.key] = compiled
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return compiled

    def matcher(self, compiled: Any) -> Any:
        import xgrammar

        return xgrammar.GrammarMatcher(compiled)

    def control_token_ids(self) -> Any:
        """Tokens whose text holds a control character (U+0000-U+001F), as a tensor of ids: never valid
        inside compact JSON. xgrammar 0.2.9's masks let byte-fallback tokens such as ``<0x02>`` into JSON
        strings (measured: a random model filled a string with U+0002), so the engine bans these itself
        wherever the output is JSON (a JSON answer, a call's arguments). Tokens whose bytes hold a whole
        surrogate (see ``SurrogateBan``; none in a SentencePiece vocabulary) are banned with them."""
        self._grammar_compiler()
        return self._control_ids

    def surrogate_ban(self) -> SurrogateBan:
        """What keeps surrogates out of a constrained row's output (see ``SurrogateBan``)."""
        self._grammar_compiler()
        assert self._surrogate_ban is not None
        return self._surrogate_ban

    def _grammar_compiler(self) -> Any:
        with self._lock:
            if self._compiler is None:
                import torch
                import xgrammar

                with self._tokenizer_lock:
                    texts = _token_texts(self._tokenizer, self.vocab_size)
                    info = _tokenizer_info(self._tokenizer, self.vocab_size, self._stop_token_ids, texts)
                decoded: list[bytes] = info.decoded_vocab  # each token's bytes, as xgrammar matches them
                control = [i for i, text in enumerate(texts) if any(ord(c) < 0x20 for c in text)]
                control += [i for i, raw in enumerate(decoded) if _SURROGATE_START.search(raw)]
                self._control_ids = torch.tensor(sorted(set(control)), dtype=torch.long)
                self._surrogate_ban = SurrogateBan.of(decoded)
                self._compiler = xgrammar.GrammarCompiler(info, max_threads=1)
            return self._compiler


# The first two bytes of a surrogate's UTF-8 form (U+D800-U+DFFF): ED A0..BF.
_SURROGATE_START = re.compile(rb"\xed[\xa0-\xbf]")


@dataclass(frozen=True)
class SurrogateBan:
    """xgrammar 0.2.9 matches a JSON string's characters (``[^"\\...]``) on a UTF-8 decoding that takes the
    three-byte forms of surrogates, ED A0..BF xx (U+D800-U+DFFF), for characters; UTF-8 forbids them.
    (Measured over the byte-fallback tokens: every other byte sequence its masks allow is valid UTF-8.)
    Once sampled, decoding turns the whole run of byte tokens around one into U+FFFD, one per byte: a
    string over its maxLength, a call's closing tag lost. 0xED is always a lead byte, so after a token that
    ends in it the engine bans the tokens that begin with A0..BF; the grammar's other continuations
    (80..9F, U+D000-U+D7FF) stay allowed."""

    leads: frozenset[int]  # tokens whose bytes end in 0xED
    tails: Any  # tensor of the ids of the tokens whose bytes begin with 0xA0..0xBF

    @classmethod
    def of(cls, decoded_vocab: list[bytes]) -> SurrogateBan:
        import torch

        tails = [i for i, raw in enumerate(decoded_vocab) if raw[:1] and 0xA0 <= raw[0] <= 0xBF]
        return cls(
            leads=frozenset(i for i, raw in enumerate(decoded_vocab) if raw.endswith(b"\xed")),
            tails=torch.tensor(tails, dtype=torch.long),
        )

    def banned_after(self, token_id: int) -> Any | None:
        """The ids to ban at the step after ``token_id``, None when there are none."""
        return self.tails if token_id in self.leads else None


def _compile(strict: Any, lenient: Any, *, param: str) -> Any:
    """Strict mode (no properties or items beyond the schema's) first: it keeps a small model on track.
    Some valid schemas contradict it (``minItems`` without ``items``); those compile leniently."""
    try:
        return strict()
    except (RuntimeError, ValueError):
        pass
    try:
        return lenient()
    except (RuntimeError, ValueError) as error:
        reason = str(error).strip().splitlines()[-1] if str(error).strip() else type(error).__name__
        raise InvalidRequest(f"the schema cannot be used for constrained decoding: {reason}", param=param) from None


def _json_style(strict: bool) -> dict[str, Any]:
    return {"any_whitespace": False, "separators": (",", ":"), "strict_mode": strict}


def _schema_text(schema: Any) -> str:
    return json.dumps(schema, ensure_ascii=False)


def _schema_grammar(schema: Any, strict: bool) -> dict[str, Any]:
    import xgrammar

    grammar = xgrammar.Grammar.from_json_schema(_schema_text(schema), **_json_style(strict))
    return {"type": "grammar", "grammar": str(grammar)}


def _structural_tag(calls: dict[str, Any], schema: Any, strict: bool) -> str:
    tags = [
        {
            "type": "tag",
            "begin": f'{chat_format.TOOL_CALL_OPEN}{{"name":{json.dumps(name, ensure_ascii=False)},"arguments":',
            "content": _schema_grammar(parameters or ANY_OBJECT, strict),
            "end": "}" + chat_format.TOOL_CALL_CLOSE,
        }
        for name, parameters in calls["tools"]
    ]
    once = not calls["parallel"]
    if calls["required"] or schema is not None:
        fmt: dict[str, Any] = {
            "type": "tags_with_separator",
            "tags": tags,
            "separator": chat_format.TOOL_CALL_SEPARATOR,
            "at_least_one": True,
            "stop_after_first": once,
        }
        if schema is not None:  # auto with a JSON answer: tool calls, or the JSON
            fmt = {"type": "or", "elements": [fmt, _schema_grammar(schema, strict)]}
    else:
        fmt = {
            "type": "triggered_tags",
            "triggers": [chat_format.TOOL_CALL_OPEN],
            "tags": tags,
            "at_least_one": False,
            "stop_after_first": once,
        }
    return json.dumps({"type": "structural_tag", "format": fmt}, ensure_ascii=False)


def _token_texts(tokenizer: Any, vocab_size: int) -> list[str]:
    """What each token shows in decoded output, in the middle of a text ("" for special tokens).

    Decoded after an ordinary token: alone, SentencePiece drops a piece's leading space ("▁" would
    read as "")."""
    size = min(vocab_size, len(tokenizer))
    anchor = tokenizer.encode("a", add_special_tokens=False)[-1]
    prefix = tokenizer.decode([anchor], skip_special_tokens=True)
    pairs = tokenizer.batch_decode([[anchor, i] for i in range(size)], skip_special_tokens=True)
    texts = [pair[len(prefix) :] if pair.startswith(prefix) else pair for pair in pairs]
    return texts + [""] * (vocab_size - size)


def _tokenizer_info(tokenizer: Any, vocab_size: int, stop_token_ids: list[int], texts: list[str]) -> Any:
    """xgrammar's view of the vocabulary, with every special token but the stop tokens made unusable.

    ``from_huggingface`` reads special tokens such as ``<s>`` (and SentencePiece control pieces such as
    ``</s>``, which the tokenizer does not even list as special) as their literal text, which would let
    them into JSON strings while the decoded output drops them; a token whose text is empty is never
    allowed by xgrammar.
    """
    import xgrammar

    detected = xgrammar.TokenizerInfo.from_huggingface(tokenizer, vocab_size=vocab_size, stop_token_ids=stop_token_ids)
    special = set(tokenizer.all_special_ids)
    special.update(i for i, token in getattr(tokenizer, "added_tokens_decoder", {}).items() if token.special)
    special.update(i for i, text in enumerate(texts) if not text)
    encoded = [""] * vocab_size
    for token, i in tokenizer.get_vocab().items():
        if i < vocab_size and i not in special:
            encoded[i] = token
    return xgrammar.TokenizerInfo(
        encoded,
        detected.vocab_type,
        vocab_size=vocab_size,
        stop_token_ids=stop_token_ids,
        add_prefix_space=detected.add_prefix_space,
    )
