"""The patient model of bench/journey_time.py, which the start page's "about N minutes" rests on
(issue 19)."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import journey_time as jt


def test_a_page_costs_reading_answering_typing_and_moving_on() -> None:
    page = jt.PageTime("red_flags", words=200, answers=4, extra_ticks=2, characters=10)
    assert page.patient_seconds == pytest.approx(
        60 * 200 / jt.WORDS_PER_MINUTE  # reading: 60 s at 200 words a minute
        + 4 * jt.SECONDS_PER_ANSWER
        + 2 * jt.SECONDS_PER_EXTRA_TICK
        + 10 / jt.CHARACTERS_PER_SECOND
        + jt.SECONDS_PER_PAGE
    )
    check = jt.PageTime("check", check_rows=90)
    assert check.patient_seconds == pytest.approx(90 * 0.5 + jt.SECONDS_PER_PAGE)


def test_a_journey_adds_the_patients_time_and_the_machines() -> None:
    journey = jt.Journey("V07", [jt.PageTime("a", words=100, machine_seconds=0.5)] * 2)
    assert journey.seconds == pytest.approx(2 * (30 + jt.SECONDS_PER_PAGE + 0.5))


def test_the_promise_is_the_median_rounded_up_to_whole_five_minutes() -> None:
    assert jt.promise([17.7 * 60, 18.5 * 60, 17.5 * 60]) == 20
    assert jt.promise([10 * 60, 9 * 60, 30 * 60]) == 10
    assert jt.promise([10.1 * 60]) == 15


def test_words_are_counted_as_a_reader_sees_them() -> None:
    assert jt.words("Has the patient's leg or foot suddenly turned cold?") == 10
