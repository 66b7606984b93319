"""``paramstack generate``: a quick look at what a local model (and one of its adapters) writes."""

from __future__ import annotations

import asyncio
import sys
import uuid
import warnings
from pathlib import Path
from typing import Annotated, Any

import typer

from paramstack.cli.output import cli_errors, emit
from paramstack.engine.protocol import ChatMessage, GenerationRequest, SamplingParams
from paramstack.errors import ConfigurationError


def register(app: typer.Typer) -> None:
    app.command("generate", help="Generate text with a local model directory and its LoRA adapters.")(generate)


def generate(
    prompt: Annotated[str, typer.Argument(help="The user message (or, with --raw, the text to continue).")],
    model: Annotated[Path | None, typer.Option(help="Model directory (default: the embedded default model).")] = None,
    adapter: Annotated[str | None, typer.Option(help="Adapter name, a subdirectory of --adapters-dir.")] = None,
    adapters_dir: Annotated[Path | None, typer.Option(help="Directory of adapters, one subdirectory each.")] = None,
    max_tokens: Annotated[int, typer.Option(min=1, help="Most tokens to generate.")] = 128,
    temperature: Annotated[float, typer.Option(min=0.0, help="0 = greedy.")] = 0.7,
    top_p: Annotated[float, typer.Option(min=0.0, max=1.0, help="Nucleus sampling mass.")] = 1.0,
    seed: Annotated[int | None, typer.Option(help="Same seed, same text.")] = None,
    stop: Annotated[list[str] | None, typer.Option(help="Stop at this text (repeatable).")] = None,
    raw: Annotated[bool, typer.Option("--raw", help="Plain completion: no chat template.")] = False,
    stream: Annotated[bool, typer.Option("--stream", help="Print text as it is generated.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    with cli_errors():
        model_dir, adapter_path = _resolve_paths(model, adapters_dir, adapter)
        request = GenerationRequest(
            request_id=f"cli-{uuid.uuid4().hex[:12]}",
            model=model_dir.name,
            prompt=prompt if raw else None,
            messages=None if raw else [ChatMessage(role="user", content=prompt)],
            adapter=adapter,
            sampling=SamplingParams(
                max_tokens=max_tokens, temperature=temperature, top_p=top_p, stop=tuple(stop or ()), seed=seed
            ),
        )
        result = asyncio.run(_run(model_dir, adapter_path, request, echo=stream and not as_json))
    result["model"] = str(model_dir)
    result["adapter"] = adapter
    if stream and not as_json:
        typer.echo("")
        sys.stderr.write(_usage_line(result) + "\n")
        return
    emit(result, as_json, render=lambda r: f"{r['text']}\n\n{_usage_line(r)}")


def _resolve_paths(model: Path | None, adapters_dir: Path | None, adapter: str | None) -> tuple[Path, Path | None]:
    """The model directory and the one adapter directory to load (None: the base alone)."""
    if model is None or (adapter is not None and adapters_dir is None):
        from paramstack.settings import load_settings

        default = load_settings().embedded_default_model()
        model = model or default.path
        adapters_dir = adapters_dir or default.adapters_dir
        if model is not None and not model.exists():
            raise ConfigurationError(
                f"the default model directory {model} does not exist: build it with "
                "`paramstack build-default-model` or pass --model DIR"
            )
    if model is None or (adapter is not None and adapters_dir is None):
        raise ConfigurationError("no model directory given and the settings name none")
    return model, (adapters_dir / adapter) if adapter is not None and adapters_dir is not None else None


async def _run(model_dir: Path, adapter_path: Path | None, request: GenerationRequest, *, echo: bool) -> dict[str, Any]:
    from transformers.utils import logging as transformers_logging

    from paramstack.engine.local import LocalEngine

    # A one-shot process: keep the terminal for the answer (progress bars, PEFT's deprecation notice).
    transformers_logging.disable_progress_bar()
    warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning)
    engine = await asyncio.to_thread(LocalEngine, model_dir, max_batch_size=1)
    try:
        if adapter_path is not None and request.adapter is not None:
            # Only the adapter asked for: a quick look should not load every adapter in the directory.
            await engine.load_adapter(request.adapter, str(adapter_path))
        parts: list[str] = []
        last = None
        async for chunk in engine.generate(request):
            parts.append(chunk.text)
            last = chunk
            if echo:
                sys.stdout.write(chunk.text)
                sys.stdout.flush()
        assert last is not None
        return {
            "text": "".join(parts),
            "finish_reason": last.finish_reason,
            "prompt_tokens": last.prompt_tokens,
            "completion_tokens": last.completion_tokens,
        }
    finally:
        await engine.aclose()


def _usage_line(result: dict[str, Any]) -> str:
    return (
        f"[{result['finish_reason']}] prompt {result['prompt_tokens']} tokens, "
        f"completion {result['completion_tokens']} tokens"
    )
