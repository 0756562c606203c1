"""The triage rules (spec §6, ruleset 2026.2) as one ordered table.

Each rule is a row of ``RULES``: a stable UPPER_SNAKE code (stored with every submission and
never renamed), its tier, a small named condition function over ``(answers, derived, fired)``,
the patient sentence, the staff reason, the guideline source, and ``uses``: the answers and
derived variables the condition reads, which are shown to staff as the rule's evidence.

Order matters (§7): rules are evaluated top to bottom and a rule may refer only to rules above
it ("NOT EMG_ALI"). In the conditions, a bare question name means "= yes" (§6 notation), and
any comparison with a missing answer is false (§2.3).

To change a rule, read docs/triage.md first: bump ``RULESET_VERSION``, adjust the vignettes and
record clinical sign-off.
"""

from __future__ import annotations

from collections.abc import Callable, Set
from dataclasses import dataclass
from enum import IntEnum

from intake.triage.catalogue import NO, YES
from intake.triage.derive import Derived, Normalised
from intake.triage.i18n import N_

__all__ = [
    "CATEGORY_LABELS",
    "RULES",
    "RULESET_VERSION",
    "RULES_BY_CODE",
    "Rule",
    "Tier",
]

RULESET_VERSION = "2026.2"


class Tier(IntEnum):
    """Urgency tiers (§1), ordered so that ``max()`` gives the most urgent.

    The *name* ("EMERGENCY", ...) is what is stored and printed; ``str(tier)`` returns it.
    """

    ROUTINE = 1
    SOON = 2
    URGENT = 3
    EMERGENCY = 4

    def __str__(self) -> str:
        return self.name

    @classmethod
    def from_name(cls, name: str) -> Tier:
        """The tier for a stored name such as "URGENT" (raises KeyError for anything else)."""
        return cls[name]


When = Callable[[Normalised, Derived, Set[str]], bool]


@dataclass(frozen=True, slots=True, eq=False)  # identity equality/hash: each rule is unique
class Rule:
    """One row of the rule table.

    ``patient_text`` may be empty (URG_BAKER_MIMIC shares the DVT sentence): the engine then
    shows no sentence of its own. ``staff_reason`` may hold ``{placeholders}`` naming scores
    (``{p_wells}``, ``{ecq_class}``, ...) that the engine fills in. ``category`` is the likely
    clinic category used for routing, for SOON and ROUTINE rules (§1, §6.4).
    """

    code: str
    tier: Tier
    when: When
    patient_text: str
    staff_reason: str
    source: str
    uses: tuple[str, ...]
    category: str | None = None


# Likely categories (§6.4 "likely category" for routing), with the patient wording.
CATEGORY_LABELS: dict[str, str] = {
    "venous": N_("veins (venous clinic)"),
    "arterial": N_("leg arteries (arterial clinic)"),
    "msk": N_("muscles and joints (MSK / physiotherapy)"),
    "spinal": N_("the back (spinal / back pain clinic)"),
    "neuro": N_("nerves (neurology)"),
    "sleep": N_("restless legs (sleep clinic)"),
    "general_vascular": N_("general vascular clinic"),
}


def _pain_score_now_at_least(a: Normalised, threshold: int) -> bool:
    score = a["pain_score_now"]
    return isinstance(score, int) and not isinstance(score, bool) and score >= threshold


# --- EMERGENCY (§6.1) --------------------------------------------------------------------------


def emg_ali(a: Normalised, d: Derived, fired: Set[str]) -> bool:
    """Acute limb ischaemia: sudden cold and pale leg, or new numbness/weakness that started in
    the last 2 weeks (neuro_recent) with a cold or discoloured leg (6 Ps, ESVS 2020)."""
    return a["rf_cold_pale_sudden"] == YES or (
        a["rf_numb_weak_new"] == YES
        and d["neuro_recent"]
        and (
            a["leg_colder"] == YES
            or "pale_or_white" in a["skin_changes"]
            or "blue_purple_or_blotchy" in a["skin_changes"]
        )
    )


def emg_sudden_neuro(a: Normalised, d: Derived, fired: Set[str]) -> bool:
    """Sudden new numbness or weakness (acute onset, or started in the last 24 hours or at an
    unknown time: neuro_acute) not already explained as ALI."""
    return a["rf_numb_weak_new"] == YES and d["neuro_acute"] and "EMG_ALI" not in fired


def emg_pe(a: Normalised, d: Derived, fired: Set[str]) -> bool:
    """Possible PE: cardiorespiratory symptom or faint, with DVT features or VTE risk."""
    return bool((d["cardioresp"] or a["rf_fainted"] == YES) and (d["dvt_pattern"] or d["vte_risk"]))


def emg_chest_breath(a: Normalised, d: Derived, fired: Set[str]) -> bool:
    """Chest pain, sudden breathlessness or haemoptysis without VTE context (ACS, PE, others)."""
    return bool(d["cardioresp"] and not (d["dvt_pattern"] or d["vte_risk"]))


def emg_ces(a: Normalised, d: Derived, fired: Set[str]) -> bool:
    """Any cauda equina red flag (GIRFT): bladder/bowel, saddle, sexual, bilateral sciatica."""
    return bool(
        a["rf_bladder_bowel"] == YES
        or a["rf_saddle_numb"] == YES
        or a["rf_sexual_new"] == YES
        or a["rf_both_legs_sciatica"] == YES
    )


def emg_compartment(a: Normalised, d: Derived, fired: Set[str]) -> bool:
    """Acute compartment syndrome (BOAST): injury or cast in the last week, severe or
    disproportionate pain, and pain on toe movement or a tense calf."""
    return (
        (a["recent_injury"] == YES or a["cast_or_tight_bandage_now"] == YES)
        and a["symptom_duration"] in ("lt_24h", "1_to_7_days")
        and (a["rf_pain_out_of_proportion"] == YES or _pain_score_now_at_least(a, 8))
        and (a["rf_toe_move_pain"] == YES or a["rf_leg_tight_hard"] == YES)
    )


def emg_sepsis(a: Normalised, d: Derived, fired: Set[str]) -> bool:
    """Any lay sepsis sign ticked (NG51 high-risk equivalents)."""
    return bool(d["sepsis_sign"])


def emg_nec_fasc(a: Normalised, d: Derived, fired: Set[str]) -> bool:
    """Necrotising soft-tissue infection: red/wounded/spreading area with pain out of
    proportion or dusky patches/blisters."""
    return bool(
        (d["red_warm"] or a["wound_present"] == YES or a["rf_spreading_fast"] == YES)
        and (a["rf_pain_out_of_proportion"] == YES or a["rf_dark_blisters"] == YES)
    )


def emg_diabetic_foot(a: Normalised, d: Derived, fired: Set[str]) -> bool:
    """Limb- or life-threatening diabetic foot (NG19): gangrene, infected foot problem with
    fever or fast spread, or a foot wound with ischaemic rest pain."""
    if not d["diabetes"]:
        return False
    infected = (d["foot_wound"] or a["foot_red_hot_swollen"] == YES) and (
        a["rf_fever"] == YES or a["rf_spreading_fast"] == YES
    )
    ischaemic = (
        d["foot_wound"]
        and a["rest_pain_night"] == YES
        and (a["rest_pain_dependency"] == YES or d["arterial_features"])
    )
    return bool(a["black_skin"] == YES or infected or ischaemic)


def emg_vv_bleed(a: Normalised, d: Derived, fired: Set[str]) -> bool:
    """A varicose vein bleeding now and not stopping (CG168: immediate referral)."""
    return bool(a["rf_vein_bleeding"] == "bleeding_now_not_stopping")


def emg_aaa(a: Normalised, d: Derived, fired: Set[str]) -> bool:
    """Sudden severe back/tummy pain with collapse, a known aneurysm, or age ≥50 with vascular
    risk: possible symptomatic or ruptured AAA (NG156)."""
    age = d["age_years"]
    return bool(
        a["rf_sudden_back_tummy_pain"] == YES
        and (
            a["rf_fainted"] == YES
            or "aortic_aneurysm" in a["conditions"]
            or (age is not None and age >= 50 and d["vascular_risk"])
        )
    )


# --- URGENT (§6.2) -----------------------------------------------------------------------------


def urg_dvt(a: Normalised, d: Derived, fired: Set[str]) -> bool:
    """Any DVT pattern, whatever pWells says (both NG158 branches are same-day)."""
    return bool(d["dvt_pattern"])


def urg_baker_mimic(a: Normalised, d: Derived, fired: Set[str]) -> bool:
    """DVT pattern of acute onset with a knee lump or knee/hip arthritis: a ruptured Baker's
    cyst is possible, but DVT must still be excluded today."""
    return bool(
        d["dvt_pattern"]
        and (a["knee_lump"] == YES or "knee_or_hip_arthritis" in a["conditions"])
        and d["acute_onset"]
    )


def urg_svt_high(a: Normalised, d: Derived, fired: Set[str]) -> bool:
    """Superficial vein thrombosis in the thigh/groin, or with one-leg swelling: duplex today."""
    return bool(
        a["hard_vein"] == YES
        and (a["hard_vein_site"] == "above_knee_or_groin" or d["one_leg_swelling"])
    )


def urg_clti(a: Normalised, d: Derived, fired: Set[str]) -> bool:
    """Chronic limb-threatening ischaemia: rest pain with dependency relief or arterial
    features, gangrene, or a non-healing wound with arterial features/risk (GVG 2019)."""
    rest_pain = a["rest_pain_night"] == YES and (
        a["rest_pain_dependency"] == YES or d["arterial_features"]
    )
    foot = d["foot_wound"] and d["wound_2w"] and (d["arterial_suspect"] or d["vascular_risk"])
    leg = d["leg_wound"] and d["wound_2w"] and d["arterial_suspect"]
    return bool(rest_pain or a["black_skin"] == YES or foot or leg)


def urg_diabetic_foot(a: Normalised, d: Derived, fired: Set[str]) -> bool:
    """Active diabetic foot problem not already EMERGENCY: foot specialist within 1 day."""
    return bool(
        d["diabetes"]
        and (d["foot_wound"] or a["foot_red_hot_swollen"] == YES)
        and "EMG_DIABETIC_FOOT" not in fired
    )


def urg_cellulitis(a: Normalised, d: Derived, fired: Set[str]) -> bool:
    """A red, warm patch of recent onset: possible cellulitis (NG141)."""
    return bool(d["red_warm"] and d["recent"])


def urg_neuro(a: Normalised, d: Derived, fired: Set[str]) -> bool:
    """Worsening weakness / foot drop, or new numbness/weakness that did not start acutely
    (NOT neuro_acute)."""
    return a["rf_weakness_worsening"] == YES or (
        a["rf_numb_weak_new"] == YES and not d["neuro_acute"]
    )


def urg_vv_bled(a: Normalised, d: Derived, fired: Set[str]) -> bool:
    """A varicose vein that bled in the last 2 weeks and has stopped."""
    return bool(a["rf_vein_bleeding"] == "bled_and_stopped")


def urg_acute_claud(a: Normalised, d: Derived, fired: Set[str]) -> bool:
    """New walking pain of sudden onset in the last 2 weeks, not a DVT pattern: possible acute
    or acute-on-chronic limb ischaemia (ESVS 2020: acute is under 2 weeks)."""
    return bool(
        a["ecq1_walk_pain"] == YES
        and d["acute_onset"]
        and a["symptom_duration"] in ("lt_24h", "1_to_7_days", "1_to_2_weeks")
        and not d["dvt_pattern"]
    )


def urg_back_abdo_pain(a: Normalised, d: Derived, fired: Set[str]) -> bool:
    """Sudden severe back/tummy pain without an AAA trigger: still same-day review."""
    return a["rf_sudden_back_tummy_pain"] == YES and "EMG_AAA" not in fired


def urg_faint(a: Normalised, d: Derived, fired: Set[str]) -> bool:
    """Faint or near-faint not already explained by EMG_PE or EMG_AAA (CG109)."""
    return a["rf_fainted"] == YES and "EMG_PE" not in fired and "EMG_AAA" not in fired


def urg_pulse(a: Normalised, d: Derived, fired: Set[str]) -> bool:
    """Patient-reported pulse ≥131 or ≤40/min (NEWS2 single-parameter score 3). A pulse not
    given is null, so it never fires (§2.3). Independent of every other rule."""
    pulse = a["pulse_bpm"]
    if not isinstance(pulse, int) or isinstance(pulse, bool):
        return False
    return pulse >= 131 or pulse <= 40


_HIGH_PREFIXES = ("EMG_", "URG_")
_ALONE_FLAGS = (
    "rf_fever",
    "rf_pain_out_of_proportion",
    "rf_spreading_fast",
    "rf_dark_blisters",
    "rf_toe_move_pain",
    "rf_leg_tight_hard",
)


def urg_red_flag_alone(a: Normalised, d: Derived, fired: Set[str]) -> bool:
    """Fail-safe: one of six red flags (yes or not sure) when no EMERGENCY or URGENT rule
    above it has fired (so not with URG_PULSE either). A rule's tier follows its code prefix
    (a test checks this), and every EMG_/URG_ rule is listed above this one."""
    for code in fired:
        if code.startswith(_HIGH_PREFIXES):
            return False
    for code in _ALONE_FLAGS:  # noqa: SIM110 - a plain loop: this runs on every evaluate()
        if a[code] == YES:
            return True
    return False


# --- SOON (§6.3) -------------------------------------------------------------------------------


def soon_claudication(a: Normalised, d: Derived, fired: Set[str]) -> bool:
    """ECQ definite or atypical claudication."""
    return d["ecq_class"] in ("definite", "atypical")


def soon_venous_ulcer(a: Normalised, d: Derived, fired: Set[str]) -> bool:
    """Leg ulcer present more than 2 weeks without arterial suspicion (otherwise URG_CLTI)."""
    return bool(d["leg_wound"] and d["wound_2w"] and not d["arterial_suspect"])


def soon_svt_low(a: Normalised, d: Derived, fired: Set[str]) -> bool:
    """A hard vein below the knee without one-leg swelling."""
    return bool(
        a["hard_vein"] == YES and a["hard_vein_site"] == "below_knee" and not d["one_leg_swelling"]
    )


# --- ROUTINE (§6.4) ----------------------------------------------------------------------------


def rtn_venous_disease(a: Normalised, d: Derived, fired: Set[str]) -> bool:
    """Chronic venous disease: visible veins, venous skin changes, healed ulcer, or the
    standing/leg-raising pattern."""
    skin = a["skin_changes"]
    return (
        a["visible_veins"] in ("thread_or_spider_veins", "bulging_veins")
        or "brown_staining" in skin
        or "itchy_scaly_rash" in skin
        or "hard_tight_skin" in skin
        or a["ulcer_healed_before"] == YES
        or (a["worse_standing_end_day"] == YES and a["better_leg_raised"] == YES)
    )


def rtn_swelling(a: Normalised, d: Derived, fired: Set[str]) -> bool:
    """Swelling that is not a DVT pattern (long-standing or both legs)."""
    swollen = a["leg_swollen"]
    return swollen is not None and swollen != NO and not d["dvt_pattern"]


def rtn_sciatica(a: Normalised, d: Derived, fired: Set[str]) -> bool:
    """Radiating pain with a mechanical/back component: likely lumbar radiculopathy."""
    return a["pain_spreads_down_leg"] == YES and (
        a["worse_bending_cough"] == YES or "lower_back" in a["pain_regions"]
    )


def rtn_spinal_stenosis(a: Normalised, d: Derived, fired: Set[str]) -> bool:
    """Walking pain eased by sitting or bending forward: neurogenic claudication."""
    return bool(
        a["ecq1_walk_pain"] == YES and a["walk_pain_eased_by"] == "sitting_or_bending_forward"
    )


_BACK_ONLY = frozenset({"lower_back", "buttock"})


def rtn_msk(a: Normalised, d: Derived, fired: Set[str]) -> bool:
    """Joint pain, cramps, recent injury, or mechanical back pain confined to back/buttock."""
    regions = a["pain_regions"]
    mechanical_back = (
        "lower_back" in regions
        and all(region in _BACK_ONLY for region in regions)
        and a["pain_spreads_down_leg"] == NO
        and a["rf_sudden_back_tummy_pain"] != YES
    )
    return (
        a["joint_pain_stiffness"] == YES
        or a["night_cramps"] == YES
        or a["recent_injury"] == YES
        or mechanical_back
    )


def rtn_neuropathy(a: Normalised, d: Derived, fired: Set[str]) -> bool:
    """Stocking-pattern symptoms in both feet, or DN4 interview ≥3 with both legs affected."""
    return bool(
        a["both_feet_numb_burning"] == YES or (d["dn4i"] >= 3 and a["affected_side"] == "both")
    )


def rtn_rls(a: Normalised, d: Derived, fired: Set[str]) -> bool:
    """Probable restless legs syndrome (IRLSSG 1-4 and the mimic screen)."""
    return bool(d["rls_probable"])


def rtn_exertional_nonclassic(a: Normalised, d: Derived, fired: Set[str]) -> bool:
    """Walking pain that is ECQ-negative in a person with vascular risk: ABPI at first visit.

    "walk_pain_eased_by ≠ sitting_or_bending_forward" is false while that question is
    unanswered (§2.3), so in a partial form this safety net waits for the answer.
    """
    eased_by = a["walk_pain_eased_by"]
    return bool(
        a["ecq1_walk_pain"] == YES
        and d["ecq_class"] == "none"
        and d["vascular_risk"]
        and eased_by is not None
        and eased_by != "sitting_or_bending_forward"
        and not d["dvt_pattern"]
    )


def rtn_default(a: Normalised, d: Derived, fired: Set[str]) -> bool:
    """No other rule fired (§7 step 4). It must stay the last row of the table."""
    return not fired


RULES: tuple[Rule, ...] = (
    # EMERGENCY
    Rule(
        "EMG_ALI",
        Tier.EMERGENCY,
        emg_ali,
        N_(
            "The blood supply to your leg may have suddenly stopped. This needs treatment within "
            "hours."
        ),
        "Possible acute limb ischaemia (reported sudden cold/pale/colour change ± new "
        "numbness/weakness). Time-critical; neuro deficit = threatened limb.",
        "ESVS 2020 ALI; RCEM Learning ALI (6 Ps); NHS PAD page (urgent symptoms)",
        (
            "rf_cold_pale_sudden",
            "rf_numb_weak_new",
            "rf_numb_weak_onset",
            "onset_speed",
            "neuro_recent",
            "leg_colder",
            "skin_changes",
        ),
    ),
    Rule(
        "EMG_SUDDEN_NEURO",
        Tier.EMERGENCY,
        emg_sudden_neuro,
        N_(
            "Sudden new numbness or weakness in a leg can be caused by a blocked artery, a stroke "
            "or a trapped nerve, and needs checking now."
        ),
        "Sudden leg sensory/motor deficit (onset minutes-hours); ALI, stroke and CES not excluded.",
        "ESVS 2020 (paraesthesia/paralysis); NHS PAD page; GIRFT CES",
        ("rf_numb_weak_new", "rf_numb_weak_onset", "onset_speed", "neuro_acute"),
    ),
    Rule(
        "EMG_PE",
        Tier.EMERGENCY,
        emg_pe,
        N_("You may have a blood clot that has travelled to your lungs."),
        "Possible PE: chest pain / breathlessness / haemoptysis / syncope with DVT features or "
        "VTE risk. Show partial PE-Wells items (§5.1), pWells and pulse_bpm. Partial PE-Wells "
        "= {pe_wells_total} (not reportable: alternative diagnosis less likely, 3 points; "
        "likely if > 4); pWells = {p_wells}; pulse_bpm = {pulse_bpm}.",
        "NICE NG158; NHS DVT page; Semigran 2015 vignette 12",
        (
            "rf_breathless",
            "rf_chest_pain",
            "rf_cough_blood",
            "rf_fainted",
            "cardioresp",
            "dvt_pattern",
            "vte_risk",
            "pulse_bpm",
        ),
    ),
    Rule(
        "EMG_CHEST_BREATH",
        Tier.EMERGENCY,
        emg_chest_breath,
        N_("Chest pain, sudden breathlessness or coughing up blood must be checked now."),
        "Cardiorespiratory red flag without VTE context (ACS, PE and others).",
        "NICE NG158 (PE symptoms); NHS 999 advice",
        ("rf_breathless", "rf_chest_pain", "rf_cough_blood", "dvt_pattern", "vte_risk"),
    ),
    Rule(
        "EMG_CES",
        Tier.EMERGENCY,
        emg_ces,
        N_(
            "Your answers could mean pressure on the nerves at the bottom of your spine (cauda "
            "equina syndrome). Go to A&E now; it needs a scan today."
        ),
        "Suspected CES. GIRFT: immediate ED, same-day MRI.",
        "GIRFT National Suspected CES Pathway; CSP 2024 summary; NHS Lothian RefHelp; NICE CKS "
        "sciatica red flags",
        ("rf_bladder_bowel", "rf_saddle_numb", "rf_sexual_new", "rf_both_legs_sciatica"),
    ),
    Rule(
        "EMG_COMPARTMENT",
        Tier.EMERGENCY,
        emg_compartment,
        N_(
            "Pressure may be building up dangerously inside your leg muscles (compartment "
            "syndrome). If you have a cast or bandage, tell staff straight away."
        ),
        "Possible acute compartment syndrome: injury/cast + pain out of proportion/severe + "
        "pain on toe movement or tense compartment.",
        "BOAST: Diagnosis and management of compartment syndrome of the limbs",
        (
            "recent_injury",
            "cast_or_tight_bandage_now",
            "symptom_duration",
            "rf_pain_out_of_proportion",
            "pain_score_now",
            "rf_toe_move_pain",
            "rf_leg_tight_hard",
        ),
    ),
    Rule(
        "EMG_SEPSIS",
        Tier.EMERGENCY,
        emg_sepsis,
        N_("Some of your answers are signs of sepsis, a serious reaction to an infection."),
        "Patient-reported sepsis signs (lay equivalents of NG51 high-risk criteria).",
        "NICE NG51; NHS / UK Sepsis Trust",
        ("rf_sepsis_signs",),
    ),
    Rule(
        "EMG_NEC_FASC",
        Tier.EMERGENCY,
        emg_nec_fasc,
        N_(
            "Very bad pain or dark patches or blisters on a red or wounded area can be a "
            "fast-spreading infection."
        ),
        "Possible necrotising soft-tissue infection (pain out of proportion; dusky skin or "
        "bullae).",
        'NHS necrotising fasciitis (999 criteria); Pulse "How not to miss NF"; NICE NG141 '
        "(refer to hospital if NF suspected)",
        (
            "red_warm",
            "wound_present",
            "rf_spreading_fast",
            "rf_pain_out_of_proportion",
            "rf_dark_blisters",
        ),
    ),
    Rule(
        "EMG_DIABETIC_FOOT",
        Tier.EMERGENCY,
        emg_diabetic_foot,
        N_("With diabetes, these foot problems can put your foot at risk. Go to A&E today."),
        "NG19 limb/life-threatening diabetic foot (ulcer + fever/sepsis, ulcer + ischaemia, "
        "gangrene) → immediate acute referral; inform the MDFT.",
        "NICE NG19",
        (
            "diabetes",
            "black_skin",
            "foot_wound",
            "foot_red_hot_swollen",
            "rf_fever",
            "rf_spreading_fast",
            "rest_pain_night",
            "rest_pain_dependency",
            "arterial_features",
        ),
    ),
    Rule(
        "EMG_VV_BLEED",
        Tier.EMERGENCY,
        emg_vv_bleed,
        N_(
            "Lie down, raise your leg higher than your heart and press firmly on the bleeding spot "
            "with a clean pad while you wait."
        ),
        "Active variceal bleeding.",
        "NICE CG168 (bleeding varicose veins: immediate referral)",
        ("rf_vein_bleeding",),
    ),
    Rule(
        "EMG_AAA",
        Tier.EMERGENCY,
        emg_aaa,
        N_("Sudden severe tummy or back pain can be a problem with the main artery in your body."),
        "Possible symptomatic/ruptured AAA (new abdo/back pain ± collapse).",
        'NICE NG156 ("think about the possibility of ruptured AAA" in new abdominal/back '
        "pain, collapse, LOC); Avey vignette #391",
        ("rf_sudden_back_tummy_pain", "rf_fainted", "conditions", "age_years", "vascular_risk"),
    ),
    # URGENT
    Rule(
        "URG_DVT",
        Tier.URGENT,
        urg_dvt,
        N_("Your answers could mean a blood clot in a leg vein (DVT). This needs a test today."),
        "Suspected DVT. pWells = {p_wells} (≥2 likely → proximal USS ≤4 h; ≤1 → D-dimer ≤4 h; "
        "interim anticoagulation if delayed). Not assessable: collateral veins, "
        "alternative-diagnosis -2.",
        "NICE NG158 1.1.1-1.1.5; QS201 st.3; NHS DVT; Semigran vignette 5; Avey #64/#114/#199",
        (
            "dvt_pattern",
            "recent",
            "one_leg_swelling",
            "one_leg",
            "leg_pain_sites",
            "calf_tender",
            "red_warm",
        ),
    ),
    Rule(
        "URG_BAKER_MIMIC",
        Tier.URGENT,
        urg_baker_mimic,
        "",  # (merged with DVT text): URG_DVT always fires with it
        'Could be a ruptured Baker\'s cyst ("pseudothrombophlebitis"), which is clinically '
        "indistinguishable from DVT: still exclude DVT today (USS shows both).",
        "BMJ Case Reports 2023 (ruptured Baker's cyst vs DVT); DVT-mimic literature",
        ("dvt_pattern", "knee_lump", "conditions", "acute_onset"),
    ),
    Rule(
        "URG_SVT_HIGH",
        Tier.URGENT,
        urg_svt_high,
        N_(
            "A hard, painful vein in the thigh or groin, or with a swollen leg, needs a scan to "
            "check the clot is not spreading into deep veins."
        ),
        "SVT in thigh/groin or with swelling: duplex; ≤3 cm from the deep junction → "
        "treatment-dose anticoagulation.",
        "NICE CKS SVT via BNSSG DVT & SVT pathway; NICE CG168",
        ("hard_vein", "hard_vein_site", "one_leg_swelling"),
    ),
    Rule(
        "URG_CLTI",
        Tier.URGENT,
        urg_clti,
        N_(
            "The blood flow to your foot may be badly reduced. A vascular specialist needs to see "
            "you very soon."
        ),
        "Suspected CLTI (rest pain / gangrene / ulcer >2 weeks + PAD features) → urgent "
        "vascular referral; PAD-QIF CLTI timelines.",
        "GVG 2019 (Conte et al.); NICE CG147 & QS52; VSGBI PAD-QIF 2019; RCEM (rest pain eased "
        "by dependency)",
        (
            "rest_pain_night",
            "rest_pain_dependency",
            "arterial_features",
            "black_skin",
            "foot_wound",
            "leg_wound",
            "wound_2w",
            "arterial_suspect",
            "vascular_risk",
        ),
    ),
    Rule(
        "URG_DIABETIC_FOOT",
        Tier.URGENT,
        urg_diabetic_foot,
        N_(
            "With diabetes, any new foot wound or a red, hot, swollen foot needs a foot specialist "
            "within 1 working day."
        ),
        "Active diabetic foot problem → MDFT within 1 working day. Red hot swollen foot with "
        "neuropathy: consider active Charcot (offload).",
        "NICE NG19",
        ("diabetes", "foot_wound", "foot_red_hot_swollen"),
    ),
    Rule(
        "URG_CELLULITIS",
        Tier.URGENT,
        urg_cellulitis,
        N_(
            "A new red, warm area on the leg can be a skin infection and may need antibiotics "
            "today."
        ),
        "Possible cellulitis (NG141); consider DVT or SVT if the leg is swollen or the vein is "
        "hard.",
        "NICE NG141; Semigran vignette 21",
        ("red_warm", "recent", "symptom_duration"),
    ),
    Rule(
        "URG_NEURO",
        Tier.URGENT,
        urg_neuro,
        N_("New or worsening weakness in the leg or foot needs a doctor to check you today."),
        "Progressive/new motor deficit or foot drop → same-day review; discuss acute foot drop "
        "with on-call spinal team.",
        "NHS Lothian RefHelp (acute foot drop); NICE CKS sciatica; Semigran vignette 20",
        (
            "rf_weakness_worsening",
            "rf_numb_weak_new",
            "rf_numb_weak_onset",
            "onset_speed",
            "neuro_acute",
        ),
    ),
    Rule(
        "URG_VV_BLED",
        Tier.URGENT,
        urg_vv_bled,
        N_(
            "A vein that has bled can bleed again. If it does: lie down, raise the leg and press "
            "firmly; call 999 if it has not stopped after 10 minutes."
        ),
        "Recent variceal bleed → vascular service referral now.",
        "NICE CG168",
        ("rf_vein_bleeding",),
    ),
    Rule(
        "URG_ACUTE_CLAUD",
        Tier.URGENT,
        urg_acute_claud,
        N_(
            "Walking pain that started suddenly in the last 2 weeks can mean a blocked artery and "
            "needs checking today."
        ),
        "New sudden-onset exertional leg pain (<2 weeks): possible acute / acute-on-chronic "
        "limb ischaemia.",
        "ESVS 2020 ALI; RCEM ALI definition",
        ("ecq1_walk_pain", "acute_onset", "symptom_duration", "dvt_pattern"),
    ),
    Rule(
        "URG_BACK_ABDO_PAIN",
        Tier.URGENT,
        urg_back_abdo_pain,
        N_("Sudden, severe tummy or back pain needs a doctor to check you today."),
        "Sudden severe abdominal/back pain without an AAA trigger; AAA is not excluded.",
        "NICE NG156",
        ("rf_sudden_back_tummy_pain", "age_years", "vascular_risk"),
    ),
    Rule(
        "URG_FAINT",
        Tier.URGENT,
        urg_faint,
        N_("Fainting needs a doctor to check you today."),
        "Syncope/near-syncope without chest or VTE context.",
        "NICE CG109 (transient loss of consciousness: all need initial assessment)",
        ("rf_fainted",),
    ),
    Rule(
        "URG_PULSE",
        Tier.URGENT,
        urg_pulse,
        N_("A very fast or very slow pulse needs a doctor to check you today."),
        "Patient-reported pulse {pulse_bpm}/min (NEWS2 single-parameter score 3): same-day "
        "review; consider PE, sepsis, arrhythmia.",
        "Royal College of Physicians, NEWS2 (2017)",
        ("pulse_bpm",),
    ),
    Rule(
        "URG_RED_FLAG_ALONE",
        Tier.URGENT,
        urg_red_flag_alone,
        N_("You told us about a warning sign that a clinician needs to check today."),
        "Red flag answered yes or not sure without the combination that makes an emergency "
        "rule fire: same-day clinician review; infection, necrotising fasciitis and compartment "
        "syndrome are not excluded.",
        "Fail-safe for isolated red flags (ruleset 2026.2); NICE NG51; NICE NG141; BOAST "
        "compartment syndrome",
        _ALONE_FLAGS,
    ),
    # SOON
    Rule(
        "SOON_CLAUDICATION",
        Tier.SOON,
        soon_claudication,
        N_("Your answers fit pain from narrowed leg arteries when walking (claudication)."),
        "ECQ {ecq_class}, grade {ecq_grade}. ABPI, CV risk review, supervised exercise.",
        "Leng & Fowkes 1992 (ECQ); NICE CG147; Boylan 2021",
        (
            "ecq_class",
            "ecq_grade",
            "ecq1_walk_pain",
            "ecq2_rest_onset",
            "ecq3_uphill",
            "ecq4_ordinary_pace",
            "ecq5_stand_still",
            "ecq6_sites",
        ),
        category="arterial",
    ),
    Rule(
        "SOON_VENOUS_ULCER",
        Tier.SOON,
        soon_venous_ulcer,
        N_(
            "A leg ulcer that has not healed in 2 weeks needs a specialist check, including a "
            "simple blood-pressure test at the ankle."
        ),
        "Leg ulcer >2 weeks (CEAP C6 if venous). Full assessment with ABPI ≤14 days; no strong "
        "compression until arterial disease is excluded.",
        "NICE CG168; NWCSP lower-limb recommendations",
        ("leg_wound", "wound_location", "wound_duration", "wound_2w", "arterial_suspect"),
        category="venous",
    ),
    Rule(
        "SOON_SVT_LOW",
        Tier.SOON,
        soon_svt_low,
        N_("A hard, sore vein below the knee is usually not dangerous, but it should be checked."),
        "Below-knee SVT; duplex per local SVT pathway (length, distance from junction).",
        "NICE CG168; NICE CKS SVT (via BNSSG)",
        ("hard_vein", "hard_vein_site", "one_leg_swelling"),
        category="venous",
    ),
    # ROUTINE
    Rule(
        "RTN_VENOUS_DISEASE",
        Tier.ROUTINE,
        rtn_venous_disease,
        N_("Your answers fit a vein problem such as varicose veins."),
        "Chronic venous disease; CEAP est. {ceap_c_est}; VCSS pain/compression items "
        "(pain {vcss_pain}, compression {vcss_compression}).",
        "NICE CG168; CEAP 2020; VCSS 2010",
        (
            "visible_veins",
            "skin_changes",
            "ulcer_healed_before",
            "worse_standing_end_day",
            "better_leg_raised",
        ),
        category="venous",
    ),
    Rule(
        "RTN_SWELLING",
        Tier.ROUTINE,
        rtn_swelling,
        N_("Long-standing swelling has many causes; we will look into it."),
        "Chronic/bilateral swelling: venous, lymphoedema, heart/kidney, drugs (e.g. "
        "calcium-channel blockers).",
        "NICE NG158 1.1.1 (consider other causes)",
        ("leg_swollen", "swelling_side", "dvt_pattern"),
        category="general_vascular",
    ),
    Rule(
        "RTN_SCIATICA",
        Tier.ROUTINE,
        rtn_sciatica,
        N_("Your answers fit pain from a trapped nerve in the back (sciatica)."),
        "Likely lumbar radiculopathy → MSK/physio pathway.",
        "NICE NG59; NICE CKS sciatica",
        ("pain_spreads_down_leg", "worse_bending_cough", "pain_regions"),
        category="spinal",
    ),
    Rule(
        "RTN_SPINAL_STENOSIS",
        Tier.ROUTINE,
        rtn_spinal_stenosis,
        N_(
            "Walking pain that eases when you sit or bend forward is often from the back rather "
            "than the arteries."
        ),
        "Possible neurogenic claudication (lumbar spinal stenosis); still check ABPI if "
        "vascular risk.",
        "Vascular clinical-examination texts (relief by posture, not standing still)",
        ("ecq1_walk_pain", "walk_pain_eased_by"),
        category="spinal",
    ),
    Rule(
        "RTN_NEUROPATHY",
        Tier.ROUTINE,
        rtn_neuropathy,
        N_("Your answers fit irritated nerves in the feet (neuropathy)."),
        "Possible peripheral neuropathy (DN4-interview {dn4i}/7). If diabetes: annual foot "
        "risk check (NG19).",
        "Bouhassira 2005 (DN4); NICE NG19",
        ("both_feet_numb_burning", "dn4i", "affected_side"),
        category="neuro",
    ),
    Rule(
        "RTN_RLS",
        Tier.ROUTINE,
        rtn_rls,
        N_("Your answers fit restless legs syndrome."),
        "Probable RLS (IRLSSG criteria 1-4 + mimic screen); frequency {rls_frequency}; check "
        "ferritin.",
        "IRLSSG 2012 criteria",
        ("rls1_urge", "rls2_rest", "rls3_movement", "rls4_evening", "rls5_mimic", "rls_frequency"),
        category="sleep",
    ),
    Rule(
        "RTN_MSK",
        Tier.ROUTINE,
        rtn_msk,
        N_("Your answers fit a muscle, joint or back problem."),
        "Musculoskeletal (joint/OA, cramps, injury, mechanical back pain).",
        "NICE NG59; Semigran vignette 36",
        (
            "joint_pain_stiffness",
            "night_cramps",
            "recent_injury",
            "pain_regions",
            "pain_spreads_down_leg",
            "rf_sudden_back_tummy_pain",
        ),
        category="msk",
    ),
    Rule(
        "RTN_EXERTIONAL_NONCLASSIC",
        Tier.ROUTINE,
        rtn_exertional_nonclassic,
        N_(
            "Some walking pain is linked to the arteries even when it is not typical; we will do "
            "a simple ankle test."
        ),
        "Exertional leg pain not meeting ECQ in a person with vascular risk: ABPI at the first "
        "visit.",
        "McDermott 1999; Wang 2005 (SDCQ)",
        ("ecq1_walk_pain", "ecq_class", "vascular_risk", "walk_pain_eased_by", "dvt_pattern"),
        category="arterial",
    ),
    Rule(
        "RTN_DEFAULT",
        Tier.ROUTINE,
        rtn_default,
        N_("We did not find any urgent warning signs."),
        "No red flags; routine vascular assessment.",
        "-",
        (),
        category="general_vascular",
    ),
)

RULES_BY_CODE: dict[str, Rule] = {rule.code: rule for rule in RULES}
