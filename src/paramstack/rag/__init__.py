"""Per-tenant RAG collections: ingest (text, Markdown, HTML, PDF), chunk, embed, store, retrieve.

Entry points: ``rag.builder.build_rag(settings, database)`` makes the ``RagService`` that the routes and
the CLI use; ``rag.retrieval.RagRetrieval`` is the gateway pipeline's retrieval step. Collections belong
to a tenant: every operation is scoped by ``org_id``, and another tenant's collection is
indistinguishable from a missing one.

Nothing is imported here: ``storage.tables`` imports ``rag.tables`` for the migrations, and that must
not pull in the embedders, the stores or the gateway.
"""
