"""Provider adapters: one model call each, behind :class:`~evalkit.providers.base.Provider`."""

from evalkit.providers.base import (
    PROVIDERS,
    Provider,
    ProviderSettings,
    Request,
    Response,
    ToolCall,
    Usage,
)

__all__ = ["PROVIDERS", "Provider", "ProviderSettings", "Request", "Response", "ToolCall", "Usage"]
