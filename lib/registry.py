"""Topic -> handler registry.

A handler is ``fn(job) -> record_or_None`` where ``job`` is a ``shopify.sync.job`` record. Handlers
register themselves at import time (see ``handlers/``); the webhook controller and the job runner only
look topics up here, so a new workflow adds a module and never touches them.
"""

from collections import namedtuple

Handler = namedtuple("Handler", "topic workflow function")

# Workflows: (key, label, queue_job channel). One channel each so a stuck or throttled workflow
# never holds the others back; an administrator sizes them in odoo.conf.
WORKFLOWS = [
    ("order", "Orders", "root.shopify.orders"),
    ("product", "Products", "root.shopify.products"),
    ("customer", "Customers", "root.shopify.customers"),
    ("inventory", "Inventory", "root.shopify.inventory"),
    ("refund", "Refunds", "root.shopify.refunds"),
    ("fulfillment", "Fulfillments", "root.shopify.fulfillments"),
    ("payout", "Payouts", "root.shopify.payouts"),
    ("historical", "Historical import", "root.shopify.imports"),
    ("scheduled", "Scheduled sync", "root.shopify.imports"),
    ("connection", "Connection and app", "root.shopify.app"),
]
WORKFLOW_SELECTION = [(key, label) for key, label, _channel in WORKFLOWS]
WORKFLOW_CHANNEL = {key: channel for key, _label, channel in WORKFLOWS}

# Where a topic without a handler is filed, so it lands in the right triage bucket anyway.
_TOPIC_PREFIX_WORKFLOW = {
    "orders": "order",
    "order_transactions": "order",
    "draft_orders": "order",
    "products": "product",
    "product_listings": "product",
    "collections": "product",
    "variants": "product",
    "customers": "customer",
    "inventory_levels": "inventory",
    "inventory_items": "inventory",
    "locations": "inventory",
    "refunds": "refund",
    "returns": "refund",
    "fulfillments": "fulfillment",
    "fulfillment_orders": "fulfillment",
    "fulfillment_events": "fulfillment",
    "payouts": "payout",
    "disputes": "payout",
    "app": "connection",
    "shop": "connection",
}

_HANDLERS = {}
# Topics of outbound operations (e.g. inventory/export): run as sync jobs, never subscribed to.
_OUTBOUND = set()


def register(topic, workflow, outbound=False):
    """Decorator: ``@register("orders/create", "order")``; ``outbound=True`` for an operation Odoo
    starts (its topic is ours, not a Shopify webhook topic)."""
    if workflow not in WORKFLOW_CHANNEL:
        raise ValueError(f"unknown workflow {workflow!r}")

    def decorator(function):
        _HANDLERS[topic] = Handler(topic, workflow, function)
        if outbound:
            _OUTBOUND.add(topic)
        return function

    return decorator


def handler_for(topic):
    return _HANDLERS.get(topic)


def workflow_for(topic):
    handler = _HANDLERS.get(topic)
    if handler:
        return handler.workflow
    return _TOPIC_PREFIX_WORKFLOW.get((topic or "").split("/")[0], "connection")


def registered_topics():
    """Webhook topics with a handler (outbound operations are not webhooks)."""
    return sorted(topic for topic in _HANDLERS if topic not in _OUTBOUND)


def topic_to_enum(topic):
    """``orders/create`` -> ``ORDERS_CREATE`` (GraphQL ``WebhookSubscriptionTopic``)."""
    return topic.replace("/", "_").upper()
