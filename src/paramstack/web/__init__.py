"""The human-in-the-loop labelling page (``/label/``): static assets and the APIRouter in ``routes.py``."""
