"""Reading settings from the environment, with `NAME_FILE` support for secrets."""

import os
import re
from pathlib import Path

TRUE_WORDS = {"1", "true", "yes", "on"}

# Every variable the settings have read: Stackledger's own configuration.
READ: set[str] = set()
FALSE_WORDS = {"0", "false", "no", "off", ""}


def env(name: str, default: str = "") -> str:
    """The variable's value; `NAME_FILE` pointing at a file (Docker secrets) wins."""
    READ.add(name)
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text().strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name, "1" if default else "0").strip().lower()
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise ValueError(f"{name}={value!r} is not a boolean: use 1/0, true/false, yes/no or on/off")


def env_int(name: str, default: int) -> int:
    value = env(name, str(default)).strip()
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{name}={value!r} is not a whole number") from None


def env_list(name: str, default: str = "") -> list[str]:
    """A comma-separated list, blanks dropped."""
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


# What a stack file or a discovery source may name as the environment variable holding a secret.
VARIABLE_NAME = re.compile(r"^[A-Z_][A-Z0-9_]{0,99}$")


def own_variables() -> set[str]:
    """Stackledger's own settings (and their NAME_FILE forms): never read as a credential of a
    tool, a channel or a source."""
    from django.conf import settings

    names = set(getattr(settings, "ENVIRONMENT_VARIABLES", ()))
    return names | {f"{name}_FILE" for name in names}
