"""One error tree for all of paramstack.

Code raises these typed errors; they are translated exactly once, at the edge: into OpenAI error JSON by
the gateway (``gateway/error_handlers.py``) and into a one-line message with exit code 2 by the CLI.
"""

from __future__ import annotations


class ParamstackError(Exception):
    """Base of every error paramstack raises on purpose."""

    status_code: int = 500
    error_type: str = "server_error"
    code: str | None = None

    def __init__(
        self, message: str, *, param: str | None = None, code: str | None = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        if code is not None:
            self.code = code
        self.headers = headers or {}


class InvalidRequest(ParamstackError):
    status_code = 400
    error_type = "invalid_request_error"
    code = "invalid_request"


class ContextLengthExceeded(InvalidRequest):
    code = "context_length_exceeded"


class PayloadTooLarge(InvalidRequest):
    status_code = 413
    code = "request_too_large"


class AuthenticationFailed(ParamstackError):
    status_code = 401
    error_type = "invalid_request_error"
    code = "invalid_api_key"


class PermissionDenied(ParamstackError):
    status_code = 403
    error_type = "permission_error"
    code = "permission_denied"


class NotFound(ParamstackError):
    status_code = 404
    error_type = "invalid_request_error"
    code = "not_found"


class ModelNotFound(NotFound):
    code = "model_not_found"


class Conflict(ParamstackError):
    status_code = 409
    error_type = "invalid_request_error"
    code = "conflict"


class RateLimited(ParamstackError):
    status_code = 429
    error_type = "rate_limit_error"  # OpenAI's clients map 429 to RateLimitError whatever the type
    code = "rate_limit_exceeded"


class QuotaExceeded(RateLimited):
    error_type = "insufficient_quota"
    code = "insufficient_quota"


class ContentBlocked(ParamstackError):
    """A guard policy refused the input or the output."""

    status_code = 400
    error_type = "invalid_request_error"
    code = "content_policy_violation"


class ServiceUnavailable(ParamstackError):
    status_code = 503
    error_type = "server_error"
    code = "service_unavailable"


class UpstreamError(ParamstackError):
    status_code = 502
    error_type = "server_error"
    code = "upstream_error"


class UpstreamRateLimited(UpstreamError):
    """The upstream API refused the gateway's own account for now (429): the caller may retry later, and a
    fallback model may answer instead (a backend failure, not the caller's fault)."""

    status_code = 429
    error_type = "rate_limit_error"
    code = "upstream_rate_limited"


class UpstreamOverloaded(UpstreamError):
    """The upstream API is overloaded (Anthropic's 529, a 503): retry later, or let a fallback answer."""

    status_code = 503
    error_type = "server_error"
    code = "upstream_overloaded"


class ConfigurationError(ParamstackError):
    """Settings, policy files, model directories: anything wrong before serving starts."""

    status_code = 500
    error_type = "server_error"
    code = "configuration_error"


class ArtifactError(ConfigurationError):
    """A model, tokenizer or adapter directory that is missing, corrupt or does not fit."""

    code = "artifact_error"
