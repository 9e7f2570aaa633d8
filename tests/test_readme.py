"""The README is the administrator's manual and Odoo renders it as the module description: it
must stay valid reStructuredText (a merged section with a short underline breaks the page). It is
generated from __manifest__.py and readme/ by tools/gen_readme.py, as OCA generates its READMEs."""

import importlib.util
import os
import re
import shutil
import tempfile

import docutils.core
import docutils.nodes
import docutils.utils

from odoo.tests import BaseCase

# realpath: tools/run_tests.sh links the checkout's entries but not its hidden ones (.ci); the
# wheel ships them all.
ADDON_DIR = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
README = os.path.join(ADDON_DIR, "README.rst")


def load_generator():
    spec = importlib.util.spec_from_file_location(
        "shopify_sync_gen_readme", os.path.join(ADDON_DIR, "tools", "gen_readme.py")
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def parse(text):
    return docutils.core.publish_doctree(text, settings_overrides={"report_level": 5, "halt_level": 2})


def section_tree(doctree):
    """{section title: [titles of its direct subsections]} for every section of the document."""
    tree = {}
    for section in doctree.findall(docutils.nodes.section):
        children = [child for child in section.children if isinstance(child, docutils.nodes.section)]
        tree[section[0].astext()] = [child[0].astext() for child in children]
    return tree


class TestReadme(BaseCase):
    def setUp(self):
        super().setUp()
        with open(README, encoding="utf-8") as handle:
            self.text = handle.read()

    def test_readme_renders_without_warnings(self):
        try:
            parse(self.text)
        except docutils.utils.SystemMessage as err:
            self.fail(f"README.rst: {err}")

    def test_images_it_shows_exist(self):
        images = [
            line.split("::", 1)[1].strip() for line in self.text.splitlines() if line.lstrip().startswith(".. image::")
        ]
        self.assertIn("static/description/apps_page.png", images)
        self.assertIn("static/description/demo_failed_jobs.png", images)
        for image in images:
            self.assertTrue(os.path.isfile(os.path.join(ADDON_DIR, image)), image)

    def test_readme_is_generated_from_fragments(self):
        expected = load_generator().render(ADDON_DIR)
        if self.text != expected:
            self.fail(
                "README.rst differs from what readme/ and __manifest__.py generate: edit the fragment in "
                "readme/, then run `python3 tools/gen_readme.py` (the pre-commit hook gen-readme does it)."
            )

    def test_sections_for_administrators_accountants_and_developers(self):
        """Every section stays whole under the fragment OCA's layout puts it in, in this order."""
        tree = section_tree(parse(self.text))
        expected = {
            "Use Cases / Context": ["What is in this release"],
            "Installation": ["Requirements", "Install", "Run the demo"],
            "Configuration": [
                "Connect a real store",
                "Workers and channels",
                "Scaling: busy products and several machines",
                "Settings of a store",
            ],
            "Usage": [
                "Orders",
                "Products and catalog",
                "Stock",
                "Refunds, returns and fulfilments",
                "Payouts (Shopify Payments)",
                "Money model",
                "Order lifecycle",
                "Failure categories and what to do",
                "The accountant's morning",
                "Security",
                "Privacy topics",
            ],
            "Development": [
                "Run the tests",
                "Translations",
                "Code checks",
                "Edit this README",
                "Benchmarks",
                "For developers",
            ],
            "Credits": ["Authors", "Contributors", "Maintainers"],
        }
        for fragment_title, sections in expected.items():
            self.assertEqual(tree.get(fragment_title), sections, fragment_title)
        self.assertEqual(tree["Settings of a store"], ["Orders tab", "Locations tab"])
        self.assertEqual(
            tree["The accountant's morning"], ["Store health", "The sync does not stop on its own", "Retention"]
        )
        top = [title for title in tree if title in expected or title == "Bug Tracker"]
        self.assertEqual(top, [*list(expected)[:-1], "Bug Tracker", "Credits"])

    def test_run_the_tests_shows_the_command_ci_runs(self):
        with open(os.path.join(ADDON_DIR, ".ci", "run"), encoding="utf-8") as handle:
            last = [line for line in handle.read().splitlines() if line.strip() and not line.startswith("#")][-1]
        command = re.sub(r"^exec\s+|\s+exec\s+", " ", last).strip()  # `VAR=1 exec bash ...` as typed by hand
        self.assertIn("tools/run_tests.sh", command)
        run_the_tests = self.text.split("\nRun the tests\n", 1)[1].split("\nTranslations\n", 1)[0]
        self.assertIn(f"``{command}``", run_the_tests)
        self.assertIn("``README.rst`` is generated", self.text)
        self.assertIn("python3 tools/gen_readme.py", self.text.split("\nEdit this README\n", 1)[1])


class TestReadmeGenerator(BaseCase):
    """tools/gen_readme.py on a scratch addon: markdown fragments converted, OCA's order kept."""

    def setUp(self):
        super().setUp()
        self.generator = load_generator()
        self.addon = tempfile.mkdtemp(prefix="gen_readme_")
        self.addCleanup(shutil.rmtree, self.addon)
        os.mkdir(os.path.join(self.addon, "readme"))
        with open(os.path.join(self.addon, "__manifest__.py"), "w", encoding="utf-8") as handle:
            handle.write(
                "{'name': 'Scratch Addon', 'version': '19.0.1.0.0', 'license': 'LGPL-3', 'author': 'A, B',"
                " 'development_status': 'Alpha', 'website': 'https://github.com/acme/scratch', 'maintainers': ['jo']}"
            )

    def write_fragment(self, name, text):
        with open(os.path.join(self.addon, "readme", name), "w", encoding="utf-8") as handle:
            handle.write(text)

    def test_markdown_fragments_become_valid_rst(self):
        self.write_fragment("DESCRIPTION.md", "Keeps **books** and *stock* in step; see `tools/x.sh --flag`.\n")
        self.write_fragment(
            "USAGE.md",
            "# First steps\n\n1. Open **Shopify Sync > Failed jobs**: the `*_job` list.\n"
            "   Then press [Retry](https://example.com/retry).\n\n- one\n- two\n  - nested\n\n"
            "```\nbash tools/run_demo.sh\n```\n\n![The list](../static/description/x.png)\n",
        )
        self.write_fragment("CONFIGURE.rst", "Set the store.\n\n")
        text = self.generator.render(self.addon)
        parse(text)  # no warning
        self.assertIn("Keeps **books** and *stock* in step; see ``tools/x.sh --flag``.", text)
        self.assertIn("First steps\n~~~~~~~~~~~\n", text)
        self.assertIn("1. Open **Shopify Sync > Failed jobs**: the ``*_job`` list.", text)
        self.assertIn("`Retry <https://example.com/retry>`__", text)
        self.assertIn("* one\n* two\n\n  * nested\n", text)
        self.assertIn("::\n\n    bash tools/run_demo.sh\n", text)
        self.assertIn(".. image:: static/description/x.png\n   :alt: The list\n", text)
        # OCA's layout: description before the table of contents, then Configuration before Usage.
        self.assertLess(text.index("Keeps **books**"), text.index(".. contents::"))
        self.assertLess(text.index("\nConfiguration\n====="), text.index("\nUsage\n====="))
        self.assertIn(".. IMPORTANT::", text)  # Alpha
        self.assertIn("* A\n* B\n", text)
        self.assertIn("https://github.com/acme/scratch/issues", text)
        self.assertNotIn("Installation", text)  # no fragment, no section

    def test_a_fragment_in_both_formats_is_refused(self):
        self.write_fragment("USAGE.md", "Use it.\n")
        self.write_fragment("USAGE.rst", "Use it.\n")
        with self.assertRaisesRegex(self.generator.FragmentError, r"readme/USAGE\.rst and readme/USAGE\.md"):
            self.generator.render(self.addon)

    def test_check_reports_an_out_of_date_readme(self):
        self.write_fragment("DESCRIPTION.rst", "First text.\n")
        self.assertEqual(self.generator.main(["--addon-dir", self.addon]), 0)
        self.assertEqual(self.generator.main(["--addon-dir", self.addon, "--check"]), 0)
        self.write_fragment("DESCRIPTION.rst", "Second text.\n")
        with self.assertRaisesRegex(SystemExit, r"out of date: run `python3 tools/gen_readme.py`"):
            self.generator.main(["--addon-dir", self.addon, "--check"])
        self.generator.main(["--addon-dir", self.addon])
        with open(os.path.join(self.addon, "README.rst"), encoding="utf-8") as handle:
            self.assertIn("Second text.", handle.read())
