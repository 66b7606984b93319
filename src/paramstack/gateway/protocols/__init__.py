"""Wire-protocol front-ends besides chat completions: OpenAI's Responses API and Anthropic's Messages API.

Each is a request model, a translation into the one internal call (``gateway/call_request.py``) and an
encoder of the pipeline's events into the protocol's response body and stream.
"""
