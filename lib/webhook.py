"""Webhook checks that need no database: signature and header parsing."""

import base64
import hashlib
import hmac

MAX_BODY_BYTES = 5 * 1024 * 1024  # Shopify order payloads stay far below this
MAX_HEADER_CHARS = 255  # Shopify's ids and topics are short; longer values would not fit an index row


def compute_hmac(secret, body):
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verify_hmac(secret, body, received):
    """Constant-time check of ``X-Shopify-Hmac-Sha256`` against the raw body."""
    if not secret or not received:
        return False
    return hmac.compare_digest(compute_hmac(secret, body).encode(), received.strip().encode())


def normalize_shop_domain(domain):
    return (domain or "").strip().lower().removeprefix("https://").rstrip("/")


def read_headers(headers):
    """The Shopify headers we keep, in one dict with stable keys."""

    def get(name):
        value = headers.get(name)
        return value[:MAX_HEADER_CHARS].replace("\x00", "") if value else value

    return {
        "topic": (get("X-Shopify-Topic") or "").strip().lower(),
        "shop_domain": normalize_shop_domain(get("X-Shopify-Shop-Domain")),
        "hmac": get("X-Shopify-Hmac-Sha256"),
        "api_version": get("X-Shopify-API-Version"),
        "webhook_id": get("X-Shopify-Webhook-Id"),
        "event_id": get("X-Shopify-Event-Id"),
        "triggered_at": get("X-Shopify-Triggered-At"),
    }
