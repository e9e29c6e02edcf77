"""One settings object: DATABASE_URL and friends from the environment or .streamlit/secrets.toml."""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = f"sqlite:///{PROJECT_ROOT / 'data' / 'customers.db'}"
SECRETS_FILE = PROJECT_ROOT / ".streamlit" / "secrets.toml"
DEFAULT_DEMO_CUSTOMERS = 5000  # the embedded default database's first run (db.demo_marker)
_SIZE = re.compile(r"\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)", re.IGNORECASE)


def _secrets(path: Path = SECRETS_FILE) -> dict:
    if not path.is_file():
        return {}
    with path.open("rb") as fh:
        return tomllib.load(fh)


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_URL
    demo_customers: int = 0  # see demo_customers_for: 5000 for the embedded default only
    idle_minutes: int = 30
    cache_ttl_seconds: int = 600
    analytics_dir: str = str(PROJECT_ROOT / "data" / "analytics")
    analytics_refresh_seconds: float = 60
    analytics_full_reload_seconds: float = 3600
    analytics_memory_limit: str = "1GB"
    analytics_threads: int = 2

    @classmethod
    def load(cls, env: dict[str, str] | None = None, secrets_path: Path = SECRETS_FILE) -> Settings:
        env = os.environ if env is None else env
        secrets = _secrets(secrets_path)
        url = env.get("DATABASE_URL") or secrets.get("DATABASE_URL") or DEFAULT_URL

        def get(name: str, field: str, kind=str):
            default = getattr(cls, field)
            raw = env.get(name, secrets.get(name, default))
            try:
                return kind(raw)
            except (TypeError, ValueError):
                raise ValueError(f"{name}: expected {kind.__name__}, got {raw!r}") from None

        memory = get("ANALYTICS_MEMORY_LIMIT", "analytics_memory_limit").strip()
        if not _SIZE.fullmatch(memory):
            raise ValueError(f"ANALYTICS_MEMORY_LIMIT: expected a size such as 1GB or 512MB, got {memory!r}")
        return cls(
            database_url=url,
            demo_customers=demo_customers_for(url, env.get("DEMO_CUSTOMERS", secrets.get("DEMO_CUSTOMERS"))),
            idle_minutes=get("SESSION_IDLE_MINUTES", "idle_minutes", int),
            cache_ttl_seconds=get("CACHE_TTL_SECONDS", "cache_ttl_seconds", int),
            analytics_dir=get("ANALYTICS_DIR", "analytics_dir"),
            analytics_refresh_seconds=get("ANALYTICS_REFRESH_SECONDS", "analytics_refresh_seconds", float),
            analytics_full_reload_seconds=get(
                "ANALYTICS_FULL_RELOAD_SECONDS", "analytics_full_reload_seconds", float
            ),
            analytics_memory_limit=memory,
            analytics_threads=max(1, get("ANALYTICS_THREADS", "analytics_threads", int)),
        )

    @property
    def safe_url(self) -> str:
        """The database URL with any password hidden, fit to show on screen."""
        return make_url(self.database_url).render_as_string(hide_password=True)


def demo_customers_for(url: str, asked: object) -> int:
    """How many demo customers a first run may add: DEMO_CUSTOMERS when it is set; otherwise
    DEFAULT_DEMO_CUSTOMERS for the embedded default database and none for any other."""
    if asked is None or asked == "":
        return DEFAULT_DEMO_CUSTOMERS if url == DEFAULT_URL else 0
    try:
        return int(asked)
    except (TypeError, ValueError):
        raise ValueError(f"DEMO_CUSTOMERS: expected int, got {asked!r}") from None
