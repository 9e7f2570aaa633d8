"""Shopify's published reference material (fetched by tools/fetch_shopify_reference.sh): the Admin
GraphQL schema per API version and the documented example webhook bodies. No Odoo import, so the
demo sandbox uses it too."""

import functools
import gzip
import json
import os

from graphql import build_client_schema, parse, validate
from graphql.error import GraphQLSyntaxError

WEBHOOK_EXAMPLES_VERSION = "2026-07"  # newest version the example package documents


def reference_dir():
    path = os.environ.get("SHOPIFY_SYNC_REFERENCE") or os.path.expanduser("~/.cache/shopify_sync/reference")
    if not all(os.path.isdir(os.path.join(path, sub)) for sub in ("admin_schema", "webhooks/metadatas")):
        raise RuntimeError(f"Shopify reference material is missing in {path}: run tools/fetch_shopify_reference.sh")
    return path


@functools.cache  # building a schema takes about a second; do it once per version
def load_admin_schema(api_version):
    """Shopify's Admin GraphQL schema for ``2026-10`` etc.; FileNotFoundError for unknown versions."""
    path = os.path.join(reference_dir(), "admin_schema", f"admin_{api_version}.json.gz")
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        introspection = json.load(handle)
    return build_client_schema(introspection["data"])


def validate_operation(schema, document):
    """Error messages of a GraphQL document against the schema; [] when valid."""
    try:
        ast = parse(document)
    except GraphQLSyntaxError as exc:
        return [exc.message]
    return [error.message for error in validate(schema, ast)]


def webhook_example(topic, version=WEBHOOK_EXAMPLES_VERSION):
    """Shopify's documented example body for a topic (``orders/create``), as a dict."""
    path = os.path.join(reference_dir(), "webhooks", "metadatas", version, f"{topic}.json")
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)["response"]


def webhook_example_raw(topic, version=WEBHOOK_EXAMPLES_VERSION):
    """The same body as the bytes Shopify would post."""
    return json.dumps(webhook_example(topic, version)).encode()
