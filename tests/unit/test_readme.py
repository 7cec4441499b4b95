"""The README's reference parts are true: commands, the deep-link example, the catalogue example."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from bot.deeplink import DeepLink, parse_payload
from flows.catalogue import Catalogue, load_catalogue

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text("utf-8")


def section(title: str) -> str:
    return README.split(f"\n{title}\n", 1)[1].split("\n#", 1)[0]


def test_the_commands_table_lists_every_subcommand() -> None:
    documented = set(re.findall(r"^\| `migo-bot (\w+)", section("## Commands"), flags=re.M))
    command = [sys.executable, "-m", "bot", "--help"]
    usage = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT).stdout
    listed = re.search(r"\{([\w,]+)\}", usage)
    assert listed is not None
    assert documented == set(listed.group(1).split(","))


def test_the_deep_link_example_carries_the_partner_and_the_merchant() -> None:
    links = re.findall(r"https://t\.me/\w+\?start=([\w-]+)", section("### Deep links"))
    assert links == ["p-tributax__m-4f2a91"]
    assert parse_payload(links[0], {"tributax"}) == DeepLink(partner="tributax", merchant="4f2a91")
    assert parse_payload(links[0], set()) == DeepLink(merchant="4f2a91")


def test_the_catalogue_example_loads_and_keeps_the_defaults_it_leaves_out(tmp_path: Path) -> None:
    block = re.search(r"```json\n(.*?)```", section("### The products catalogue"), flags=re.S)
    assert block is not None
    products = tmp_path / "products.json"
    products.write_text(block.group(1), encoding="utf-8")
    catalogue = load_catalogue(products)
    assert [option.value for option in catalogue.tax_regimes] == ["general"]
    assert catalogue.default_sdk in [profile.value for profile in catalogue.sdk_profiles]
    partial = tmp_path / "partial.json"
    partial.write_text('{"currencies": ["GTQ"]}', encoding="utf-8")
    assert load_catalogue(partial).payment_methods == Catalogue().payment_methods
