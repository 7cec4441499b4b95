"""The command line's last line of defence: an unexpected error is logged, with tokens redacted."""

from __future__ import annotations

import argparse

import pytest

from bot import cli
from bot.settings import Settings

TOKEN = "123456:a-token-a-library-quoted"


def test_an_unexpected_error_is_logged_with_the_token_redacted_and_exits_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(settings: Settings, args: argparse.Namespace) -> int:
        raise RuntimeError(f"the server refused https://api.telegram.org/bot{TOKEN}/getMe")

    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setattr(cli, "_command", lambda name: broken)
    assert cli.main(["flow"]) == 1
    output = capsys.readouterr()
    assert TOKEN not in output.out + output.err
    assert "migo-bot flow stopped by an unexpected error" in output.err
    assert "the server refused https://api.telegram.org/bot[REDACTED]/getMe" in output.err
