"""The journey bench's CPU report: stolen time is told apart from the machine's own work."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import journey_bench as jb

TICKS = jb.CLOCK_TICKS
# user nice system idle iowait irq softirq steal guest guest_nice
STAT = "cpu  500 10 200 9000 40 0 30 160 0 0\ncpu0 1 2 3 4 5 6 7 8 9 10\n"


def test_busy_leaves_out_idle_iowait_and_steal_and_steal_is_apart() -> None:
    busy, steal = jb.machine_cpu_seconds(STAT)
    assert busy == pytest.approx((500 + 10 + 200 + 30) / TICKS)
    assert steal == pytest.approx(160 / TICKS)


def test_a_kernel_without_steal_column_counts_none() -> None:
    busy, steal = jb.machine_cpu_seconds("cpu  500 10 200 9000 40 0 30\n")
    assert busy == pytest.approx(740 / TICKS)
    assert steal == 0


def test_the_live_machine_is_read() -> None:
    busy, steal = jb.machine_cpu_seconds()
    assert busy > 0
    assert steal >= 0


def test_other_is_machine_time_outside_the_watched_processes_not_steal() -> None:
    cpu = {
        "gunicorn": 10.0,
        "postgres": 2.0,
        "celery worker": 1.0,
        "bench client": 3.0,
        "machine": 18.0,
        "steal": 4.0,
    }
    line = jb.cpu_cores([jb.Phase("p", 10.0, {}, [], cpu)])
    assert "other 0.20 " in line  # (18 - 16) / 10 s: the stolen 4 s are not in it
    assert "0.40 more stolen by the host" in line
    assert "machine 1.80 of" in line


def test_a_short_page_of_a_step_counts_as_a_step() -> None:
    # Issue 19: the safety check's pages after the first are /intake/<token>/red_flags/<page>/.
    assert jb.kind_of("GET", "/intake/abc/red_flags/breathing/") == jb.STEP_GET
    assert jb.kind_of("POST", "/intake/abc/red_flags/breathing/") == jb.STEP_POST
    assert jb.kind_of("POST", "/intake/abc/red_flags/") == jb.STEP_POST
    assert jb.kind_of("GET", "/intake/abc/check/") == jb.CHECK_GET


@pytest.mark.django_db
def test_the_bench_journeys_walk_every_page_to_the_end() -> None:
    from intake import steps

    patient = jb.count_queries(["V07", "V02"])  # a routine journey and an emergency
    assert len(patient.counts[jb.STEP_POST]) + len(patient.interrupt_counts) >= 2 * len(
        [p for p in steps.PAGES if p.code == "red_flags"]
    )
    assert len(patient.counts[jb.DONE]) == 2
    assert max(patient.counts[jb.STEP_GET]) <= 1 and max(patient.counts[jb.STEP_POST]) <= 2
