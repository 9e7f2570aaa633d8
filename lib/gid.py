"""Shopify identifiers. We bind on one canonical form, the GraphQL GID
(``gid://shopify/Order/123``): webhooks carry the numeric ``id`` and usually
``admin_graphql_api_id``, GraphQL answers carry the GID."""

import re

_GID_RE = re.compile(r"^gid://shopify/(?P<type>[A-Za-z]+)/(?P<id>\d+)(?:\?.*)?$")


def to_gid(resource_type, value):
    """Canonical GID from a numeric id, a numeric string or a GID (returned normalised)."""
    if value is None or value == "":
        return None
    text = str(value)
    match = _GID_RE.match(text)
    if match:
        return f"gid://shopify/{match['type']}/{match['id']}"
    if not text.isdigit():
        raise ValueError(f"not a Shopify id: {value!r}")
    return f"gid://shopify/{resource_type}/{text}"


def numeric_id(gid):
    match = _GID_RE.match(gid or "")
    return int(match["id"]) if match else None


def payload_gid(resource_type, payload):
    """GID of a REST-shaped webhook payload. ``admin_graphql_api_id`` wins because numeric ids
    above 2**53 may have been rounded by JSON tooling on the way."""
    if not isinstance(payload, dict):
        return None
    if payload.get("admin_graphql_api_id"):
        return to_gid(resource_type, payload["admin_graphql_api_id"])
    if payload.get("id") is not None:
        return to_gid(resource_type, payload["id"])
    return None
