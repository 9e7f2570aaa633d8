# Run with `odoo shell` on the demo database (after the stream): sends the daily digest now, as its
# scheduled action would, and writes the e-mail body to $DEMO_DIGEST_HTML for a screenshot.
# pylint: disable=print-used  # a command-line script: its output is for the person running it
import os

env["ir.config_parameter"].set_param("web.base.url", os.environ.get("DEMO_ODOO_URL", "http://127.0.0.1:8069"))
admin = env.ref("base.user_admin").partner_id
admin.email = admin.email or "admin@example.com"  # the Shopify manager who receives it
mails = env["shopify.sync.digest"]._cron_send_digest()
env.cr.commit()
for mail in mails:
    print(f"demo: digest for {mail.model and env[mail.model].browse(mail.res_id).name}: {mail.subject}")
path = os.environ.get("DEMO_DIGEST_HTML")
if path and mails:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(
            '<html><body style="font-family: sans-serif; max-width: 900px; margin: 16px;">'
            f"<p><b>Subject:</b> {mails[0].subject}</p>{mails[0].body_html}</body></html>"
        )
