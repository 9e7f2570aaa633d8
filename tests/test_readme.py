"""The README is the administrator's manual and Odoo renders it as the module description: it
must stay valid reStructuredText (a merged section with a short underline breaks the page)."""

import os

import docutils.core
import docutils.utils

from odoo.tests import BaseCase

README = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "README.rst")


class TestReadme(BaseCase):
    def test_readme_renders_without_warnings(self):
        with open(README, encoding="utf-8") as handle:
            text = handle.read()
        try:
            docutils.core.publish_doctree(text, settings_overrides={"report_level": 5, "halt_level": 2})
        except docutils.utils.SystemMessage as err:
            self.fail(f"README.rst: {err}")

    def test_images_it_shows_exist(self):
        with open(README, encoding="utf-8") as handle:
            images = [line.split("::", 1)[1].strip() for line in handle if line.startswith(".. image::")]
        self.assertTrue(images)
        for image in images:
            self.assertTrue(os.path.isfile(os.path.join(os.path.dirname(README), image)), image)
