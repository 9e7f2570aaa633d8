"""Shopify bulk query operations, shared by the order backfill and the catalog import.

A bulk operation is one query Shopify runs in the background without page costs, writing a JSONL
file. The job that starts it queues a follow-up job; the follow-up reads the status and raises a
transient "still running" error (the queue asks again later, with growing pauses) until the file is
ready, then downloads it.
"""

from ..lib import queries
from ..lib.errors import DataError, PermissionDenied, TransientError, _lt

RUNNING = {"CREATED", "RUNNING", "CANCELING"}


def start(client, document, what):
    """Start a bulk query; returns the operation's GID. ``what`` names it in messages."""
    result = client.execute(queries.BULK_OPERATION_RUN_QUERY, {"query": document})["bulkOperationRunQuery"]
    if result["userErrors"]:
        text = "; ".join(error["message"] for error in result["userErrors"])
        if any(error.get("code") == "OPERATION_IN_PROGRESS" for error in result["userErrors"]):
            raise TransientError(
                _lt("Shopify is already running a bulk operation: %(text)s", text=text), retry_after=60
            )
        raise DataError(_lt("Shopify refused the bulk %(what)s: %(text)s", what=what, text=text))
    return result["bulkOperation"]["id"]


def result_lines(job, client, operation_id, access_fix):
    """Lines of a finished operation's JSONL ([] when it found nothing). While it runs: a
    TransientError, so the queue polls again. Failed: a permission error (``access_fix`` says which
    scope) or a data error."""
    operation = client.execute(queries.BULK_OPERATION_STATUS, {"id": operation_id})["bulkOperation"]
    if not operation:
        raise DataError(
            _lt("Shopify has no bulk operation %(operation_id)s.", operation_id=operation_id),
            fix=_lt("Start it again."),
        )
    status = operation["status"]
    if status in RUNNING:
        retries = job.queue_job_id.retry or 0
        raise TransientError(
            _lt(
                "Bulk operation %(operation)s is %(status)s (%(count)s objects so far).",
                operation=operation["id"],
                status=status.lower(),
                count=operation.get("objectCount") or 0,
            ),
            retry_after=min(15 * (retries + 1), 600),
        )
    if status != "COMPLETED":
        code = operation.get("errorCode")
        message = (
            _lt(
                "Shopify bulk operation %(operation)s ended %(status)s (%(code)s).",
                operation=operation["id"],
                status=status,
                code=code,
            )
            if code
            else _lt("Shopify bulk operation %(operation)s ended %(status)s.", operation=operation["id"], status=status)
        )
        if code == "ACCESS_DENIED":
            raise PermissionDenied(message, fix=access_fix)
        raise DataError(message, fix=_lt("Start it again; for orders, a shorter period if it keeps failing."))
    return client.download_lines(operation["url"]) if operation.get("url") else []
