"""Screenshots of the running demo for the README (optional; needs ``pip install playwright`` and a
Chromium, e.g. Debian's ``chromium`` package: no browser download).

    python3 demo/screenshots.py --url http://127.0.0.1:8069 --out static/description \
        failed_jobs=shopify_sync.action_sync_job_failed sale_orders=sale.action_orders

Each NAME=XMLID opens that window action as admin and saves NAME.png; XMLID/ID opens that record's
form, and NAME@HEIGHT takes that shot with a taller window (e.g. a form with its lines).
"""
# pylint: disable=print-used  # a command-line script: its output is for the person running it

import argparse
import os
import shutil

from playwright.sync_api import sync_playwright


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("shots", nargs="+", help="NAME=action xml id")
    args = parser.parse_args()
    browser_path = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if not browser_path:
        raise SystemExit("screenshots: no Chromium found (apt-get install chromium)")
    os.makedirs(args.out, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=browser_path, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1440, "height": 560})
        page.goto(f"{args.url}/web/login")
        page.fill("input[name=login]", args.login)
        page.fill("input[name=password]", args.password)
        page.click("button[type=submit]")
        page.wait_for_selector(".o_main_navbar", timeout=60000)
        for shot in args.shots:
            name, action = shot.split("=", 1)
            name, _sep, height = name.partition("@")
            page.set_viewport_size({"width": 1440, "height": int(height or 560)})
            page.goto(f"{args.url}/odoo/action-{action}")
            page.wait_for_selector(
                ".o_list_renderer, .o_kanban_renderer, .o_form_renderer, .o_graph_renderer, .o_pivot", timeout=30000
            )
            for header in page.query_selector_all(".o_group_header"):  # open grouped lists
                header.click()
                page.wait_for_timeout(300)
            page.wait_for_timeout(1500)  # let the web client finish rendering
            path = os.path.join(args.out, f"{name}.png")
            page.screenshot(path=path)
            print(f"screenshots: {path}")
        browser.close()


if __name__ == "__main__":
    main()
