"""paramstack: own your language-model parameters and serve them to many tenants safely."""

__version__ = "0.1.0"
