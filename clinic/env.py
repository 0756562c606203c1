"""Strict readers for environment variables that settings cannot afford to misread.

django-environ's `Env.bool` treats any value it does not recognise as False, so a typo such as
`DJANGO_HTTPS=ture` silently turns HTTPS off (issue 16). `env_bool` accepts only the spellings
below and stops start-up on anything else, naming the variable.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from django.core.exceptions import ImproperlyConfigured

TRUE_VALUES = frozenset({"1", "true", "yes", "on"})
FALSE_VALUES = frozenset({"0", "false", "no", "off"})


def env_bool(name: str, default: bool, environ: Mapping[str, str] = os.environ) -> bool:
    """The boolean in environment variable `name`: 1/true/yes/on or 0/false/no/off, in any case
    and with surrounding whitespace ignored; `default` when it is absent or empty. Anything else
    raises ImproperlyConfigured naming the variable, the value it got and what is accepted (a
    boolean holds no secret, so the value is safe to show)."""
    raw = environ.get(name, "")
    value = raw.strip().lower()
    if not value:
        return default
    if value in TRUE_VALUES:
        return True
    if value in FALSE_VALUES:
        return False
    raise ImproperlyConfigured(
        f"{name} must be true or false (1/0, yes/no, on/off), not {raw!r}. See .env.example."
    )


def env_days(name: str, default: int, environ: Mapping[str, str] = os.environ) -> int:
    """A number of days in environment variable `name`: a whole number of at least 1, with
    surrounding whitespace ignored; `default` when it is absent or empty. Anything else (a
    typo, 0, a negative number, "8y") raises ImproperlyConfigured naming the variable: a
    retention period read as 0 would delete records the day they are made (issue 18)."""
    raw = environ.get(name, "")
    value = raw.strip()
    if not value:
        return default
    try:
        days = int(value)
    except ValueError:
        days = 0
    if days < 1:
        raise ImproperlyConfigured(
            f"{name} must be a whole number of days, 1 or more, not {raw!r}. See .env.example."
        )
    return days


def env_fernet_keys(name: str, environ: Mapping[str, str] = os.environ) -> list[str]:
    """The Fernet keys in environment variable `name`, comma-separated, the current one first
    (encryption at rest, issue 18); [] when it is absent or empty. Each must be what
    `Fernet.generate_key()` prints (32 random bytes, URL-safe base64). Anything else raises
    ImproperlyConfigured naming the variable and the key's position, never the key itself."""
    from cryptography.fernet import Fernet

    keys = [key.strip() for key in environ.get(name, "").split(",") if key.strip()]
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except ValueError:
            raise ImproperlyConfigured(
                f"{name}: key {position} of {len(keys)} is not a Fernet key (32 bytes, URL-safe "
                'base64). Generate one with: python -c "from cryptography.fernet import Fernet; '
                'print(Fernet.generate_key().decode())". See docs/security.md.'
            ) from None
    if len(set(keys)) != len(keys):
        raise ImproperlyConfigured(f"{name} lists the same key twice. See docs/security.md.")
    return keys
