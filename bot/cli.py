"""The `migo-bot` command line: builds the settings once and hands them to a subcommand."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from pydantic import ValidationError

from bot.logs import configure_logging
from bot.settings import Settings, settings_problems

Command = Callable[[Settings, argparse.Namespace], int]
_log = logging.getLogger("bot")


def _not_yet(name: str) -> Command:
    def run(settings: Settings, args: argparse.Namespace) -> int:
        print(f"migo-bot {name}: not yet available", file=sys.stderr)
        return 2

    return run


def _flow(settings: Settings, args: argparse.Namespace) -> int:
    """Print the steps: a Mermaid flowchart, or one line per step."""
    from flows.diagram import mermaid, outline

    print(mermaid() if args.mermaid else outline(), end="")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="migo-bot", description="Migo onboarding bot")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("telegram", help="run the Telegram bot")
    console = commands.add_parser("console", help="the same conversation in a terminal")
    console.add_argument("--lang", choices=["es", "en"], default=None)
    console.add_argument("--json", action="store_true", help="one JSON object per bot reply")
    sandbox = commands.add_parser("sandbox", help="a local Leads API that honours the contract")
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--port", type=int, default=8080)
    sandbox.add_argument("--redis", action="store_true", help="keep leads in REDIS_URL")
    sandbox.add_argument("--token", default=None, help="the only bearer token accepted")
    status = commands.add_parser("status", help="look an invitation code up, as support staff")
    status.add_argument("code")
    flow = commands.add_parser("flow", help="print the conversation's steps")
    flow.add_argument("--mermaid", action="store_true", help="as a Mermaid flowchart")
    commands.add_parser("health", help="exit 0 when the session store answers (a healthcheck)")
    commands.add_parser("funnel", help="print the onboarding funnel kept in REDIS_URL")
    return parser


def _command(name: str) -> Command:
    """Import the subcommand lazily so `migo-bot console` never loads PTB, for instance."""
    try:
        if name == "sandbox":
            from bot.sandbox import sandbox_command

            return sandbox_command
        if name == "console":
            from bot.console import console_command

            return console_command
        if name == "telegram":
            from bot.telegram import telegram_command

            return telegram_command
        if name == "status":
            from bot.status import status_command

            return status_command
        if name == "flow":
            return _flow
        if name == "health":
            from bot.health import health_command

            return health_command
        if name == "funnel":
            from bot.funnel import funnel_command

            return funnel_command
    except ImportError as error:
        if error.name and error.name.startswith("bot."):
            return _not_yet(name)
        raise
    return _not_yet(name)


def _settings() -> Settings:
    env_file = Path(".env")
    # A FIFO (or a device) would be read for ever; a directory is ignored, as a missing file.
    if env_file.exists() and not env_file.is_file() and not env_file.is_dir():
        raise OSError("not a regular file")
    return Settings()


def _refused(command: str, reason: str, problems: list[str]) -> int:
    """Settings that cannot be used: said once, then exit 2 (health: one line and exit 1)."""
    if command == "health":
        # The healthcheck's contract: one line, exit 1 (Docker reserves 2).
        print(f"unhealthy: {'; '.join(problems) or reason}", file=sys.stderr)
        return 1
    print(f"migo-bot: {reason}", file=sys.stderr)
    for problem in problems:
        print(f"  {problem}", file=sys.stderr)
    return 2


def _secrets(settings: Settings) -> list[str]:
    tokens = [settings.telegram_bot_token, settings.leads_api_token, settings.webhook_secret_token]
    return [token.get_secret_value() for token in tokens if token is not None]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `migo-bot` console script."""
    args = _parser().parse_args(argv)
    try:
        settings = _settings()
    except ValidationError as error:
        return _refused(args.command, "the settings are not valid:", settings_problems(error))
    except (OSError, UnicodeDecodeError) as error:
        # .env exists but cannot be read (permissions, not UTF-8): its content is not quoted.
        reason = f"the settings could not be read from .env ({type(error).__name__})"
        return _refused(args.command, reason, [])
    configure_logging(settings.log_level, _secrets(settings))
    try:
        return _command(args.command)(settings, args)
    except KeyboardInterrupt:
        return 130
    except Exception:
        # Logged, not raised: Python prints an uncaught traceback past the filter that
        # redacts tokens, and a library's message may quote one.
        _log.critical("migo-bot %s stopped by an unexpected error", args.command, exc_info=True)
        return 1
