"""The chat format of paramstack's own models: one Jinja chat template, shared by training and serving.

Tokenizers exported by ``paramstack tokenizer train`` carry this template, so ``apply_chat_template``
in transformers, in our local engine and in vLLM all render conversations the same way.
"""

SYSTEM_TAG = "<|system|>"
USER_TAG = "<|user|>"
ASSISTANT_TAG = "<|assistant|>"
END_TAG = "<|end|>"

SPECIAL_TOKENS = (SYSTEM_TAG, USER_TAG, ASSISTANT_TAG, END_TAG)

CHAT_TEMPLATE = (
    "{{ bos_token }}"
    "{% for message in messages %}"
    "{{ '<|' + message['role'] + '|>\n' + message['content'] + '<|end|>\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|assistant|>\n' }}{% endif %}"
)


def render_chat(messages: list[dict[str, str]], *, add_generation_prompt: bool = True, bos: str = "") -> str:
    """Plain-Python rendering of CHAT_TEMPLATE, for building training text without a tokenizer."""
    text = bos + "".join(f"<|{m['role']}|>\n{m['content']}{END_TAG}\n" for m in messages)
    return text + (f"{ASSISTANT_TAG}\n" if add_generation_prompt else "")
