"""Failure classes. Every error a handler or the Shopify client raises is one of these, so the job
layer can decide: retry with backoff (transient) or park the job as failed until someone fixes the
cause (everything else). ``fix`` tells the person reading the failed job what to do.

Messages and fixes are written ``_lt("No product with SKU %(sku)s.", sku=sku)``: the English text,
used as is in logs, searches and tests, which also remembers its source and parameters so that the
job shows it in the reader's language (``Text.translated``). Odoo's translation export picks up every
``_lt(...)`` call by its name (odoo/tools/babel/python_extractor.py), so this module needs no Odoo
import. Placeholders are named, ``%(name)s`` only, so translators can reorder them."""

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


class Text(str):
    """English text of a message, with its translatable ``source`` and its ``params`` (strings, or
    Text for a translatable part)."""

    def __new__(cls, source, params=None):
        params = {name: value if isinstance(value, Text) else str(value) for name, value in (params or {}).items()}
        text = super().__new__(cls, source % params if params else source)
        text.source, text.params = source, params
        return text

    def __reduce__(self):
        return Text, (self.source, self.params)

    def to_json(self):
        params = {name: value.to_json() if isinstance(value, Text) else value for name, value in self.params.items()}
        return {"source": self.source, "params": params}

    @classmethod
    def from_json(cls, data):
        params = {
            name: cls.from_json(value) if isinstance(value, dict) else value for name, value in data["params"].items()
        }
        return cls(data["source"], params)

    def translated(self, translate):
        """This text with each source passed through ``translate`` (source -> its translation). A
        translation whose placeholders do not match the parameters falls back to the English."""
        params = {
            name: value.translated(translate) if isinstance(value, Text) else value
            for name, value in self.params.items()
        }
        if not params:
            return translate(self.source)
        try:
            return translate(self.source) % params
        except (KeyError, TypeError, ValueError):
            return self.source % params


def _lt(source, /, **params):
    """Mark ``source`` for translation; English now, the reader's language when shown."""
    return Text(source, params)


def joined(separator, texts):
    """``separator.join(texts)``, each of ``texts`` staying translatable."""
    texts = list(texts)
    source = separator.replace("%", "%%").join(f"%(item{index})s" for index in range(len(texts)))
    return Text(source, {f"item{index}": text for index, text in enumerate(texts)})


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
