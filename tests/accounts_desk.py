"""A desk of accounts for tests: each account on a sandbox of its own, which accepts only
that account's throwaway key and holds numbers of its own (`vary`), and an accounts file
naming them, with the keys on disk or in variables as a desk writes them."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
from cryptography.hazmat.primitives import serialization

from adapter.domain import Venue
from adapter.sandbox import Sandbox
from adapter.venues import coinswitch_dma, kalshi
from adapter.venues.coinswitch_dma.simulator import CoinSwitchSimulator
from adapter.venues.kalshi.simulator import KalshiSimulator


@attrs.frozen
class Member:
    """One account of the desk: its name and venue, and how its secret is given: for
    Kalshi "pem" (a plain PEM file) or "encrypted" (a password by variable); for
    CoinSwitch DMA "env" (the seed by variable), "file" or "inline"."""

    name: str
    venue: Venue
    secret: str


KALSHI_PEM = Member("us-desk", Venue.KALSHI, "pem")
KALSHI_ENCRYPTED = Member("us-fund", Venue.KALSHI, "encrypted")
COINSWITCH_ENV = Member("in-master", Venue.COINSWITCH_DMA, "env")
COINSWITCH_FILE = Member("in-treasury", Venue.COINSWITCH_DMA, "file")
FOUR = (KALSHI_PEM, KALSHI_ENCRYPTED, COINSWITCH_ENV, COINSWITCH_FILE)


@attrs.define
class Desk:
    """The accounts file, the variables it names, and each account's sandbox."""

    path: Path
    environ: dict[str, str]
    sandboxes: dict[str, Sandbox]
    members: list[Member]

    def expected(self, name: str) -> dict[int | None, Decimal]:
        """The balance per subaccount the account's sandbox holds now."""
        simulator = self.sandboxes[name].simulators[self.member(name).venue]
        if isinstance(simulator, KalshiSimulator):
            return {
                number: sum((Decimal(v) for v in held.values()), Decimal(0))
                for number, held in simulator.shards.items()
            }
        balances: dict[int | None, Decimal] = {
            None: Decimal(simulator.master["balance_detail"]["totalEquity"])
        }
        for number, data in simulator.accounts.items():
            balances[number] = Decimal(data["balance_detail"]["totalEquity"])
        return balances

    def member(self, name: str) -> Member:
        return next(m for m in self.members if m.name == name)


@contextlib.contextmanager
def accounts_desk(directory: Path, members: Sequence[Member] = FOUR) -> Iterator[Desk]:
    """The members' sandboxes started, their keys written into `directory` (0600), and an
    accounts file there naming them."""
    sandboxes: dict[str, Sandbox] = {}
    tables: list[str] = []
    environ: dict[str, str] = {}
    with contextlib.ExitStack() as stack:
        for variant, member in enumerate(members):
            simulator: Any = (
                KalshiSimulator.demo()
                if member.venue == Venue.KALSHI
                else CoinSwitchSimulator.demo()
            )
            simulator.vary(variant)
            sandbox = stack.enter_context(Sandbox([simulator]))
            sandboxes[member.name] = sandbox
            tables.append(_table(member, sandbox, simulator, directory, environ))
        path = directory / "accounts.toml"
        path.write_text("\n".join(tables))
        path.chmod(0o600)
        yield Desk(path=path, environ=environ, sandboxes=sandboxes, members=list(members))


def _table(
    member: Member, sandbox: Sandbox, simulator: Any, directory: Path, environ: dict[str, str]
) -> str:
    (directory / member.name).mkdir(exist_ok=True)
    keys = simulator.environment(directory / member.name)
    url = sandbox.base_url(member.venue)
    lines = [f"[accounts.{member.name}]", f'venue = "{member.venue}"', f'base_url = "{url}"']
    lines.append("rate_limit = false")  # tests wait for no limiter
    variable = member.name.upper().replace("-", "_")
    if member.venue == Venue.KALSHI:
        pem = Path(keys[kalshi.PRIVATE_KEY_PATH])
        lines.append(f'api_key_id = "{keys[kalshi.KEY_ID]}"')
        if member.secret == "encrypted":
            password = f"pass phrase of {member.name}"
            key = serialization.load_pem_private_key(pem.read_bytes(), None)
            pem.write_bytes(
                key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.BestAvailableEncryption(password.encode()),
                )
            )
            environ[f"{variable}_PEM_PASSWORD"] = password
            lines.append(f'private_key_password_env = "{variable}_PEM_PASSWORD"')
        pem.chmod(0o600)
        lines.append(f'private_key_path = "{pem}"')
    else:
        lines.append(f'api_key = "{keys[coinswitch_dma.API_KEY]}"')
        secret = keys[coinswitch_dma.SECRET_KEY]
        if member.secret == "env":
            environ[f"{variable}_SECRET"] = secret
            lines.append(f'secret_key_env = "{variable}_SECRET"')
        elif member.secret == "file":
            path = directory / f"{member.name}.secret"
            path.write_text(secret + "\n")
            os.chmod(path, 0o600)
            lines.append(f'secret_key_file = "{path}"')
        else:
            lines.append(f'secret_key = "{secret}"')
    return "\n".join(lines) + "\n"
