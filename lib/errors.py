"""Failure classes. Every error a handler or the Shopify client raises is one of these, so the job
layer can decide: retry with backoff (transient) or park the job as failed until someone fixes the
cause (everything else). ``fix`` tells the person reading the failed job what to do."""

TRANSIENT = "transient"
CONFIGURATION = "configuration"
DATA = "data"
PERMISSION = "permission"
AUTHENTICATION = "authentication"

CATEGORIES = [
    (TRANSIENT, "Transient"),
    (CONFIGURATION, "Configuration"),
    (DATA, "Data"),
    (PERMISSION, "Permission"),
    (AUTHENTICATION, "Authentication"),
]


class SyncError(Exception):
    category = DATA

    def __init__(self, message, fix=None, retry_after=None, status=None):
        super().__init__(message)
        self.message = message
        self.fix = fix
        self.retry_after = retry_after
        self.status = status

    def __str__(self):
        return f"{self.message}\nFix: {self.fix}" if self.fix else self.message


class TransientError(SyncError):
    """Network trouble, Shopify 5xx, throttling, database serialization conflicts."""

    category = TRANSIENT


class ConfigurationError(SyncError):
    """Something an administrator must set up in Odoo or Shopify (mapping, shop state)."""

    category = CONFIGURATION


class DataError(SyncError):
    """The payload refers to something Odoo does not have or cannot accept."""

    category = DATA


class PermissionDenied(SyncError):
    """The app lacks an access scope, or Odoo refused an operation on access rights."""

    category = PERMISSION


class AuthenticationFailed(SyncError):
    """The access token or the client credentials are invalid or expired."""

    category = AUTHENTICATION
