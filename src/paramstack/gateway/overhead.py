"""The gateway's own time per call: the ``x-paramstack-overhead-ms`` header and its histogram.

The figure is the time from the request's arrival at the route to its response, less the time spent waiting
on the engine (the upstream or the local model): authentication, validation, the guard, admission, signing,
the ledger and audit, and encoding. Users can check it in production, per response and as
``paramstack_gateway_overhead_seconds``, the way LiteLLM and TensorZero expose theirs.

A whole response carries the full figure in its header. A stream's headers leave before its body, so there
the header can only carry the time until the response starts (everything ``prepare`` does: authentication to
admission); the full figure, including the output guard, signing, settlement and the encoding of every
chunk, goes to the histogram when the stream ends.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from paramstack.gateway.pipeline import PreparedCall
from paramstack.observability.metrics import GatewayMetrics

OVERHEAD_HEADER = "x-paramstack-overhead-ms"


def overhead_header(seconds: float) -> dict[str, str]:
    return {OVERHEAD_HEADER: f"{seconds * 1000.0:.3f}"}


def finished_call(metrics: GatewayMetrics, prepared: PreparedCall) -> dict[str, str]:
    """A whole response's header, its figure observed in the histogram."""
    seconds = prepared.overhead_seconds()
    metrics.observe_overhead(prepared.request.protocol, False, seconds)
    return overhead_header(seconds)


async def measured_stream(
    body: AsyncIterator[bytes], metrics: GatewayMetrics, prepared: PreparedCall
) -> AsyncIterator[bytes]:
    """``body``, with the stream's full overhead observed when it ends (however it ends)."""
    try:
        async for piece in body:
            yield piece
    finally:
        aclose = getattr(body, "aclose", None)
        if aclose is not None:
            await aclose()
        metrics.observe_overhead(prepared.request.protocol, True, prepared.overhead_seconds())
