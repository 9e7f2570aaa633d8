"""Which order jobs are imported in batches (handlers/order_batch.py), and how many per batch.

- Orders read from Shopify (backfill, catch-up) are stored without a queue job of their own and
  handed to batch jobs by the page or bulk job that stored them (``queue_batches``).
- A backlog of order webhooks (workers stopped or saturated during a burst) is regrouped by the
  scheduled action *Shopify: batch the order webhook backlog* (``regroup_webhook_backlog``): the
  queue jobs of order webhooks still waiting for a worker are taken back and their sync jobs
  handed to batch jobs on the orders channel. Only queue jobs no worker has taken (``pending``,
  locked with SKIP LOCKED) are touched, so no delivery runs twice or is lost.

The batch size is the system parameter ``shopify_sync.order_batch_size`` (default 50; 1 turns
batching off: every pulled order gets its own job, and webhook backlogs are left as they are).
"""

from datetime import timedelta

from odoo import fields

BATCH_SIZE_PARAM = "shopify_sync.order_batch_size"
DEFAULT_BATCH_SIZE = 50
TOPIC = "orders/batch"
# Topics imported by handlers/orders.py's OrderImporter: the only ones a batch job runs.
ORDER_TOPICS = ("orders/create", "orders/updated", "orders/paid", "orders/cancelled")
# A webhook whose queue job waited this long for a worker is part of a backlog.
BACKLOG_AGE = timedelta(seconds=30)


def batch_size(env):
    value = env["ir.config_parameter"].sudo().get_param(BATCH_SIZE_PARAM)
    try:
        return max(int(value), 1) if value else DEFAULT_BATCH_SIZE
    except ValueError:
        return DEFAULT_BATCH_SIZE


def queue_batches(backend, workflow, jobs, label):
    """Hand order jobs stored without a queue job to batch jobs of ``workflow`` (its channel);
    with a batch size of 1, each to its own queue job. Returns the batch jobs."""
    Job = backend.env["shopify.sync.job"]
    jobs = jobs.filtered(lambda j: j.state == "queued" and not j.queue_job_id)
    size = batch_size(backend.env)
    if size == 1:
        jobs._enqueue()
        return Job
    batches = Job
    for start in range(0, len(jobs), size):
        chunk = jobs[start : start + size]
        batches |= Job._create_outbound(
            backend,
            workflow,
            TOPIC,
            payload={"job_ids": chunk.ids},
            ref=f"{label}: {len(chunk)} order(s) from {chunk[0].shopify_ref or chunk[0].id}",
        )
    batches._enqueue()
    return batches


def regroup_webhook_backlog(backend, now=None, limit=5000):
    """Batch the store's order webhooks whose queue job has waited ``BACKLOG_AGE`` for a worker,
    when there are at least a batch of them. Returns the batch jobs queued."""
    env = backend.env
    size = batch_size(env)
    if size == 1:
        return env["shopify.sync.job"]
    before = (now or fields.Datetime.now()) - BACKLOG_AGE
    env.flush_all()
    # FOR UPDATE ... SKIP LOCKED: a queue job the job runner is handing to a worker right now
    # stays where it is; the rows taken are deleted before this transaction commits, so the runner
    # finds nothing to run for them (queue_job's trigger tells it they are gone).
    env.cr.execute(
        """SELECT job.id, queue.id FROM shopify_sync_job job JOIN queue_job queue ON queue.id = job.queue_job_id
            WHERE job.backend_id = %s AND job.state = 'queued' AND job.topic IN %s
              AND queue.state = 'pending' AND queue.date_created < %s
            ORDER BY job.id LIMIT %s FOR UPDATE OF queue SKIP LOCKED""",
        [backend.id, ORDER_TOPICS, before, limit],
    )
    rows = env.cr.fetchall()
    if len(rows) < size:
        return env["shopify.sync.job"]
    env.cr.execute("DELETE FROM queue_job WHERE id IN %s", [tuple(queue_id for _job_id, queue_id in rows)])
    jobs = env["shopify.sync.job"].browse([job_id for job_id, _queue_id in rows])
    jobs.invalidate_recordset(["queue_job_id"])
    return queue_batches(backend, "order", jobs, "webhook backlog")
