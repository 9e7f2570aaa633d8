from . import database_list, webhook
