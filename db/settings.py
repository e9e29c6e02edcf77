"""One settings object: DATABASE_URL and friends from the environment or .streamlit/secrets.toml."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = f"sqlite:///{PROJECT_ROOT / 'data' / 'customers.db'}"
SECRETS_FILE = PROJECT_ROOT / ".streamlit" / "secrets.toml"


def _secrets(path: Path = SECRETS_FILE) -> dict:
    if not path.is_file():
        return {}
    with path.open("rb") as fh:
        return tomllib.load(fh)


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_URL
    demo_customers: int = 5000
    idle_minutes: int = 30
    cache_ttl_seconds: int = 600

    @classmethod
    def load(cls, env: dict[str, str] | None = None, secrets_path: Path = SECRETS_FILE) -> Settings:
        env = os.environ if env is None else env
        secrets = _secrets(secrets_path)
        url = env.get("DATABASE_URL") or secrets.get("DATABASE_URL") or DEFAULT_URL
        return cls(
            database_url=url,
            demo_customers=int(env.get("DEMO_CUSTOMERS", secrets.get("DEMO_CUSTOMERS", 5000))),
            idle_minutes=int(env.get("SESSION_IDLE_MINUTES", secrets.get("SESSION_IDLE_MINUTES", 30))),
            cache_ttl_seconds=int(env.get("CACHE_TTL_SECONDS", secrets.get("CACHE_TTL_SECONDS", 600))),
        )

    @property
    def safe_url(self) -> str:
        """The database URL with any password hidden, fit to show on screen."""
        return make_url(self.database_url).render_as_string(hide_password=True)
