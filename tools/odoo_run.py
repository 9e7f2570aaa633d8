"""Odoo's command line (what odoo-bin does), for an Odoo importable as ``odoo``.

Prefork servers re-execute ``sys.argv[0]`` for their gevent process, so Odoo must be started from
a script file, not with ``python -m odoo``.
"""

import odoo.cli

if __name__ == "__main__":
    odoo.cli.main()
