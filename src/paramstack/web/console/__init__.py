"""The operations console: ``/console/`` (static page, no build step) and its sign-in API."""
