"""The `triage` management command: JSON in, triage result out; invalid input exits with 2."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import pytest_django
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]

DVT_CASE = {
    "symptom_duration": "1_to_7_days",
    "affected_side": "left",
    "pain_regions": ["calf"],
    "leg_swollen": "ankle_or_calf",
    "swelling_side": "left",
    "calf_tender": "yes",
}
PE_CASE = {**DVT_CASE, "rf_breathless": "yes", "pulse_bpm": 112}


def run(
    *args: str, stdin: str | None = None, monkeypatch: pytest.MonkeyPatch | None = None
) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    if stdin is not None:
        assert monkeypatch is not None, "stdin is replaced through monkeypatch"
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    call_command("triage", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_invalid(tmp_path: Path, payload: str, *args: str) -> tuple[str, str]:
    path = tmp_path / "case.json"
    path.write_text(payload, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("triage", str(path), *args, stdout=out, stderr=err)
    assert exit_info.value.code == 2
    assert out.getvalue() == ""
    return out.getvalue(), err.getvalue()


def test_single_answer_object_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "case.json"
    path.write_text(json.dumps(DVT_CASE), encoding="utf-8")
    out, err = run(str(path))
    result = json.loads(out)
    assert result["tier"] == "URGENT"
    assert result["fired"] == ["URG_DVT"]
    assert result["ruleset_version"] == "2026.2"
    assert {"tier", "fired", "scores", "ruleset_version", "patient_message", "reasons"} <= set(
        result
    )
    assert result["reasons"][0]["code"] == "URG_DVT"
    assert err == ""


def test_array_gives_results_in_the_same_order(tmp_path: Path) -> None:
    path = tmp_path / "cases.json"
    path.write_text(json.dumps([{}, PE_CASE, DVT_CASE]), encoding="utf-8")
    out, _ = run(str(path))
    tiers = [result["tier"] for result in json.loads(out)]
    assert tiers == ["ROUTINE", "EMERGENCY", "URGENT"]


def test_reads_stdin_with_dash(monkeypatch: pytest.MonkeyPatch) -> None:
    out, _ = run("-", stdin=json.dumps(PE_CASE), monkeypatch=monkeypatch)
    assert json.loads(out)["fired"] == ["EMG_PE", "URG_DVT"]


def test_reads_stdin_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    out, _ = run(stdin=json.dumps({"rf_chest_pain": "not_sure"}), monkeypatch=monkeypatch)
    result = json.loads(out)
    assert result["tier"] == "EMERGENCY"
    assert result["not_sure"] == ["rf_chest_pain"]


def test_uses_the_configured_emergency_number(
    monkeypatch: pytest.MonkeyPatch, settings: pytest_django.Settings
) -> None:
    settings.CLINIC_EMERGENCY_NUMBER = "112"
    settings.CLINIC_URGENT_ADVICE_LINE = "the 116 117 line"
    out, _ = run(stdin=json.dumps({"rf_chest_pain": "yes"}), monkeypatch=monkeypatch)
    message = json.loads(out)["patient_message"]
    assert "Call 112 now" in message
    assert "999" not in message


def test_explain_prints_why_each_rule_fired(monkeypatch: pytest.MonkeyPatch) -> None:
    out, _ = run("--explain", stdin=json.dumps(PE_CASE), monkeypatch=monkeypatch)
    assert out.startswith("Tier: EMERGENCY (ruleset 2026.2)")
    assert "- EMG_PE [EMERGENCY]" in out
    assert "rf_breathless = yes" in out
    assert "dvt_pattern = True" in out
    assert "staff reason: Possible PE" in out
    assert "source: NICE NG158" in out
    assert "- URG_DVT [URGENT]" in out
    assert "Patient is told:" in out


def test_explain_for_an_array_numbers_the_items(tmp_path: Path) -> None:
    path = tmp_path / "cases.json"
    path.write_text(json.dumps([{}, DVT_CASE]), encoding="utf-8")
    out, _ = run(str(path), "--explain")
    assert "=== item 0 ===" in out and "=== item 1 ===" in out
    assert "RTN_DEFAULT" in out


def test_bad_json_exits_2(tmp_path: Path) -> None:
    _, err = run_invalid(tmp_path, "{not json")
    assert "Invalid JSON" in err


def test_json_that_is_not_an_object_or_array_exits_2(tmp_path: Path) -> None:
    _, err = run_invalid(tmp_path, '"hello"')
    assert "Expected a JSON object of answers, or an array of them." in err


def test_array_item_that_is_not_an_object_exits_2(tmp_path: Path) -> None:
    _, err = run_invalid(tmp_path, json.dumps([{}, 42]))
    assert "item 1: expected a JSON object of answers" in err


def test_unknown_code_exits_2_naming_the_index_and_code(tmp_path: Path) -> None:
    _, err = run_invalid(tmp_path, json.dumps([{}, {}, {"favourite_colour": "blue"}]))
    assert "item 2: favourite_colour: This question is not part of the form." in err


def test_invalid_value_exits_2_naming_the_code(tmp_path: Path) -> None:
    _, err = run_invalid(tmp_path, json.dumps({"age_years": 150}))
    assert "age_years: Please enter a number from 18 to 110." in err
    _, err = run_invalid(tmp_path, json.dumps([DVT_CASE, {"rf_chest_pain": "perhaps"}]))
    assert "item 1: rf_chest_pain:" in err


def test_missing_file_exits_2(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("triage", str(tmp_path / "nope.json"), stdout=out, stderr=err)
    assert exit_info.value.code == 2
    assert out.getvalue() == ""
    assert "Cannot read" in err.getvalue()


def test_exit_status_through_manage_py() -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "clinic.settings_test"}
    bad = subprocess.run(
        [sys.executable, "manage.py", "triage", "-"],
        input='{"age_years": "old"}',
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=False,
    )
    assert bad.returncode == 2
    assert bad.stdout == ""
    assert "age_years" in bad.stderr
    good = subprocess.run(
        [sys.executable, "manage.py", "triage", "-"],
        input=json.dumps(DVT_CASE),
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=False,
    )
    assert good.returncode == 0
    assert json.loads(good.stdout)["tier"] == "URGENT"
