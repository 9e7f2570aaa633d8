"""app/uninstalled: the store removed the app. Nothing can be sent any more, so the backend is
marked disconnected, its token dropped and queued outbound jobs cancelled."""

from ..lib.registry import register


@register("app/uninstalled", "connection")
def app_uninstalled(job):
    cancelled = job.backend_id._mark_disconnected()
    job._mark_done(summary=f"Backend disconnected; {len(cancelled)} queued outbound job(s) cancelled.")
    return job.backend_id
