"""Metering: rate limits, concurrency caps, daily token quotas, prices and the usage ledger.

The admission step (``admission.py``, built by ``factory.py``) is one store round trip per call:
- ``plan.py`` says which limits apply (tenant, and optionally each key): sliding-window logs for TPS/RPM
  (exact in every window, no burst at window edges), a leased concurrency cap, a daily token quota with
  reserve -> settle -> refund;
- a store evaluates the whole plan atomically, all or nothing: ``storage/memory.py`` (default,
  in-process) or ``storage/redis.py`` (shared by replicas; Lua scripts on Redis's clock). The rules are
  ``strategies.py`` in Python and ``storage/redis_scripts.py`` in Lua, held to one contract suite;
- ``verdict.py`` turns the store's facts into OpenAI's headers and 429 errors.

The bill (``ledger.py``, ``tables.py``): one row per call, keyed by request id, integer micro-units.
Guarantee: ``Ticket.settle`` commits the row before the response's last bytes leave (the JSON body, or
a stream's ``data: [DONE]``), so a crash never loses the usage of a delivered response; a crash between
the commit and those bytes leaves a row for a call whose client saw a broken connection (the ledger may
over-count only calls in flight at a crash, never under-count); a retried write never counts twice.
"""
