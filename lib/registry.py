"""Topic -> handler registry.

A handler is ``fn(job) -> record_or_None`` where ``job`` is a ``shopify.sync.job`` record. Handlers
register themselves at import time (see ``handlers/``); the webhook controller and the job runner only
look topics up here, so a new workflow adds a module and never touches them.
"""

from collections import namedtuple

from .errors import ConfigurationError, _lt

Handler = namedtuple("Handler", "topic workflow function webhook")

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
WORKFLOW_LABEL = dict(WORKFLOW_SELECTION)

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


def register(topic, workflow, webhook=True):
    """Decorator: ``@register("orders/create", "order")``.

    ``webhook=False`` marks a topic of our own (a backfill, an export): it is never subscribed in
    Shopify."""
    if workflow not in WORKFLOW_CHANNEL:
        raise ValueError(f"unknown workflow {workflow!r}")

    def decorator(function):
        _HANDLERS[topic] = Handler(topic, workflow, function, webhook)
        return function

    return decorator


def handler_for(topic):
    return _HANDLERS.get(topic)


def workflow_for(topic):
    handler = _HANDLERS.get(topic)
    if handler:
        return handler.workflow
    return _TOPIC_PREFIX_WORKFLOW.get((topic or "").split("/")[0], "connection")


# The workflows a store can switch off, as translatable texts for the failure that names them.
_SWITCHABLE_WORKFLOW_TEXT = {
    "order": _lt("Orders"),
    "product": _lt("Products"),
    "customer": _lt("Customers"),
    "inventory": _lt("Inventory"),
    "refund": _lt("Refunds"),
    "fulfillment": _lt("Fulfillments"),
    "payout": _lt("Payouts"),
}


def require_workflow(backend, workflow):
    """Refuse a job of a workflow the store has switched off since it was queued (a backfill, a
    payout import): a configuration error naming the checkbox; Retry runs it once ticked."""
    if workflow not in backend._enabled_workflows():
        label = _SWITCHABLE_WORKFLOW_TEXT.get(workflow) or WORKFLOW_LABEL[workflow]
        raise ConfigurationError(
            _lt("The %(workflow)s workflow is off on store %(backend)s.", workflow=label, backend=backend.name),
            fix=_lt("Tick %(workflow)s on the store's Workflows tab, then Retry.", workflow=label),
        )


def registered_topics():
    """Shopify webhook topics with a handler (our own job topics excluded)."""
    return sorted(topic for topic, handler in _HANDLERS.items() if handler.webhook)


def topic_to_enum(topic):
    """``orders/create`` -> ``ORDERS_CREATE`` (GraphQL ``WebhookSubscriptionTopic``)."""
    return topic.replace("/", "_").upper()
