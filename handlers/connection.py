"""Connection checks as jobs: Retry on a failed *Test connection*, or on the failed job the scheduled
check leaves for a credential or scope problem, runs the same check again."""

from ..lib.registry import register


@register("connection/test", "connection", webhook=False)
@register("connection/check", "connection", webhook=False)
def check_connection(job):
    backend = job.backend_id
    err = backend._check_connection()
    if err:
        raise err
    job._mark_done(summary=backend.last_check_message)
    return backend
