"""End-to-end fixtures: the sandbox process fixture is shared with the contract tests."""

from tests.contract.conftest import sandbox_process

__all__ = ["sandbox_process"]
