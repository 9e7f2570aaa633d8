from . import shopify_sync_job_wizards
from . import shopify_stock_reconcile
