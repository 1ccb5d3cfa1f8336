"""A real OpenID provider on loopback: panva's oidc-provider from npm (`make servers` installs
it under $SERVERS/oidc-provider), run with provider.mjs beside this file."""

import json
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import needs_service
from tests.probes.servers import SERVERS, free_port, running

HERE = Path(__file__).resolve().parent
CLIENT_ID = "stackledger"
CLIENT_SECRET = "stackledger-test-client-secret"


class Provider:
    """The running provider: its issuer, and the people it knows, which a test may change
    between two sign-ins (the provider reads them at each one)."""

    def __init__(self, issuer: str, accounts: Path):
        self.issuer = issuer
        self.accounts = accounts

    def set_people(self, people: dict[str, dict]) -> None:
        """{"account id": {"email": ..., "name": ..., "groups": [...]}}; emails count as verified."""
        self.accounts.write_text(json.dumps({
            account: {"email_verified": True, **claims} for account, claims in people.items()
        }))


@contextmanager
def oidc_provider(redirect_uri: str, people: dict[str, dict]):
    node = shutil.which("node")
    modules = SERVERS / "oidc-provider" / "node_modules"
    if node is None:
        needs_service("Node.js is not installed (apt-get install nodejs npm)")
    if not (modules / "oidc-provider").is_dir():
        needs_service(f"{modules / 'oidc-provider'} is missing: run `make servers`")
    home = Path(tempfile.mkdtemp(prefix="oidc-provider-"))
    # The script beside the installed package, so that its `import 'oidc-provider'` finds it.
    shutil.copy(HERE / "provider.mjs", home / "provider.mjs")
    (home / "node_modules").symlink_to(modules)
    port = free_port()
    provider = Provider(f"http://127.0.0.1:{port}", home / "accounts.json")
    provider.set_people(people)
    env = {"PORT": str(port), "CLIENT_ID": CLIENT_ID, "CLIENT_SECRET": CLIENT_SECRET,
           "REDIRECT_URI": redirect_uri, "ACCOUNTS": str(provider.accounts)}
    try:
        with running([node, str(home / "provider.mjs")], health=f"{provider.issuer}/.well-known/openid-configuration",
                     env=env, cwd=home):
            yield provider
    finally:
        shutil.rmtree(home, ignore_errors=True)
