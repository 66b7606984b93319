"""Ask a trained model a question the way serving does (chat template, greedy): for reports, demos and tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def greedy_answer(model: Any, tokenizer: Any, question: str, max_new_tokens: int = 64) -> str:
    """The model's greedy reply to one user message, decoded without special tokens."""
    import torch

    inputs = tokenizer.apply_chat_template(
        [{"role": "user", "content": question}], add_generation_prompt=True, return_tensors="pt", return_dict=True
    )
    with torch.no_grad():
        output = model.generate(**inputs, max_new_tokens=max_new_tokens, do_sample=False)
    answer: str = tokenizer.decode(output[0, inputs["input_ids"].shape[1] :], skip_special_tokens=True)
    return answer.strip()


def load_model(model_dir: str | Path, adapter_dir: str | Path | None = None) -> tuple[Any, Any]:
    """(model, tokenizer) in float32, with a PEFT adapter applied when ``adapter_dir`` is given."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    # A PreTrainedModel, or the PeftModel wrapping it: callers only generate with it.
    model: Any = AutoModelForCausalLM.from_pretrained(str(model_dir), dtype=torch.float32)
    if adapter_dir is not None:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, str(adapter_dir))
    model.eval()
    return model, AutoTokenizer.from_pretrained(str(model_dir))
