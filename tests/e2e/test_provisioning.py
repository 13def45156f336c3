"""An admin provisions a tenant from the panel, watches its steps finish, and the owner sets a
password from the e-mailed link and logs in on the new host."""

import re
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import log_in

pytestmark = pytest.mark.e2e


def mail_link(folder: str, host: str, seconds: float = 30) -> str:
    deadline = time.time() + seconds
    while time.time() < deadline:
        for path in Path(folder).glob("*.log"):
            found = re.search(rf"(http://{re.escape(host)}:\d+/reset/\S+)", path.read_text())
            if found:
                return found.group(1)
        time.sleep(0.3)
    raise AssertionError(f"no set-password e-mail for {host}")


def test_admin_provisions_and_the_owner_logs_in_on_the_new_host(browser, live_stack):
    admin = browser.new_context().new_page()
    log_in(admin, live_stack, "admin@alquimista.test")
    admin.goto(live_stack.url("/app/company/provision"))
    admin.get_by_label("Name", exact=True).fill("Stark Industries")
    admin.get_by_label("Slug").fill("stark")
    admin.get_by_label("Plan").select_option("growth")
    admin.get_by_label("Owner's name").fill("Pepper Potts")
    admin.get_by_label("Owner's e-mail").fill("pepper@stark.test")
    admin.get_by_role("button", name="Provision").click()

    admin.get_by_test_id("run-status").filter(has_text="Succeeded").wait_for(timeout=60_000)
    steps = admin.locator("ol.steps > li strong").all_inner_texts()
    assert steps == [
        "prechecks",
        "schema",
        "seed",
        "secrets",
        "owner",
        "created_by",
        "smoke_test",
        "isolation_audit",
        "activate",
    ]

    owner = browser.new_context().new_page()
    owner.goto(mail_link(live_stack.env["EMAIL_FILE_PATH"], "stark.localhost"))
    owner.get_by_label("New password").fill("Iron-Legion-2026")
    owner.get_by_label("Repeat it").fill("Iron-Legion-2026")
    owner.get_by_role("button", name="Set password").click()
    owner.goto(live_stack.url("/login/", "stark"))
    owner.get_by_label("E-mail").fill("pepper@stark.test")
    owner.get_by_label("Password").fill("Iron-Legion-2026")
    owner.get_by_role("button", name="Log in").click()
    owner.wait_for_url(live_stack.url("/app/dashboard", "stark"))
    assert "Stark Industries" in owner.get_by_test_id("area").inner_text()
