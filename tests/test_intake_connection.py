"""The webhook intake's own connection (lib/intake_connection.py), driven by real HTTP requests to
the test server, in committed transactions (the connection cannot see a test's uncommitted data):
a delivery is stored and committed before the 200, a redelivery and simultaneous deliveries make
one job, a bad signature stores nothing, a terminated connection and a lost prepared statement are
recovered from, and the system parameter turns the connection off. Rows are removed afterwards."""

import uuid
from unittest.mock import patch

import requests

import odoo.service.server
from odoo.modules.registry import DummyRLock, Registry
from odoo.tests import tagged

from odoo.addons.queue_job import jobrunner

from ..controllers.webhook import DEDICATED_CONNECTION_PARAM
from ..lib import intake_connection
from .common import WEBHOOK_SECRET, CommittedCase, run_at_once, webhook_headers
from .shopify_reference import webhook_example_raw

TOPIC = "app/uninstalled"


@tagged("post_install", "-at_install")
class TestIntakeDedicatedConnection(CommittedCase):
    def setUp(self):
        super().setUp()
        if jobrunner.runner_thread is not None:
            # Under pytest-odoo with --odoo-http (CI) queue_job's runner was started in this process.
            # This class is not verified there: its first CI run hung (the runner took the jobs it
            # commits, and they and its cleanup waited on each other's row locks). Odoo's runner
            # (tools/run_tests.sh) starts no job runner and runs this class.
            self.skipTest("queue_job's job runner runs in this process and would take the committed jobs")
        self.startPatcher(patch.object(intake_connection, "ALLOWED_IN_TESTS", True))
        # As HttpCase does, but with real cursors: the test runner holds the registry lock, which
        # a request would otherwise wait for (signaling: this process's registry is the server's).
        self.startPatcher(patch.object(Registry, "_lock", DummyRLock()))
        self.startPatcher(patch.object(self.registry, "check_signaling", return_value=self.registry))
        self.domain = f"dedicated-{uuid.uuid4().hex[:8]}.myshopify.com"
        self.backend_id = self.committed_store("Dedicated intake store", self.domain)
        self.body = webhook_example_raw(TOPIC)
        self.url = f"http://127.0.0.1:{odoo.service.server.server.httpd.server_port}/shopify/webhook"

    def post(self, webhook_id=None, secret=WEBHOOK_SECRET):
        headers = webhook_headers(self.body, TOPIC, secret=secret, shop=self.domain, webhook_id=webhook_id)
        return requests.post(self.url, data=self.body, headers=headers, timeout=20)

    def stored(self, webhook_id):
        """(job id, queue job state) of each stored job of this delivery, as a new transaction sees them."""
        with self.registry.cursor() as cr:
            cr.execute(
                "SELECT job.id, queue_job.state FROM shopify_sync_job job "
                "LEFT JOIN queue_job ON queue_job.id = job.queue_job_id "
                "WHERE job.backend_id = %s AND job.webhook_id = %s",
                [self.backend_id, webhook_id],
            )
            return cr.fetchall()

    def intake_backends(self):
        with self.registry.cursor() as cr:
            cr.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE %s",
                [intake_connection.APPLICATION_NAME + "%"],
            )
            return {pid for (pid,) in cr.fetchall()}

    def test_stores_dedupes_and_refuses_through_the_dedicated_connection(self):
        executed = intake_connection.STATS["executed"]
        webhook_id = str(uuid.uuid4())
        response = self.post(webhook_id)
        self.assertEqual(response.status_code, 200, response.text)
        job_id = response.json()["job"]
        # Committed before the answer, with its queue job, on a connection of the intake's own.
        self.assertEqual(self.stored(webhook_id), [(job_id, "pending")])
        self.assertEqual(intake_connection.STATS["executed"], executed + 1)
        self.assertTrue(self.intake_backends())

        again = self.post(webhook_id)
        self.assertEqual(again.status_code, 200, again.text)
        self.assertEqual(again.json(), {"job": job_id, "duplicate": True})
        self.assertEqual(self.stored(webhook_id), [(job_id, "pending")])

        refused_id = str(uuid.uuid4())
        refused = self.post(refused_id, secret="whsec_wrong")
        self.assertEqual(refused.status_code, 401)
        self.assertEqual(self.stored(refused_id), [])
        self.assertEqual(intake_connection.STATS["executed"], executed + 2, "a refused webhook runs no statement")

    def test_simultaneous_deliveries_answer_with_one_job(self):
        webhook_id = str(uuid.uuid4())

        def deliver(together):
            together()
            response = self.post(webhook_id)
            return response.status_code, response.json()

        answers = run_at_once([deliver] * 4, timeout=40)
        self.assertEqual([repr(a) for a in answers if isinstance(a, Exception)], [])
        [(job_id, state)] = self.stored(webhook_id)
        self.assertEqual(state, "pending")
        self.assertEqual(sorted(answer["duplicate"] for _status, answer in answers), [False, True, True, True])
        self.assertEqual({(status, answer["job"]) for status, answer in answers}, {(200, job_id)})

    def test_reconnects_after_its_backend_is_terminated(self):
        self.assertEqual(self.post().status_code, 200)
        backends = self.intake_backends()
        self.assertTrue(backends)
        with self.registry.cursor() as cr:
            cr.execute("SELECT pg_terminate_backend(pid) FROM unnest(%s) AS pid", [list(backends)])
        reconnected = intake_connection.STATS["reconnected"]
        webhook_id = str(uuid.uuid4())
        response = self.post(webhook_id)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(self.stored(webhook_id), [(response.json()["job"], "pending")])
        self.assertEqual(intake_connection.STATS["reconnected"], reconnected + 1)
        self.assertFalse(self.intake_backends() & backends, "the terminated connection is not reused")

    def test_prepares_again_when_the_statement_is_gone(self):
        self.assertEqual(self.post().status_code, 200)
        # As after a server-side DEALLOCATE (a pooler, an administrator): the idle connections
        # of this process lose their prepared statements.
        for holder in intake_connection._idle.get(self.registry.db_name, []):
            with holder.connection.cursor() as cursor:
                cursor.execute("DEALLOCATE ALL")
            holder.connection.commit()
        prepared = intake_connection.STATS["prepared"]
        webhook_id = str(uuid.uuid4())
        response = self.post(webhook_id)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(self.stored(webhook_id), [(response.json()["job"], "pending")])
        self.assertEqual(intake_connection.STATS["prepared"], prepared + 1)

    def test_system_parameter_turns_it_off(self):
        self._set_param("False")
        self.addCleanup(self._set_param, "True")
        executed = intake_connection.STATS["executed"]
        webhook_id = str(uuid.uuid4())
        response = self.post(webhook_id)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(self.stored(webhook_id), [(response.json()["job"], "pending")])
        self.assertEqual(intake_connection.STATS["executed"], executed, "stored in the request's own transaction")
        self._set_param("True")
        self.assertEqual(self.post().status_code, 200)
        self.assertEqual(intake_connection.STATS["executed"], executed + 1)

    def _set_param(self, value):
        with self.registry.cursor() as cr:
            self.env_for(cr)["ir.config_parameter"].set_param(DEDICATED_CONNECTION_PARAM, value)
