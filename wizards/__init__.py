from . import shopify_sync_job_wizards
from . import shopify_sync_order_backfill
from . import shopify_sync_catalog_import
from . import shopify_stock_reconcile
from . import shopify_sync_bind_variant
