"""Translations: the committed template (i18n/shopify_sync.pot) is what the module exports today,
and the French translation reaches what an accountant reads on a failed sync job."""

import ast
import difflib
import glob
import io
import os
import re

from babel.messages import extract

from odoo.modules import get_module_path
from odoo.tests import BaseCase, TransactionCase, tagged
from odoo.tools.translate import PoFileReader, trans_export

from ..lib import errors
from .common import ShopifyCase, company_user
from .order_payloads import order_payload

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


def _error_classes():
    """Names of lib.errors.SyncError and its subclasses, as call sites spell them."""
    classes, todo = set(), [errors.SyncError]
    while todo:
        cls = todo.pop()
        classes.add(cls.__name__)
        todo.extend(cls.__subclasses__())
    return classes


# A message or fix given as one of these is plain text: never in the .pot, never translated.
_PLAIN_TEXT = (ast.Constant, ast.JoinedStr, ast.BinOp, ast.Call)
_PLACEHOLDER = re.compile(r"%\((\w+)\)s|%%")


class TestMessagesMarkedForTranslation(BaseCase):
    """Every message and fix hint a failed job shows is written ``_lt("... %(name)s ...", name=...)``:
    Odoo's export then puts it in the .pot, and the job can show it in the reader's language."""

    CODE_DIRS = ("controllers", "handlers", "lib", "models", "wizards")

    def _sources(self):
        root = get_module_path("shopify_sync")
        for folder in self.CODE_DIRS:
            for path in sorted(glob.glob(os.path.join(root, folder, "*.py"))):
                with open(path, encoding="utf-8") as f:
                    yield os.path.relpath(path, root), f.read()

    @staticmethod
    def _callee(call):
        return call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", None)

    def _texts_shown(self, call, error_classes):
        """(what, node) of the message and fix a call hands to a failed job, if it is such a call."""
        name = self._callee(call)
        keywords = {k.arg: k.value for k in call.keywords}
        shown = [(f"{k}=", v) for k, v in keywords.items() if k and k.endswith("fix")]
        if name in error_classes:
            shown += [("message", node) for node in call.args[:1] + [keywords.get("message")] if node]
            shown += [("fix", node) for node in call.args[1:2]]
        elif name == "_mark_failed":
            shown += [("message", node) for node in call.args[1:2] + [keywords.get("message")] if node]
            shown += [("fix", node) for node in call.args[2:3]]
        return shown

    def _unmarked(self, node, assigned):
        """The plain-text parts of ``node`` (a variable: what the function assigns to it)."""
        if isinstance(node, ast.Constant) and node.value is None:
            return []
        if isinstance(node, ast.Call) and self._callee(node) == "_lt":
            return []
        if isinstance(node, ast.IfExp):
            return self._unmarked(node.body, assigned) + self._unmarked(node.orelse, assigned)
        if isinstance(node, ast.BoolOp):
            return [bad for value in node.values for bad in self._unmarked(value, assigned)]
        if isinstance(node, ast.Name):
            return [bad for value in assigned.get(node.id, ()) for bad in self._unmarked(value, {})]
        if isinstance(node, _PLAIN_TEXT):
            return [node]
        return []  # an attribute or item: an error's own message or fix, passed on

    def test_every_message_and_fix_is_marked(self):
        error_classes = _error_classes()
        unmarked = []
        for path, source in self._sources():
            tree = ast.parse(source)
            for function in [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.Module))]:
                assigned = {}
                for node in ast.walk(function):
                    if isinstance(node, ast.Assign):
                        for target in node.targets:
                            if isinstance(target, ast.Name):
                                assigned.setdefault(target.id, []).append(node.value)
                for call in [n for n in ast.walk(function) if isinstance(n, ast.Call)]:
                    for what, node in self._texts_shown(call, error_classes):
                        unmarked += [
                            f"{path}:{bad.lineno} {what} {ast.get_source_segment(source, bad)[:70]}"
                            for bad in self._unmarked(node, assigned)
                        ]
        self.assertFalse(sorted(set(unmarked)), 'Not marked for translation: write _lt("...", name=value)')

    def test_marked_texts_reach_the_translation_export(self):
        """Each _lt() has a literal source with named %(name)s placeholders, exactly its keyword
        arguments, and Odoo's extractor (the one `i18n export` runs) finds it, in lib/ too."""
        problems, count = [], 0
        for path, source in self._sources():
            extracted = {
                message
                for _line, message, _comments, _context in extract.extract(
                    "odoo.tools.babel:extract_python",
                    io.BytesIO(source.encode()),
                    keywords={"_": None, "_lt": None},
                    options={"encoding": "UTF-8"},
                )
            }
            for call in ast.walk(ast.parse(source)):
                if not (isinstance(call, ast.Call) and self._callee(call) == "_lt"):
                    continue
                count += 1
                where = f"{path}:{call.lineno}"
                first = call.args[0] if call.args else None
                if not (isinstance(first, ast.Constant) and isinstance(first.value, str)) or len(call.args) > 1:
                    problems.append(f"{where}: the source must be one literal string, values as keywords")
                    continue
                text = first.value
                names = {match.group(1) for match in _PLACEHOLDER.finditer(text) if match.group(1)}
                keywords = {k.arg for k in call.keywords}
                if _PLACEHOLDER.sub("", text).count("%"):
                    problems.append(f"{where}: only %(name)s placeholders (and %%): {text!r}")
                if names != keywords:
                    problems.append(f"{where}: placeholders {sorted(names)} but keywords {sorted(keywords)}")
                if text not in extracted:
                    problems.append(f"{where}: Odoo's extractor does not see {text!r}")
        self.assertGreater(count, 150)
        self.assertFalse(problems)

    def test_french_translations_keep_the_placeholders(self):
        """A translation that drops or renames a placeholder would show the English instead."""
        path = os.path.join(get_module_path("shopify_sync"), "i18n", "fr.po")
        with open(path, "rb") as f:
            rows = [row for row in PoFileReader(f) if row["value"] and "%(" in row["src"]]
        self.assertTrue(rows)
        for row in rows:
            self.assertEqual(
                sorted(_PLACEHOLDER.findall(row["src"])), sorted(_PLACEHOLDER.findall(row["value"])), row["src"]
            )


@tagged("post_install", "-at_install")
class TestFailedJobInReadersLanguage(ShopifyCase):
    """The worker stores the failure in English; each person reads it in her own language."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.company = cls.setup_books_company("Librairie Dupont SARL")
        cls.setup_us_sales_tax(cls.company)
        cls.env["product.product"].create(
            {"name": "Lamp", "default_code": "LAMP-1", "type": "consu", "invoice_policy": "order", "taxes_id": False}
        )
        readers = {}
        for lang in ("fr_FR", "en_US"):
            readers[lang] = company_user(cls.env, f"accountant_{lang}", cls.company, "user", lang=lang)
        cls.accountant_fr, cls.accountant_en = readers["fr_FR"], readers["en_US"]

    def setUp(self):
        super().setUp()
        # Shopify knows no barcode for the variants of these orders.
        self.standin.root["nodes"] = lambda _info, ids: [
            {"__typename": "ProductVariant", "id": gid, "sku": "", "barcode": None} for gid in ids
        ]

    def failed_job(self, topic, payload):
        job = self.run_webhook(topic, payload)
        self.assertEqual(job.state, "failed")
        return job

    def reader_env(self, user):
        """The environment of ``user``'s session: her rights, her language."""
        return self.env(user=user, context=dict(user.with_user(user).context_get()))

    def as_read_by(self, user, job):
        """Message and fix as the job's form shows them to ``user`` (her language, her rights)."""
        env = self.reader_env(user)
        form = env["shopify.sync.job"].get_views([(False, "form")])["models"]["shopify.sync.job"]["fields"]
        shown = ("error_message_display", "fix_hint_display")
        self.assertTrue(set(shown) <= set(form), "the form shows the message and fix in the reader's language")
        [values] = env["shopify.sync.job"].browse(job.id).web_read({name: {} for name in shown})
        return values["error_message_display"], values["fix_hint_display"]

    def test_unmapped_tax(self):
        payload = order_payload(3101, lines=[{"sku": "LAMP-1", "price": "40.00", "taxes": [("NY State Tax", 4)]}])
        job = self.failed_job("orders/create", payload)
        english = (
            "tax 'NY State Tax' 4% has no mapping for company Librairie Dupont SARL (order #3101).",
            "Add the row under Shopify Sync > Configuration > Tax mappings, then Retry.",
        )
        self.assertEqual((job.error_message, job.fix_hint), english)
        self.assertEqual(
            self.as_read_by(self.accountant_fr, job),
            (
                "La taxe « NY State Tax » 4 % n'a aucune correspondance pour la société Librairie Dupont SARL "
                "(commande #3101).",
                "Ajoutez la ligne dans Shopify Sync > Configuration > Correspondances de taxes, puis cliquez "
                "sur Relancer.",
            ),
        )
        self.assertEqual(self.as_read_by(self.accountant_en, job), english)

    def test_unknown_sku(self):
        payload = order_payload(
            3102, lines=[{"variant_id": 7711, "sku": "GHOST-9", "title": "Ghost lamp", "price": "12.00"}]
        )
        job = self.failed_job("orders/create", payload)
        english = "Order #3102: SKU GHOST-9 (variant 7711, 'Ghost lamp') has no Odoo product."
        self.assertEqual(job.error_message, english)
        message, fix = self.as_read_by(self.accountant_fr, job)
        self.assertEqual(
            message, "Commande #3102 : aucun produit Odoo pour le SKU GHOST-9 (variante 7711, « Ghost lamp »)."
        )
        self.assertEqual(
            fix,
            "Créez le produit dans Odoo avec cette référence interne (ou ce code-barres), ou liez la variante, "
            "puis cliquez sur Relancer.",
        )
        self.assertEqual(self.as_read_by(self.accountant_en, job)[0], english)
        # Search, grouping by cause and support keep working on the stored English.
        Job = self.reader_env(self.accountant_fr)["shopify.sync.job"]
        self.assertIn(job, Job.search([("error_message", "ilike", "has no Odoo product")]))
        self.assertEqual(job.cause, "Order #…: SKU GHOST-9 (variant …, 'Ghost lamp') has no Odoo product.")

    def test_unmapped_payment_gateway(self):
        payload = order_payload(3103, lines=[{"sku": "LAMP-1", "price": "49.95", "taxes": [("CA State Tax", 7.25)]}])
        order_job, _created = self.intake("orders/create", payload)
        self.perform(order_job)
        self.assertEqual(order_job.state, "done", order_job.error_message)
        tx = {
            "id": 61031,
            "admin_graphql_api_id": "gid://shopify/OrderTransaction/61031",
            "order_id": payload["id"],
            "kind": "sale",
            "status": "success",
            "gateway": "paypal",
            "amount": payload["total_price"],
            "currency": "USD",
            "processed_at": payload["processed_at"],
            "test": False,
        }
        job = self.failed_job("order_transactions/create", tx)
        self.assertEqual(job.error_message, "Payment gateway 'paypal' of order #3103 has no journal.")
        self.assertEqual(
            self.as_read_by(self.accountant_fr, job),
            (
                "La passerelle de paiement « paypal » de la commande #3103 n'a pas de journal.",
                "Ajoutez « paypal » avec son journal dans l'onglet Commandes de la boutique > Passerelles de "
                "paiement (Shopify Sync > Configuration > Passerelles de paiement), puis cliquez sur Relancer.",
            ),
        )

    def test_privacy_scrub_drops_the_parameters(self):
        """Erasing a customer's data from a job also erases the values kept to translate it."""
        payload = order_payload(
            3104, lines=[{"variant_id": 7712, "sku": "GHOST-8", "title": "Jane's engraved mug", "price": "9.00"}]
        )
        job = self.failed_job("orders/create", payload)
        self.assertIn("Jane's engraved mug", str(job.failure_source))
        job._redact_personal_data("customers/redact", tokens=["Jane"])
        self.assertFalse(job.failure_source)
        message, _fix = self.as_read_by(self.accountant_fr, job)
        self.assertEqual(
            message, "Order #3104: SKU GHOST-8 (variant 7712, '[redacted]'s engraved mug') has no Odoo product."
        )
