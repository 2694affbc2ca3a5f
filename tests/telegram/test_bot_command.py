"""`soglasie bot` as a process: starts against TELEGRAM_API_BASE_URL, links a chat, stops on SIGTERM."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
from urllib.parse import parse_qs, urlsplit

from soglasie.cli import build_parser
from soglasie.models import User
from soglasie.services.telegram_links import create_link
from tests.telegram.conftest import CHATS


def test_the_bot_subcommand_is_registered():
    args = build_parser().parse_args(["bot", "--port", "9000"])
    assert args.handler.__name__ == "run_bot" and args.port == 9000


def test_soglasie_bot_links_a_chat_and_stops_cleanly(tg_core, users, fake_api, tmp_path):
    now = dt.datetime.now(dt.timezone.utc)  # the process reads the wall clock, as in production
    token = parse_qs(urlsplit(create_link(tg_core, users["mhead"], now)).query)["start"][0]
    env = {**os.environ, "DATABASE_URL": tg_core.settings.database_url, "SOGLASIE_DATA_DIR": str(tmp_path),
           "SECRET_KEY": tg_core.settings.secret_key, "TELEGRAM_BOT_TOKEN": fake_api.token,
           "TELEGRAM_API_BASE_URL": fake_api.base_url, "PTB_TIMEDELTA": "true"}
    env.pop("TELEGRAM_WEBHOOK_URL", None)
    command = [sys.executable, "-c", "import sys; from soglasie.cli import main; sys.exit(main())", "bot",
               "--poll-timeout", "1"]
    process = subprocess.Popen(command, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        fake_api.user_sends(CHATS["mhead"], f"/start {token}")
        [confirmation] = fake_api.wait_sent(CHATS["mhead"], timeout=30)
        assert confirmation["text"].startswith("Готово")
    finally:
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=30)[0]
    assert process.returncode == 0, output
    assert "long polling" in output and "bot stopped" in output
    assert fake_api.token not in output  # request URLs carry the token: never logged
    with tg_core.db.read() as session:
        assert session.get(User, users["mhead"]).telegram_chat_id == CHATS["mhead"]
