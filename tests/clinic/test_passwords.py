"""Staff passwords (issue 17): at least 12 characters, not a common password, not like the
person's own name, user name or email, and no composition rules (docs/security.md)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError


@pytest.fixture
def rita() -> User:
    # Unsaved: the validators read her attributes only.
    return User(
        username="rita.reception",
        first_name="Rita",
        last_name="Reception",
        email="rita.reception@clinic.example",
    )


def refusals(password: str, user: User) -> set[str]:
    """The codes of the rules `password` breaks for `user` (empty: accepted)."""
    try:
        validate_password(password, user)
    except ValidationError as error:
        return {str(e.code) for e in error.error_list}
    return set()


def test_an_eleven_character_password_is_refused_as_too_short(rita: User) -> None:
    assert refusals("plum violet", rita) == {"password_too_short"}


def test_a_twelve_character_passphrase_of_lowercase_words_is_accepted(rita: User) -> None:
    # No capitals, digits or symbols needed: length does the work.
    assert len("oak lamp sea") == 12
    assert refusals("oak lamp sea", rita) == set()


@pytest.mark.parametrize("password", ["password1234", "qwerasdfzxcv", "123123123123"])
def test_a_common_password_is_refused_however_long(password: str, rita: User) -> None:
    assert "password_too_common" in refusals(password, rita)


@pytest.mark.parametrize("password", ["rita.reception", "rita.reception1", "ritareception!"])
def test_a_password_like_the_user_name_is_refused(password: str, rita: User) -> None:
    assert "password_too_similar" in refusals(password, rita)


def test_a_long_password_of_digits_only_is_not_refused_for_its_characters(rita: User) -> None:
    # No composition rules, in either direction: NumericPasswordValidator is left out on purpose
    # (clinic/settings.py says why).
    assert refusals("492817365019", rita) == set()
