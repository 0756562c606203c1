"""evaluate(): normalisation (§2.2-§2.3), the patient message (§1, §2.5, §7.7), staff reasons,
the result's shape, and robustness."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from intake.triage import Tier, evaluate, normalise, patient_message
from intake.triage.engine import FOOTERS
from tests.intake.triage.helpers import ECQ_DEFINITE, RED_FLAG_CODES, answers, triage, vignette_data

# --- §2.2 / §2.3 -------------------------------------------------------------------------------


def test_not_sure_on_a_red_flag_counts_as_yes_but_staff_still_see_it() -> None:
    unsure = triage(rf_chest_pain="not_sure")
    sure = triage(rf_chest_pain="yes")
    assert unsure.tier is Tier.EMERGENCY
    assert unsure.fired == sure.fired == ("EMG_CHEST_BREATH",)
    assert unsure.not_sure == ("rf_chest_pain",)
    assert sure.not_sure == ()
    assert unsure.to_dict()["not_sure"] == ["rf_chest_pain"]


def test_every_red_flag_answered_not_sure_is_reported() -> None:
    result = triage(**dict.fromkeys(RED_FLAG_CODES, "not_sure"))
    assert result.tier is Tier.EMERGENCY
    assert result.not_sure == RED_FLAG_CODES


def test_not_sure_on_a_non_red_flag_question_is_not_yes() -> None:
    # prev_clot / pregnancy_status / rf_numb_weak_onset "not_sure" are single-choice answers,
    # not red flags: kept as "not_sure", and never listed among the red flags answered not sure.
    assert normalise(answers(prev_clot="not_sure"))["prev_clot"] == "not_sure"
    onset = answers(rf_numb_weak_new="yes", rf_numb_weak_onset="not_sure")
    assert normalise(onset)["rf_numb_weak_onset"] == "not_sure"
    assert triage(prev_clot="not_sure").not_sure == ()


def test_not_sure_about_a_previous_clot_is_vte_context_for_breathlessness() -> None:
    # 2026.2 (§4 vte_risk, §11 item 4): EMG_CHEST_BREATH becomes EMG_PE, same tier.
    assert triage(rf_breathless="yes", prev_clot="not_sure").fired == ("EMG_PE",)
    assert triage(rf_breathless="yes", prev_clot="no").fired == ("EMG_CHEST_BREATH",)


def test_faint_with_unsure_pregnancy_is_emg_pe_without_the_pregnancy_note() -> None:
    # 2026.2 (§11 item 4): URG_FAINT → EMG_PE. The obstetric note needs pregnant/postpartum.
    woman = {"sex_at_birth": "female", "age_years": 30}
    result = triage(**woman, pregnancy_status="not_sure", rf_fainted="yes")
    assert result.fired == ("EMG_PE",)
    assert "obstetric" not in result.rules[0].staff_reason
    assert triage(**woman, pregnancy_status="no", rf_fainted="yes").fired == ("URG_FAINT",)


def test_onset_question_is_kept_when_numbness_is_answered_not_sure() -> None:
    # §2.3 / §7.1: show-if is decided on the RAW answers, before not_sure → yes.
    raw = answers(rf_numb_weak_new="not_sure", rf_numb_weak_onset="1_to_14_days")
    a = normalise(raw)
    assert a["rf_numb_weak_new"] == "yes"
    assert a["rf_numb_weak_onset"] == "1_to_14_days"
    hidden = normalise(answers(rf_numb_weak_new="no", rf_numb_weak_onset="1_to_14_days"))
    assert hidden["rf_numb_weak_onset"] is None


def test_pregnancy_status_of_a_man_is_ignored() -> None:
    result = triage(sex_at_birth="male", pregnancy_status="pregnant", rf_breathless="yes")
    assert result.fired == ("EMG_CHEST_BREATH",)
    assert normalise(answers(pregnancy_status="pregnant"))["pregnancy_status"] is None


def test_pregnancy_status_counts_for_a_woman_of_childbearing_age() -> None:
    woman = {"sex_at_birth": "female", "age_years": 30, "pregnancy_status": "pregnant"}
    assert triage(**woman, rf_breathless="yes").fired == ("EMG_PE",)
    older = {**woman, "age_years": 56}
    assert triage(**older, rf_breathless="yes").fired == ("EMG_CHEST_BREATH",)


def test_ecq_items_are_ignored_when_ecq1_is_not_yes() -> None:
    result = triage(**{**ECQ_DEFINITE, "ecq1_walk_pain": "no"})
    assert result.fired == ("RTN_DEFAULT",)
    assert result.scores["ecq_class"] == "not_applicable"


def test_hidden_chain_hides_calf_difference_when_leg_not_swollen() -> None:
    # calf_difference_cm depends on swelling_side, which is hidden when leg_swollen = no
    a = normalise(answers(leg_swollen="no", swelling_side="left", calf_difference_cm=5))
    assert a["swelling_side"] is None
    assert a["calf_difference_cm"] is None


def test_hidden_multi_becomes_an_empty_list() -> None:
    a = normalise(answers(wound_present="no", wound_location=["toes_or_foot"]))
    assert a["wound_location"] == []
    assert normalise({})["conditions"] == []


def test_absent_answers_are_unanswered_and_partial_forms_evaluate() -> None:
    assert evaluate({}).fired == ("RTN_DEFAULT",)
    assert evaluate({"rf_cold_pale_sudden": "yes"}).tier is Tier.EMERGENCY
    assert normalise({})["age_years"] is None


def test_garbage_values_do_not_crash_triage() -> None:
    garbage = answers(
        symptom_duration=["lt_24h"],
        conditions=[["diabetes_type1"], {"x": 1}],
        age_years="sixty",
        leg_swollen={"a": 1},
        skin_changes="red_or_darker_warm_patch",
        rf_chest_pain="yes",
    )
    result = evaluate(garbage)
    assert result.tier is Tier.EMERGENCY  # the valid red flag still counts


# --- patient message (§7.7, §1, §2.5) ----------------------------------------------------------


def test_patient_message_shows_at_most_three_top_tier_sentences_then_the_footer() -> None:
    result = triage(
        rf_cold_pale_sudden="yes",
        rf_chest_pain="yes",
        rf_bladder_bowel="yes",
        rf_sepsis_signs=["feel_might_die"],
        rf_vein_bleeding="bleeding_now_not_stopping",
        visible_veins="bulging_veins",
    )
    assert result.tier is Tier.EMERGENCY
    assert len(result.patient_sentences) == 3
    parts = result.patient_message.split("\n\n")
    assert parts[:3] == [rule.patient_text for rule in result.rules[:3]]
    assert parts[3] == result.patient_footer
    assert len(parts) == 4
    assert "vein problem" not in result.patient_message  # lower-tier text not shown


def test_routine_message_shows_only_the_first_rule_sentence_then_the_category() -> None:
    # §7.7 (2026.2, §11 item 10): one sentence for SOON and ROUTINE, staff still see every rule.
    result = triage(
        visible_veins="bulging_veins",
        leg_swollen="ankle_or_calf",
        swelling_side="both",
        joint_pain_stiffness="yes",
    )
    assert result.tier is Tier.ROUTINE
    assert result.fired == ("RTN_VENOUS_DISEASE", "RTN_SWELLING", "RTN_MSK")
    assert result.patient_sentences == ("Your answers fit a vein problem such as varicose veins.",)
    assert result.patient_message.split("\n\n") == [
        "Your answers fit a vein problem such as varicose veins.",
        "From your answers, the most likely area is veins (venous clinic). This helps us book "
        "you with the right team.",
        FOOTERS[Tier.ROUTINE],
    ]


def test_soon_message_shows_only_the_first_rule_sentence_then_the_category() -> None:
    result = triage(**ECQ_DEFINITE, hard_vein="yes", hard_vein_site="below_knee")
    assert result.tier is Tier.SOON
    assert result.fired[:2] == ("SOON_CLAUDICATION", "SOON_SVT_LOW")
    claudication = "Your answers fit pain from narrowed leg arteries when walking (claudication)."
    assert result.patient_sentences == (claudication,)
    assert result.patient_message.split("\n\n") == [
        claudication,
        "From your answers, the most likely area is leg arteries (arterial clinic). This helps "
        "us book you with the right team.",
        FOOTERS[Tier.SOON],
    ]


def test_urgent_message_shows_up_to_three_top_tier_sentences() -> None:
    two = triage(
        rf_fainted="yes", rf_vein_bleeding="bled_and_stopped", visible_veins="bulging_veins"
    )
    assert two.tier is Tier.URGENT
    assert len(two.patient_sentences) == 2
    assert two.patient_message.split("\n\n") == [*two.patient_sentences, two.patient_footer]
    four = triage(
        rf_weakness_worsening="yes",
        rf_vein_bleeding="bled_and_stopped",
        rf_sudden_back_tummy_pain="yes",
        pulse_bpm=135,
        age_years=40,
    )
    assert four.tier is Tier.URGENT
    assert four.fired == ("URG_NEURO", "URG_VV_BLED", "URG_BACK_ABDO_PAIN", "URG_PULSE")
    assert four.patient_sentences == tuple(rule.patient_text for rule in four.rules[:3])
    assert four.patient_message.split("\n\n") == [*four.patient_sentences, four.patient_footer]


def test_configured_emergency_number_and_advice_line_replace_999_and_nhs_111() -> None:
    result = evaluate(
        answers(rf_chest_pain="yes"), emergency_number="112", advice_line="the 116 117 line"
    )
    assert result.patient_footer.startswith("Call 112 now")
    assert "999" not in result.patient_message
    routine = evaluate(answers(), emergency_number="911", advice_line="your doctor's line")
    assert "Call 911 for chest pain" in routine.patient_message
    assert "NHS 111" not in routine.patient_message
    assert "your doctor's line" in routine.patient_message


def test_rule_sentences_use_the_configured_number_too() -> None:
    result = evaluate(answers(rf_vein_bleeding="bled_and_stopped"), emergency_number="112")
    assert "call 112 if it has not stopped" in result.patient_message
    assert "call 112 if it has not stopped" in result.to_dict()["reasons"][0]["patient_text"]


def test_urgent_footer_with_cutoff_time() -> None:
    result = evaluate(answers(rf_fainted="yes"), callback_cutoff=dt.time(16, 30))
    assert "If we have not called by 16:30, or the clinic is closed" in result.patient_footer
    result = evaluate(answers(rf_fainted="yes"), callback_cutoff="4.30pm")
    assert "by 4.30pm" in result.patient_footer


def test_urgent_footer_without_cutoff_uses_the_4_hour_target() -> None:
    result = triage(rf_fainted="yes")
    assert result.tier is Tier.URGENT
    assert "If we have not called within 4 hours" in result.patient_footer
    assert "{" not in result.patient_message


def test_urgent_footer_when_the_clinic_is_closed_sends_the_patient_to_111_now() -> None:
    result = evaluate(answers(rf_fainted="yes"), clinic_open_now=False, advice_line="NHS 111")
    assert "Call NHS 111 or your GP now for a same-day appointment." in result.patient_footer
    assert "The clinic will phone you today" not in result.patient_message
    assert "call 999" in result.patient_footer


def test_clinic_open_flag_only_changes_urgent_wording() -> None:
    for overrides in ({"rf_chest_pain": "yes"}, {}, ECQ_DEFINITE):
        open_ = evaluate(answers(**overrides), clinic_open_now=True)
        closed = evaluate(answers(**overrides), clinic_open_now=False)
        assert open_.patient_message == closed.patient_message


def test_routine_and_soon_messages_include_the_likely_category() -> None:
    soon = triage(**ECQ_DEFINITE)
    assert soon.tier is Tier.SOON and soon.likely_category == "arterial"
    assert "leg arteries" in soon.patient_message
    assert soon.patient_message.endswith(FOOTERS[Tier.SOON])
    routine = triage(
        rls1_urge="yes", rls2_rest="yes", rls3_movement="yes", rls4_evening="yes", rls5_mimic="no"
    )
    assert routine.likely_category == "sleep"
    assert "restless legs (sleep clinic)" in routine.patient_message
    default = triage()
    assert default.likely_category == "general_vascular"


def test_emergency_message_has_no_likely_category_sentence() -> None:
    result = triage(rf_chest_pain="yes", visible_veins="bulging_veins")
    assert result.likely_category == "venous"  # still there for staff routing
    assert "most likely area" not in result.patient_message


# --- staff view --------------------------------------------------------------------------------


def test_fired_rules_sorted_by_tier_then_spec_order() -> None:
    result = triage(
        visible_veins="bulging_veins",
        rf_fainted="yes",
        hard_vein="yes",
        hard_vein_site="below_knee",
        rf_saddle_numb="yes",
        rf_weakness_worsening="yes",
    )
    assert result.fired == (
        "EMG_CES",
        "URG_NEURO",
        "URG_FAINT",
        "SOON_SVT_LOW",
        "RTN_VENOUS_DISEASE",
    )
    assert [rule.code for rule in result.rules] == list(result.fired)


def test_staff_reasons_have_their_placeholders_filled() -> None:
    result = triage(**ECQ_DEFINITE)
    assert result.rules[0].staff_reason.startswith("ECQ definite, grade 2.")
    dvt = triage(
        symptom_duration="1_to_7_days",
        affected_side="left",
        pain_regions=["calf"],
        calf_tender="yes",
        active_cancer="yes",
    )
    assert "pWells = 2" in dvt.rules[0].staff_reason
    for rule in dvt.rules:
        assert "{" not in rule.staff_reason


def test_pe_staff_reason_shows_pe_wells_and_pulse() -> None:
    result = triage(rf_breathless="yes", hormones="yes", pulse_bpm=120)
    reason = result.rules[0].staff_reason
    assert "Partial PE-Wells = 1.5" in reason
    assert "pulse_bpm = 120" in reason


def test_pregnancy_note_added_to_dvt_and_pe_reasons() -> None:
    pregnant = {"sex_at_birth": "female", "age_years": 32, "pregnancy_status": "pregnant"}
    result = triage(
        **pregnant,
        rf_breathless="yes",
        symptom_duration="1_to_7_days",
        leg_swollen="ankle_or_calf",
        swelling_side="left",
    )
    assert result.fired == ("EMG_PE", "URG_DVT")
    for rule in result.rules:
        assert "obstetric VTE pathway" in rule.staff_reason
    not_pregnant = triage(
        rf_breathless="yes",
        symptom_duration="1_to_7_days",
        leg_swollen="ankle_or_calf",
        swelling_side="left",
    )
    assert all("obstetric" not in rule.staff_reason for rule in not_pregnant.rules)


def test_evidence_shows_the_answers_a_rule_read() -> None:
    result = triage(rf_vein_bleeding="bled_and_stopped")
    assert result.rules[0].evidence == {"rf_vein_bleeding": "bled_and_stopped"}
    ali = triage(rf_cold_pale_sudden="not_sure")
    assert ali.rules[0].evidence["rf_cold_pale_sudden"] == "yes"  # after not_sure → yes


# --- shape -------------------------------------------------------------------------------------


def test_to_dict_is_json_serialisable_with_the_documented_keys() -> None:
    data = triage(rf_breathless="yes", hormones="yes").to_dict()
    assert set(data) == {
        "tier",
        "fired",
        "scores",
        "ruleset_version",
        "patient_message",
        "reasons",
        "not_sure",
        "likely_category",
    }
    assert data["tier"] == "EMERGENCY"
    assert data["ruleset_version"] == "2026.2"
    assert set(data["reasons"][0]) == {"code", "tier", "staff_reason", "source", "patient_text"}
    assert json.loads(json.dumps(data)) == data


def test_scores_have_every_documented_key() -> None:
    assert set(triage().scores) >= {
        "p_wells",
        "pe_wells",
        "ecq_class",
        "ecq_grade",
        "dn4i",
        "ceap_c_est",
        "vcss_pain",
        "vcss_compression",
        "vcss_ulcer_duration",
        "rls_frequency",
        "rls_probable",
    }


def test_tier_is_ordered_and_prints_its_name() -> None:
    assert Tier.ROUTINE < Tier.SOON < Tier.URGENT < Tier.EMERGENCY
    assert str(Tier.EMERGENCY) == "EMERGENCY"
    assert f"{Tier.URGENT}" == "URGENT"
    assert Tier.from_name("SOON") is Tier.SOON


def test_evaluate_does_not_modify_the_answers() -> None:
    given = answers(rf_chest_pain="not_sure", ecq1_walk_pain="no", ecq6_sites=["calf"])
    snapshot = json.dumps(given, sort_keys=True)
    evaluate(given)
    assert json.dumps(given, sort_keys=True) == snapshot


def test_normalise_returns_exactly_the_catalogue_codes() -> None:
    from intake.triage import QUESTIONS

    # Keys outside the catalogue are left out, even one that is not a string.
    given: dict[Any, object] = {"favourite_colour": "blue", 3: "x", "rf_fever": "not_sure"}
    a = normalise(given)
    assert list(a) == [q.code for q in QUESTIONS]
    assert a["rf_fever"] == "yes"
    assert a["pain_regions"] == [] and a["pain_regions"] is not normalise({})["pain_regions"]


# --- The patient's message from stored rule codes (rendered when shown) ------------------------


def test_the_message_from_stored_codes_is_the_message_evaluate_gave() -> None:
    data = vignette_data()
    for vignette in data["vignettes"]:
        result = evaluate({**data["defaults"], **vignette["answers"]}, clinic_open_now=False)
        # Stored codes come back in any order; the message does not depend on it.
        message = patient_message(reversed(result.fired), clinic_open_now=False)
        assert message.paragraphs == tuple(result.patient_message.split("\n\n")), vignette["id"]
        assert message.sentences == result.patient_sentences
        assert message.footer == result.patient_footer


def test_every_text_of_the_message_goes_through_the_translation() -> None:
    def marked(text: str) -> str:  # a stand-in translation that shows where it was applied
        return f"«{text}»"

    routine = patient_message(["RTN_VENOUS_DISEASE", "RTN_SWELLING"], translate=marked)
    assert routine.sentences == ("«Your answers fit a vein problem such as varicose veins.»",)
    assert routine.category_sentence == (
        "«From your answers, the most likely area is «veins (venous clinic)». This helps us "
        "book you with the right team.»"
    )
    assert routine.footer == f"«{FOOTERS[Tier.ROUTINE]}»"
    urgent = patient_message(["URG_DVT"], translate=marked, callback_cutoff=dt.time(17))
    assert "If we have not called «by 17:00», or the clinic is closed" in urgent.footer
    closed = patient_message(["URG_DVT"], translate=marked, clinic_open_now=False)
    assert closed.footer.startswith("«You need to be seen today. Call NHS 111 or your GP now")


def test_the_configured_numbers_replace_the_uk_ones_after_translation() -> None:
    message = patient_message(["EMG_PE"], emergency_number="112", advice_line="your GP line")
    assert message.footer.startswith("Call 112 now")
    assert "999" not in " ".join(message.paragraphs)


def test_a_retired_or_unknown_code_is_skipped_and_nothing_left_is_the_default() -> None:
    assert patient_message(["NOT_A_RULE", "URG_DVT"]).sentences == (
        patient_message(["URG_DVT"]).sentences
    )
    assert patient_message([]).sentences == ("We did not find any urgent warning signs.",)
