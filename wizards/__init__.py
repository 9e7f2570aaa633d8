from . import shopify_sync_job_wizards
