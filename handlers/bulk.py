"""Shopify bulk query operations, shared by the order backfill and the catalog import.

A bulk operation is one query Shopify runs in the background without page costs, writing a JSONL
file. The job that starts it queues a follow-up job; the follow-up reads the status and raises a
transient "still running" error (the queue asks again later, with growing pauses) until the file is
ready, then downloads it.
"""

from ..lib import queries
from ..lib.errors import DataError, PermissionDenied, TransientError

RUNNING = {"CREATED", "RUNNING", "CANCELING"}


def start(client, document, what):
    """Start a bulk query; returns the operation's GID. ``what`` names it in messages."""
    result = client.execute(queries.BULK_OPERATION_RUN_QUERY, {"query": document})["bulkOperationRunQuery"]
    if result["userErrors"]:
        text = "; ".join(error["message"] for error in result["userErrors"])
        if any(error.get("code") == "OPERATION_IN_PROGRESS" for error in result["userErrors"]):
            raise TransientError(f"Shopify is already running a bulk operation: {text}", retry_after=60)
        raise DataError(f"Shopify refused the bulk {what}: {text}")
    return result["bulkOperation"]["id"]


def result_lines(job, client, operation_id, access_fix):
    """Lines of a finished operation's JSONL ([] when it found nothing). While it runs: a
    TransientError, so the queue polls again. Failed: a permission error (``access_fix`` says which
    scope) or a data error."""
    operation = client.execute(queries.BULK_OPERATION_STATUS, {"id": operation_id})["bulkOperation"]
    if not operation:
        raise DataError(f"Shopify has no bulk operation {operation_id}.", fix="Start it again.")
    status = operation["status"]
    if status in RUNNING:
        retries = job.queue_job_id.retry or 0
        raise TransientError(
            f"Bulk operation {operation['id']} is {status.lower()} "
            f"({operation.get('objectCount') or 0} objects so far).",
            retry_after=min(15 * (retries + 1), 600),
        )
    if status != "COMPLETED":
        code = operation.get("errorCode")
        message = f"Shopify bulk operation {operation['id']} ended {status}" + (f" ({code})" if code else "") + "."
        if code == "ACCESS_DENIED":
            raise PermissionDenied(message, fix=access_fix)
        raise DataError(message, fix="Start it again; for orders, a shorter period if it keeps failing.")
    return client.download_lines(operation["url"]) if operation.get("url") else []
