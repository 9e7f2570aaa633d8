"""tools/setup.sh obtains Odoo 19.0 the way a fresh machine would: from ODOO_SRC, else from Odoo's
git repository, else from its nightly source archive, else it stops with one line naming both ways
out. Odoo's public servers are out of reach in tests, so the download runs against a local git
repository and a tar archive built here, laid out like Odoo's (SETUP_STEP=odoo stops after this step)."""

import os
import subprocess
import tarfile
import tempfile

from odoo.modules import get_module_path
from odoo.tests import BaseCase, tagged

RELEASE_PY = "FINAL = 'final'\nversion_info = (%d, 0, 0, FINAL, 0, '')\n"


@tagged("post_install", "-at_install")
class TestSetupScript(BaseCase):
    def setUp(self):
        super().setUp()
        self.tmp = tempfile.TemporaryDirectory(prefix="shopify_sync_setup_")
        self.addCleanup(self.tmp.cleanup)
        self.root = self.tmp.name
        self.unreachable_git = "file://" + os.path.join(self.root, "no-such-repo.git")
        self.unreachable_archive = "file://" + os.path.join(self.root, "no-such-archive.tar.gz")

    def _odoo_tree(self, path, major=19):
        os.makedirs(os.path.join(path, "odoo"))
        with open(os.path.join(path, "odoo", "release.py"), "w") as f:
            f.write(RELEASE_PY % major)
        with open(os.path.join(path, "requirements.txt"), "w") as f:
            f.write("polib\n")
        return path

    def _git(self, *args, cwd):
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "init.defaultBranch=master", *args],
            cwd=cwd,
            check=True,
            capture_output=True,
        )

    def _setup(self, **env):
        odoo_dir = os.path.join(self.root, "odoo-19.0")
        full_env = {k: v for k, v in os.environ.items() if k not in ("ODOO_SRC", "VENV")}
        full_env.update(
            {
                "SETUP_STEP": "odoo",
                "ODOO_DIR": odoo_dir,
                "ODOO_GIT_URL": self.unreachable_git,
                "ODOO_ARCHIVE_URL": self.unreachable_archive,
            },
            **env,
        )
        script = os.path.join(get_module_path("shopify_sync"), "tools", "setup.sh")
        run = subprocess.run(["bash", script], env=full_env, capture_output=True, text=True, timeout=120)
        return run, odoo_dir

    def test_clones_branch_19_from_the_git_repository(self):
        repo = self._odoo_tree(os.path.join(self.root, "odoo-repo"))
        self._git("init", "-q", cwd=repo)
        self._git("checkout", "-q", "-b", "19.0", cwd=repo)
        self._git("add", ".", cwd=repo)
        self._git("commit", "-q", "-m", "19.0", cwd=repo)
        self._git("checkout", "-q", "-b", "master", cwd=repo)  # the default branch is another version
        with open(os.path.join(repo, "odoo", "release.py"), "w") as f:
            f.write(RELEASE_PY % 20)
        self._git("commit", "-q", "-am", "master", cwd=repo)

        run, odoo_dir = self._setup(ODOO_GIT_URL="file://" + repo)
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertEqual(run.stdout.strip().splitlines()[-1], odoo_dir)
        with open(os.path.join(odoo_dir, "odoo", "release.py")) as f:
            self.assertIn("version_info = (19, ", f.read())
        self.assertTrue(os.path.isdir(os.path.join(odoo_dir, ".git")))

    def test_falls_back_to_the_nightly_source_archive(self):
        tree = self._odoo_tree(os.path.join(self.root, "odoo-19.0.post20260101"))
        archive = os.path.join(self.root, "odoo_19.0.latest.tar.gz")
        with tarfile.open(archive, "w:gz") as tar:  # one top directory, as in Odoo's nightly archive
            tar.add(tree, arcname=os.path.basename(tree))

        run, odoo_dir = self._setup(ODOO_ARCHIVE_URL="file://" + archive)
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertEqual(run.stdout.strip().splitlines()[-1], odoo_dir)
        self.assertTrue(os.path.isfile(os.path.join(odoo_dir, "odoo", "release.py")))
        self.assertFalse(os.path.exists(odoo_dir + ".partial"))

    def test_archive_of_another_version_is_refused(self):
        tree = self._odoo_tree(os.path.join(self.root, "odoo-18.0"), major=18)
        archive = os.path.join(self.root, "odoo_18.0.tar.gz")
        with tarfile.open(archive, "w:gz") as tar:
            tar.add(tree, arcname="odoo-18.0")
        run, odoo_dir = self._setup(ODOO_ARCHIVE_URL="file://" + archive)
        self.assertNotEqual(run.returncode, 0)
        self.assertFalse(os.path.exists(odoo_dir))

    def test_offline_without_odoo_src_names_both_ways_in_one_line(self):
        run, odoo_dir = self._setup()
        self.assertNotEqual(run.returncode, 0)
        errors = run.stderr.strip().splitlines()
        self.assertEqual(len(errors), 1, run.stderr)
        self.assertIn("ODOO_SRC=", errors[0])
        self.assertIn("internet", errors[0])
        self.assertFalse(os.path.exists(odoo_dir))

    def test_odoo_src_must_be_an_odoo_19_tree(self):
        other = self._odoo_tree(os.path.join(self.root, "odoo-17.0"), major=17)
        run, _odoo_dir = self._setup(ODOO_SRC=other)
        self.assertNotEqual(run.returncode, 0)
        self.assertIn("is not an Odoo 19.0 source tree", run.stderr)

        good = self._odoo_tree(os.path.join(self.root, "odoo-src-19"))
        run, _odoo_dir = self._setup(ODOO_SRC=good)
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertEqual(run.stdout.strip(), good)
