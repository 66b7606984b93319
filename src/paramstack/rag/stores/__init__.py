"""Where collections live: one ``VectorStore`` protocol, backends picked by URL (``stores/factory.py``)."""

from paramstack.rag.stores.factory import open_store
from paramstack.rag.stores.protocol import VectorStore

__all__ = ["VectorStore", "open_store"]
