"""What plain transformers + PEFT produce for a request: the ground truth for the engine's outputs."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import torch
from peft import PeftModel
from transformers import AutoModelForCausalLM, AutoTokenizer


class ReferenceGenerator:
    def __init__(self, model_dir: Path, adapters_dir: Path, names: Sequence[str], stop_token_ids: list[int]):
        self.tokenizer = AutoTokenizer.from_pretrained(model_dir)
        base = AutoModelForCausalLM.from_pretrained(model_dir).eval()
        self.model = PeftModel.from_pretrained(base, str(adapters_dir / names[0]), adapter_name=names[0])
        for name in names[1:]:
            self.model.load_adapter(str(adapters_dir / name), adapter_name=name)
        self.model.eval()
        self.stop_token_ids = stop_token_ids

    def prompt_ids(self, prompt: str | None = None, messages: list[dict[str, str]] | None = None) -> list[int]:
        if messages is not None:
            text = self.tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
            return self.tokenizer(text, add_special_tokens=False)["input_ids"]
        return self.tokenizer(prompt)["input_ids"]

    def greedy_ids(self, prompt_ids: list[int], adapter: str | None, max_new_tokens: int) -> list[int]:
        inputs = torch.tensor([prompt_ids])
        settings = dict(
            max_new_tokens=max_new_tokens,
            do_sample=False,
            eos_token_id=self.stop_token_ids,
            pad_token_id=self.tokenizer.eos_token_id,
        )
        with torch.no_grad():
            if adapter is None:
                with self.model.disable_adapter():
                    out = self.model.generate(input_ids=inputs, **settings)
            else:
                self.model.set_adapter(adapter)
                out = self.model.generate(input_ids=inputs, **settings)
        return out[0, len(prompt_ids) :].tolist()

    def text(self, prompt_ids: list[int], generated_ids: list[int]) -> str:
        """The completion's text as it reads after the prompt (stop tokens are special: not shown)."""
        full = self.tokenizer.decode(prompt_ids + generated_ids, skip_special_tokens=True)
        prefix = self.tokenizer.decode(prompt_ids, skip_special_tokens=True)
        assert full.startswith(prefix)
        return full[len(prefix) :]

    def greedy(
        self,
        adapter: str | None,
        max_new_tokens: int,
        prompt: str | None = None,
        messages: list[dict[str, str]] | None = None,
    ) -> tuple[str, list[int]]:
        prompt_ids = self.prompt_ids(prompt, messages)
        generated = self.greedy_ids(prompt_ids, adapter, max_new_tokens)
        return self.text(prompt_ids, generated), generated
