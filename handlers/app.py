"""app/uninstalled: the store removed the app. Nothing can be sent any more, so the backend is
marked disconnected, its token dropped and queued outbound jobs cancelled.

The HMAC covers the body only: a captured notice can be posted again under a new webhook id. So the
backend is disconnected only when Shopify itself refuses this store's credentials, and a body that
was already applied is recorded as a replay."""

from ..lib.registry import register
from .compliance import applied_before, record_replay, refuse_unconfirmed, shopify_still_serves_app


@register("app/uninstalled", "connection")
def app_uninstalled(job):
    original = applied_before(job)
    if original:
        return record_replay(job, original)
    if job.backend_id.state == "disconnected":
        job._mark_done(summary="The backend was already disconnected: nothing to do.")
        return job.backend_id
    if shopify_still_serves_app(job):
        refuse_unconfirmed(job)
    cancelled = job.backend_id._mark_disconnected()
    job._mark_done(
        summary=f"Shopify refuses the store's credentials: backend disconnected; "
        f"{len(cancelled)} queued outbound job(s) cancelled."
    )
    return job.backend_id
