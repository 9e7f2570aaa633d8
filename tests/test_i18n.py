"""Translations: the committed template (i18n/shopify_sync.pot) is what the module exports today,
and the French translation reaches what an accountant reads on a failed sync job."""

import difflib
import io
import os
import re

from odoo.modules import get_module_path
from odoo.tests import TransactionCase, tagged
from odoo.tools.translate import trans_export

# The only lines of an export that change from one run to the next.
DATE_LINES = re.compile(r'^"(POT-Creation-Date|PO-Revision-Date): .*\\n"\n', re.M)


@tagged("post_install", "-at_install")
class TestTranslationTemplate(TransactionCase):
    def _i18n_file(self, name):
        with open(os.path.join(get_module_path("shopify_sync"), "i18n", name), encoding="utf-8") as f:
            return f.read()

    def test_pot_is_up_to_date(self):
        buf = io.BytesIO()
        trans_export(None, ["shopify_sync"], buf, "po", self.env)
        exported = DATE_LINES.sub("", buf.getvalue().decode())
        committed = DATE_LINES.sub("", self._i18n_file("shopify_sync.pot"))
        if exported != committed:
            diff = difflib.unified_diff(
                committed.splitlines(), exported.splitlines(), "i18n/shopify_sync.pot", "module", lineterm="", n=1
            )
            self.fail(
                "i18n/shopify_sync.pot is out of date: run `bash tools/update_pot.sh` and commit "
                "i18n/. First differences:\n" + "\n".join(list(diff)[:40])
            )

    def test_french_labels_and_messages(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["shopify_sync"], ["fr_FR"], overwrite=True)
        env_fr = self.env(context=dict(self.env.context, lang="fr_FR"))
        Job = env_fr["shopify.sync.job"]
        categories = dict(Job._fields["failure_category"]._description_selection(env_fr))
        self.assertEqual(categories["transient"], "Temporaire")
        self.assertEqual(categories["data"], "Données")
        fields = Job.fields_get(["error_message", "fix_hint"], ["string"])
        self.assertEqual(fields["error_message"]["string"], "Message d'erreur")
        self.assertEqual(fields["fix_hint"]["string"], "Comment corriger")
        self.assertEqual(env_fr.ref("shopify_sync.menu_failed_jobs").name, "Tâches en échec")
        # Messages raised from code are translated from i18n/fr.po at run time (a variable, not a
        # literal, so that this test adds no term of its own to the export).
        message = "Only failed or cancelled jobs can be retried."
        self.assertEqual(env_fr._(message), "Seules les tâches en échec ou annulées peuvent être relancées.")
