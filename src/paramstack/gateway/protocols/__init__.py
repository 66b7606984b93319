"""Wire-protocol front-ends: each translates its request body into the one ``CallRequest`` and encodes the
pipeline's events back into its own responses and streams."""
