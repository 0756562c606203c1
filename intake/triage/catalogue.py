"""The question catalogue (spec §2-§3, ruleset 2026.2): every question the patient can see.

Each question is data: its stable code, the step it belongs to, the patient wording (verbatim
from the spec; the Edinburgh Claudication Questionnaire items must stay verbatim because their
validation applies to that wording), its answer type and choices, whether it is required, its
bounds, and a declarative show-if condition (see ``conditions.py``).

Forms, the check-answers page and the admin are built from this module, so the engine and the
web layer can never disagree about which questions exist or when they are shown.

Wording conventions:
- Every patient-facing literal (wording, hint, emphasis, choice label, step title and intro,
  below-minimum message) is wrapped in ``N_()`` (``i18n.py``) so that ``makemessages`` extracts
  it; the web layer translates it when shown. ``N_`` returns its argument unchanged.
- Words the spec prints in bold are listed in ``Question.emphasis`` (the text itself is plain),
  so templates can wrap them in ``<strong>`` without parsing markdown. Each is its own message
  and must be a substring of the wording, in English and in every translation (the form bolds
  the translated phrase inside the translated wording).
- "(optional)" is not part of the text: ``Question.required`` says it, and the web layer adds
  the word.
- Instrument labels such as "(ECQ 1)" are in ``Question.instrument``, not in the wording.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from intake.triage.conditions import All, Between, Condition, Eq, In, Ne
from intake.triage.i18n import N_

__all__ = [
    "MAX_PAGE_QUESTIONS",
    "NO",
    "NOT_SURE",
    "QUESTIONS",
    "QUESTIONS_BY_CODE",
    "STEPS",
    "STEPS_BY_CODE",
    "STEP_PAGES",
    "YES",
    "AnswerType",
    "Choice",
    "Page",
    "Question",
    "Step",
    "is_visible",
    "questions_for_step",
    "visible_codes",
]

YES = "yes"
NO = "no"
NOT_SURE = "not_sure"
NONE_CHOICE = "none"


class AnswerType(StrEnum):
    """How an answer is stored (spec §2.2)."""

    YES_NO = "yes_no"
    YES_NO_UNSURE = "yes_no_unsure"  # red flags only; the engine reads not_sure as yes
    SINGLE = "single"
    MULTI = "multi"
    SCALE_0_10 = "scale_0_10"
    NUMBER = "number"
    DATE = "date"  # admin only
    TEXT = "text"  # never read by the engine


@dataclass(frozen=True, slots=True)
class Choice:
    """One option of a single/multi/yes-no question: the stored ``code`` and the patient label.

    ``helper_label``: the label in the third person, for someone filling in the form for the
    patient ("" when the patient label already fits)."""

    code: str
    label: str
    helper_label: str = ""


@dataclass(frozen=True, slots=True)
class Step:
    """A page of the questionnaire (spec §2.1). Codes are stable; titles are patient-facing."""

    code: str
    title: str
    intro: str = ""


@dataclass(frozen=True, slots=True)
class Page:
    """One short page of a step shown as several (issue 19): a stable code and a title."""

    code: str
    title: str


@dataclass(frozen=True, slots=True)
class Question:
    """One question of the catalogue.

    ``required`` applies only while the question is visible. ``must_be_yes`` questions (privacy,
    consent, acknowledgement) are only valid when answered "yes". ``exclusive_none`` marks a
    multi-choice question whose ``none`` choice must be the only one ticked.
    """

    code: str
    step: str
    text: str
    type: AnswerType
    choices: tuple[Choice, ...] = ()
    required: bool = True
    min_value: int | None = None
    max_value: int | None = None
    max_length: int | None = None
    hint: str = ""
    show_if: Condition | None = None
    exclusive_none: bool = False
    must_be_yes: bool = False
    emphasis: tuple[str, ...] = ()
    instrument: str | None = None  # e.g. "ECQ 1": which validated item this is
    text_format: str | None = None  # "phone" for contact_phone
    below_min_message: str | None = None  # e.g. the under-18 stop message
    # Issue 19 (the patient journey's second edition). The short page of its step the question
    # is on ("" for steps that are one page; the pages are listed in STEP_PAGES); the wording and
    # hint addressed to the patient in the third person, for someone filling in the form for
    # them ("" when the patient wording already fits); the specific message when a required
    # question is left unanswered ("" for the generic one), and that message in the third person
    # ("" when the patient message already fits).
    page: str = ""
    helper_text: str = ""
    helper_hint: str = ""
    error_message: str = ""
    helper_error_message: str = ""

    @property
    def choice_codes(self) -> tuple[str, ...]:
        """The stored codes of the choices, in display order."""
        return tuple(choice.code for choice in self.choices)

    def label_for(self, code: object) -> str:
        """The patient label for a stored choice code (the code itself if unknown)."""
        for choice in self.choices:
            if choice.code == code:
                return choice.label
        return str(code)


# --- Steps (spec §2.1, display order) --------------------------------------------------------

STEPS: tuple[Step, ...] = (
    Step("about_you", N_("About you")),
    Step(
        "red_flags",
        N_("Quick safety check"),
        N_(
            "These questions check for problems that need help straight away. "
            "If you are not sure, choose 'Not sure'."
        ),
    ),
    Step("where_it_hurts", N_("Where is the problem?")),
    Step("how_it_started", N_("How did it start?")),
    Step("feels_like", N_("What does it feel like?")),
    Step("better_worse", N_("What makes it better or worse?")),
    Step("other_symptoms", N_("Other things you have noticed")),
    Step("history", N_("Your health and risk factors")),
    Step("medications", N_("Your medicines")),
    Step("consent", N_("Check and send")),
)
STEPS_BY_CODE: Mapping[str, Step] = {step.code: step for step in STEPS}

# Steps asked on several short pages (issue 19), each page at most MAX_PAGE_QUESTIONS questions,
# in display order. Each question of such a step names its page (``Question.page``); the pages
# follow the catalogue order, so the questions' codes and order stay the spec's. The safety check
# is grouped by what its questions look for (spec §6.1): blood supply and nerves of the leg
# (EMG_ALI, EMG_SUDDEN_NEURO), a clot in the lungs or the heart (EMG_PE, EMG_CHEST_BREATH),
# cauda equina (EMG_CES), sepsis, the leg's pain, skin and muscles (EMG_NEC_FASC,
# EMG_COMPARTMENT), then bleeding and sudden tummy or back pain (EMG_VV_BLEED, EMG_AAA).
MAX_PAGE_QUESTIONS = 6
STEP_PAGES: Mapping[str, tuple[Page, ...]] = {
    "red_flags": (
        Page("leg", N_("Colour, feeling and strength of the leg")),
        Page("breathing", N_("Breathing, chest pain and fainting")),
        Page("back", N_("Bladder, bowels and back")),
        Page("infection", N_("Temperature and feeling very unwell")),
        Page("skin", N_("Pain, skin and muscles of the leg")),
        Page("bleeding", N_("Bleeding, sudden pain and pulse")),
    ),
}


# --- Builders ----------------------------------------------------------------------------------

YES_NO_CHOICES = (Choice(YES, N_("Yes")), Choice(NO, N_("No")))
YES_NO_UNSURE_CHOICES = (*YES_NO_CHOICES, Choice(NOT_SURE, N_("Not sure")))


def _c(*options: tuple[str, str] | tuple[str, str, str]) -> tuple[Choice, ...]:
    """Choices from (code, label) or (code, label, helper label) tuples."""
    return tuple(Choice(*option) for option in options)


def _q(
    code: str,
    step: str,
    text: str,
    type_: AnswerType,
    choices: tuple[Choice, ...] = (),
    *,
    required: bool = True,
    min_value: int | None = None,
    max_value: int | None = None,
    max_length: int | None = None,
    hint: str = "",
    show_if: Condition | None = None,
    must_be_yes: bool = False,
    instrument: str | None = None,
    text_format: str | None = None,
    below_min_message: str | None = None,
    emphasis: tuple[str, ...] = (),
    page: str = "",
    helper_text: str = "",
    helper_hint: str = "",
    error: str = "",
    helper_error: str = "",
) -> Question:
    """Build a question. Each ``emphasis`` phrase (spec bold) must occur in ``text``, and in
    ``helper_text`` when there is one (the form bolds it in whichever wording it shows)."""
    for phrase in emphasis:
        if phrase not in text:
            raise ValueError(f"{code}: emphasis {phrase!r} is not in the wording")
        if helper_text and phrase not in helper_text:
            raise ValueError(f"{code}: emphasis {phrase!r} is not in the helper wording")
    if type_ is AnswerType.YES_NO:
        choices = YES_NO_CHOICES
    elif type_ is AnswerType.YES_NO_UNSURE:
        choices = YES_NO_UNSURE_CHOICES
    elif type_ is AnswerType.SCALE_0_10:
        min_value, max_value = 0, 10
    return Question(
        code=code,
        step=step,
        text=text,
        type=type_,
        choices=choices,
        required=required,
        min_value=min_value,
        max_value=max_value,
        max_length=max_length,
        hint=hint,
        show_if=show_if,
        exclusive_none=type_ is AnswerType.MULTI and any(c.code == NONE_CHOICE for c in choices),
        must_be_yes=must_be_yes,
        emphasis=emphasis,
        instrument=instrument,
        text_format=text_format,
        below_min_message=below_min_message,
        page=page,
        helper_text=helper_text,
        helper_hint=helper_hint,
        error_message=error,
        helper_error_message=helper_error,
    )


Y = AnswerType.YES_NO
YU = AnswerType.YES_NO_UNSURE
SINGLE = AnswerType.SINGLE
MULTI = AnswerType.MULTI
SCALE = AnswerType.SCALE_0_10
NUMBER = AnswerType.NUMBER
TEXT = AnswerType.TEXT

_ECQ_SHOWN = Eq("ecq1_walk_pain", YES)
_RLS_SHOWN = Eq("rls1_urge", YES)
_WOUND_SHOWN = Eq("wound_present", YES)
_SWELLING_SHOWN = Ne("leg_swollen", NO)

_SIDES = _c(("left", N_("Left")), ("right", N_("Right")), ("both", N_("Both")))


# --- The catalogue (spec §3, in spec order) ---------------------------------------------------

QUESTIONS: tuple[Question, ...] = (
    # Step 1 about_you
    _q(
        "privacy_ack",
        "about_you",
        N_("I have read how the clinic will keep and use my answers."),
        Y,
        must_be_yes=True,
        helper_text=N_("I have read how the clinic will keep and use the patient's answers."),
        error=N_("Select yes if you have read how the clinic will keep and use your answers"),
        helper_error=N_(
            "Select yes if you have read how the clinic will keep and use the patient's answers"
        ),
    ),
    _q(
        "completed_by",
        "about_you",
        N_("Who is filling in this form?"),
        SINGLE,
        _c(("self", N_("Me, about my own legs")), ("helper", N_("I am helping the patient"))),
        error=N_("Select who is filling in this form"),
    ),
    _q(
        "age_years",
        "about_you",
        N_("How old are you?"),
        NUMBER,
        min_value=18,
        max_value=110,
        below_min_message=N_("This form is for adults. Please contact your GP."),
        hint=N_("The web form works this out from the date of birth."),
        helper_text=N_("How old is the patient?"),
        error=N_("Enter your age"),
        helper_error=N_("Enter the patient's age"),
    ),
    _q(
        "sex_at_birth",
        "about_you",
        N_("What sex were you given at birth?"),
        SINGLE,
        _c(
            ("female", N_("Female")),
            ("male", N_("Male")),
            ("prefer_not_to_say", N_("Prefer not to say")),
        ),
        helper_text=N_("What sex was the patient given at birth?"),
        error=N_("Select the sex you were given at birth"),
        helper_error=N_("Select the sex the patient was given at birth"),
    ),
    _q(
        "pregnancy_status",
        "about_you",
        N_("Are you pregnant, or have you had a baby in the last 6 weeks?"),
        SINGLE,
        _c(
            ("pregnant", N_("I am pregnant"), N_("The patient is pregnant")),
            (
                "birth_last_6_weeks",
                N_("I have had a baby in the last 6 weeks"),
                N_("The patient has had a baby in the last 6 weeks"),
            ),
            (NO, N_("No")),
            (NOT_SURE, N_("Not sure")),
        ),
        # 18-55 since ruleset 2026.2 (was 16-55): the form is for adults only (§11 item 6).
        show_if=All(Eq("sex_at_birth", "female"), Between("age_years", 18, 55)),
        helper_text=N_("Is the patient pregnant, or have they had a baby in the last 6 weeks?"),
        error=N_("Select if you are pregnant or have had a baby in the last 6 weeks"),
        helper_error=N_("Select if the patient is pregnant or has had a baby in the last 6 weeks"),
    ),
    _q(
        "height_cm",
        "about_you",
        N_("How tall are you (cm)?"),
        NUMBER,
        required=False,
        min_value=50,
        max_value=250,
        helper_text=N_("How tall is the patient (cm)?"),
    ),
    _q(
        "weight_kg",
        "about_you",
        N_("How much do you weigh (kg)?"),
        NUMBER,
        required=False,
        min_value=20,
        max_value=400,
        helper_text=N_("How much does the patient weigh (kg)?"),
    ),
    _q(
        "walking_ability",
        "about_you",
        N_("How well can you walk at the moment?"),
        SINGLE,
        _c(
            ("normal", N_("Normally")),
            ("slower_or_with_aid", N_("Slower, or with a stick or frame")),
            ("cannot_walk", N_("I cannot walk"), N_("They cannot walk")),
        ),
        helper_text=N_("How well can the patient walk at the moment?"),
        error=N_("Select how well you can walk at the moment"),
        helper_error=N_("Select how well the patient can walk at the moment"),
    ),
    # Step 2 red_flags: all required (§2.3); yes_no_unsure unless stated
    _q(
        "rf_cold_pale_sudden",
        "red_flags",
        N_(
            "Has your leg or foot suddenly (in the last few hours or days) turned cold and "
            "pale, white, blue or blotchy?"
        ),
        YU,
        emphasis=(N_("suddenly"), N_("and")),
        page="leg",
        helper_text=N_(
            "Has the patient's leg or foot suddenly (in the last few hours or days) "
            "turned cold and pale, white, blue or blotchy?"
        ),
        error=N_(
            "Select yes if your leg or foot has suddenly turned cold and pale, white, "
            "blue or blotchy"
        ),
        helper_error=N_(
            "Select yes if the patient's leg or foot has suddenly turned cold and pale, "
            "white, blue or blotchy"
        ),
    ),
    _q(
        "rf_numb_weak_new",
        "red_flags",
        N_(
            "Is your leg or foot newly numb, or too weak to move? (For example, you cannot "
            "wiggle your toes or lift your foot.)"
        ),
        YU,
        emphasis=(N_("newly"),),
        page="leg",
        helper_text=N_(
            "Is the patient's leg or foot newly numb, or too weak to move? (For example, "
            "they cannot wiggle their toes or lift their foot.)"
        ),
        error=N_("Select yes if your leg or foot is newly numb or too weak to move"),
        helper_error=N_(
            "Select yes if the patient's leg or foot is newly numb or too weak to move"
        ),
    ),
    # The one conditional question of step 2 (ruleset 2026.2). A single, not a yes_no_unsure:
    # its "not_sure" is a choice code, never mapped to yes. Its show-if reads the RAW red-flag
    # answer (§2.3): "not sure" about new numbness shows it as "yes" does.
    _q(
        "rf_numb_weak_onset",
        "red_flags",
        N_("When did the numbness or weakness start?"),
        SINGLE,
        _c(
            ("last_24_hours", N_("In the last 24 hours")),
            ("1_to_14_days", N_("Between 1 and 14 days ago")),
            ("over_2_weeks", N_("More than 2 weeks ago")),
            (NOT_SURE, N_("I'm not sure")),
        ),
        show_if=In("rf_numb_weak_new", (YES, NOT_SURE)),
        page="leg",
        error=N_("Select when the numbness or weakness started"),
    ),
    _q(
        "rf_weakness_worsening",
        "red_flags",
        N_(
            "Is weakness in your leg getting worse, or does your foot slap down or catch when you "
            "walk?"
        ),
        YU,
        page="leg",
        helper_text=N_(
            "Is weakness in the patient's leg getting worse, or does their foot slap down"
            " or catch when they walk?"
        ),
        error=N_(
            "Select yes if weakness in your leg is getting worse, or your foot slaps down"
            " or catches when you walk"
        ),
        helper_error=N_(
            "Select yes if weakness in the patient's leg is getting worse, or their foot "
            "slaps down or catches when they walk"
        ),
    ),
    _q(
        "rf_breathless",
        "red_flags",
        N_(
            "Have you suddenly become short of breath, or more out of breath than usual for no "
            "clear reason?"
        ),
        YU,
        emphasis=(N_("suddenly"),),
        page="breathing",
        helper_text=N_(
            "Has the patient suddenly become short of breath, or more out of breath than "
            "usual for no clear reason?"
        ),
        error=N_("Select yes if you have suddenly become short of breath"),
        helper_error=N_("Select yes if the patient has suddenly become short of breath"),
    ),
    _q(
        "rf_chest_pain",
        "red_flags",
        N_("Do you have chest pain, or pain in your chest that is worse when you breathe in?"),
        YU,
        page="breathing",
        helper_text=N_(
            "Does the patient have chest pain, or pain in their chest that is worse when "
            "they breathe in?"
        ),
        error=N_("Select yes if you have chest pain"),
        helper_error=N_("Select yes if the patient has chest pain"),
    ),
    _q(
        "rf_cough_blood",
        "red_flags",
        N_("Have you coughed up blood?"),
        YU,
        page="breathing",
        helper_text=N_("Has the patient coughed up blood?"),
        error=N_("Select yes if you have coughed up blood"),
        helper_error=N_("Select yes if the patient has coughed up blood"),
    ),
    _q(
        "rf_fainted",
        "red_flags",
        N_("Have you fainted, or nearly fainted?"),
        YU,
        page="breathing",
        helper_text=N_("Has the patient fainted, or nearly fainted?"),
        error=N_("Select yes if you have fainted or nearly fainted"),
        helper_error=N_("Select yes if the patient has fainted or nearly fainted"),
    ),
    _q(
        "rf_bladder_bowel",
        "red_flags",
        N_(
            "Since this problem started, is it new for you to have trouble peeing (you cannot "
            "start, cannot feel it, or you wet yourself) or trouble controlling your bowels?"
        ),
        YU,
        emphasis=(N_("new"),),
        page="back",
        helper_text=N_(
            "Since this problem started, is it new for the patient to have trouble peeing"
            " (they cannot start, cannot feel it, or they wet themselves) or trouble "
            "controlling their bowels?"
        ),
        error=N_("Select yes if you have new trouble peeing or controlling your bowels"),
        helper_error=N_(
            "Select yes if the patient has new trouble peeing or controlling their bowels"
        ),
    ),
    _q(
        "rf_saddle_numb",
        "red_flags",
        N_(
            "Do you have numbness or a strange feeling around your bottom, between your legs or on "
            "your genitals?"
        ),
        YU,
        page="back",
        helper_text=N_(
            "Does the patient have numbness or a strange feeling around their bottom, "
            "between their legs or on their genitals?"
        ),
        error=N_(
            "Select yes if you have numbness or a strange feeling around your bottom, "
            "between your legs or on your genitals"
        ),
        helper_error=N_(
            "Select yes if the patient has numbness or a strange feeling around their "
            "bottom, between their legs or on their genitals"
        ),
    ),
    _q(
        "rf_sexual_new",
        "red_flags",
        N_(
            "Have you newly lost feeling in your genitals, or had a new problem getting an "
            "erection?"
        ),
        YU,
        emphasis=(N_("newly"),),
        page="back",
        helper_text=N_(
            "Has the patient newly lost feeling in their genitals, or had a new problem "
            "getting an erection?"
        ),
        error=N_(
            "Select yes if you have newly lost feeling in your genitals or have a new "
            "problem getting an erection"
        ),
        helper_error=N_(
            "Select yes if the patient has newly lost feeling in their genitals or has a "
            "new problem getting an erection"
        ),
    ),
    _q(
        "rf_both_legs_sciatica",
        "red_flags",
        N_("Has pain started shooting down both legs from your back recently?"),
        YU,
        emphasis=(N_("both"),),
        page="back",
        helper_text=N_(
            "Has pain started shooting down both legs from the patient's back recently?"
        ),
        error=N_("Select yes if pain has started shooting down both legs from your back"),
        helper_error=N_(
            "Select yes if pain has started shooting down both legs from the patient's back"
        ),
    ),
    _q(
        "rf_fever",
        "red_flags",
        N_("Do you have a high temperature, or feel hot and shivery?"),
        YU,
        page="infection",
        helper_text=N_("Does the patient have a high temperature, or feel hot and shivery?"),
        error=N_("Select yes if you have a high temperature or feel hot and shivery"),
        helper_error=N_(
            "Select yes if the patient has a high temperature or feels hot and shivery"
        ),
    ),
    _q(
        "rf_sepsis_signs",
        "red_flags",
        N_("Do you have any of these right now?"),
        MULTI,
        _c(
            ("confused_or_slurred_speech", N_("Confused, or slurred speech or not making sense")),
            (
                "blue_grey_pale_or_blotchy_skin",
                N_("Blue, grey, pale or blotchy skin, lips or tongue"),
            ),
            ("rash_not_fading", N_("A rash that does not fade when you roll a glass over it")),
            ("struggling_to_breathe", N_("Struggling to breathe or breathing very fast")),
            ("no_pee_all_day", N_("Not peed all day")),
            ("feel_might_die", N_("Feel very unwell, like something is badly wrong")),
            (NONE_CHOICE, N_("None of these")),
        ),
        page="infection",
        helper_text=N_("Does the patient have any of these right now?"),
        error=N_("Select which of these you have right now, or select 'None of these'"),
        helper_error=N_(
            "Select which of these the patient has right now, or select 'None of these'"
        ),
    ),
    _q(
        "rf_pain_out_of_proportion",
        "red_flags",
        N_("Is the pain much worse than you would expect from how your leg looks?"),
        YU,
        emphasis=(N_("much worse"),),
        page="skin",
        helper_text=N_(
            "Is the pain much worse than you would expect from how the patient's leg looks?"
        ),
        error=N_(
            "Select yes if the pain is much worse than you would expect from how your leg looks"
        ),
        helper_error=N_(
            "Select yes if the pain is much worse than you would expect from how the "
            "patient's leg looks"
        ),
    ),
    _q(
        "rf_spreading_fast",
        "red_flags",
        N_("Is a red, hot or swollen area spreading quickly (getting bigger within hours)?"),
        YU,
        emphasis=(N_("quickly"),),
        page="skin",
        error=N_("Select yes if a red, hot or swollen area is spreading quickly"),
    ),
    _q(
        "rf_dark_blisters",
        "red_flags",
        N_("On a red or swollen area, are there purple, grey or black patches, or blisters?"),
        YU,
        page="skin",
        error=N_(
            "Select yes if there are purple, grey or black patches, or blisters, on a red"
            " or swollen area"
        ),
    ),
    _q(
        "rf_toe_move_pain",
        "red_flags",
        N_("Does moving your toes or ankle make the pain in your lower leg much worse?"),
        YU,
        page="skin",
        helper_text=N_(
            "Does moving the patient's toes or ankle make the pain in their lower leg much worse?"
        ),
        error=N_(
            "Select yes if moving your toes or ankle makes the pain in your lower leg much worse"
        ),
        helper_error=N_(
            "Select yes if moving the patient's toes or ankle makes the pain in their "
            "lower leg much worse"
        ),
    ),
    _q(
        "rf_leg_tight_hard",
        "red_flags",
        N_("Does the muscle in your lower leg feel very tight or hard?"),
        YU,
        page="skin",
        helper_text=N_("Does the muscle in the patient's lower leg feel very tight or hard?"),
        error=N_("Select yes if the muscle in your lower leg feels very tight or hard"),
        helper_error=N_(
            "Select yes if the muscle in the patient's lower leg feels very tight or hard"
        ),
    ),
    _q(
        "rf_vein_bleeding",
        "red_flags",
        N_("Is a vein on your leg bleeding, or has it bled in the last 2 weeks?"),
        SINGLE,
        _c(
            ("bleeding_now_not_stopping", N_("It is bleeding now and will not stop")),
            ("bled_and_stopped", N_("It bled but has stopped")),
            (NO, N_("No")),
        ),
        page="bleeding",
        helper_text=N_(
            "Is a vein on the patient's leg bleeding, or has it bled in the last 2 weeks?"
        ),
        error=N_("Select if a vein on your leg is bleeding or has bled in the last 2 weeks"),
        helper_error=N_(
            "Select if a vein on the patient's leg is bleeding or has bled in the last 2 weeks"
        ),
    ),
    _q(
        "rf_sudden_back_tummy_pain",
        "red_flags",
        N_("Do you have sudden, severe pain in your tummy or back, unlike anything before?"),
        YU,
        emphasis=(N_("sudden, severe"),),
        page="bleeding",
        helper_text=N_(
            "Does the patient have sudden, severe pain in their tummy or back, unlike "
            "anything before?"
        ),
        error=N_("Select yes if you have sudden, severe pain in your tummy or back"),
        helper_error=N_("Select yes if the patient has sudden, severe pain in their tummy or back"),
    ),
    _q(
        "pulse_bpm",
        "red_flags",
        N_("If you have a watch or device that measures your pulse, what is your pulse now?"),
        NUMBER,
        required=False,
        min_value=30,
        max_value=220,
        hint=N_("Beats per minute. Leave it blank if you cannot measure it."),
        page="bleeding",
        helper_text=N_(
            "If you have a watch or device that measures the patient's pulse, what is "
            "their pulse now?"
        ),
    ),
    # Step 3 where_it_hurts
    _q(
        "main_problem",
        "where_it_hurts",
        N_("What is the problem? Tick all that apply."),
        MULTI,
        _c(
            ("pain", N_("Pain")),
            ("swelling", N_("Swelling")),
            ("skin_change", N_("Skin colour or skin change")),
            ("wound", N_("A sore, wound or ulcer")),
            ("veins", N_("Veins I can see"), N_("Veins you can see")),
            ("numbness_tingling", N_("Numbness or tingling")),
            ("cold_or_colour", N_("Cold or colour change")),
            ("restless", N_("Restless legs / urge to move")),
            ("cramps", N_("Cramps")),
            ("other", N_("Something else")),
        ),
        error=N_("Select what the problem is"),
    ),
    _q(
        "main_problem_text",
        "where_it_hurts",
        N_("In your own words, what is the main problem?"),
        TEXT,
        required=False,
        max_length=1000,
        helper_text=N_("In your own words, what is the patient's main problem?"),
    ),
    _q(
        "affected_side",
        "where_it_hurts",
        N_("Which leg?"),
        SINGLE,
        (*_SIDES, Choice(NOT_SURE, N_("Not sure"))),
        error=N_("Select which leg"),
    ),
    _q(
        "pain_regions",
        "where_it_hurts",
        N_("Where do you feel it? Tap the body map or tick all that apply."),
        MULTI,
        _c(
            ("lower_back", N_("Lower back")),
            ("buttock", N_("Buttock")),
            ("groin_hip", N_("Groin or hip")),
            ("thigh_front", N_("Front or side of thigh")),
            ("thigh_back", N_("Back of thigh")),
            ("knee", N_("Knee")),
            ("behind_knee", N_("Behind the knee")),
            ("calf", N_("Calf")),
            ("shin", N_("Shin")),
            ("ankle", N_("Ankle")),
            ("foot", N_("Foot")),
            ("toes", N_("Toes")),
            ("whole_leg", N_("The whole leg")),
        ),
        # Optional: there is no "none" choice, and forcing a tick (e.g. "calf" for someone who
        # only has visible veins) could feed leg_pain_sites and so a false DVT pattern.
        required=False,
        hint=N_("Leave blank if you do not feel pain or discomfort in your legs."),
        helper_text=N_("Where does the patient feel it? Tap the body map or tick all that apply."),
        helper_hint=N_(
            "Leave blank if the patient does not feel pain or discomfort in their legs."
        ),
    ),
    _q(
        "pain_spreads_down_leg",
        "where_it_hurts",
        N_("Does pain shoot down from your lower back or buttock to below your knee?"),
        Y,
        helper_text=N_(
            "Does pain shoot down from the patient's lower back or buttock to below their knee?"
        ),
        error=N_(
            "Select yes if pain shoots down from your lower back or buttock to below your knee"
        ),
        helper_error=N_(
            "Select yes if pain shoots down from the patient's lower back or buttock to "
            "below their knee"
        ),
    ),
    _q(
        "pain_score_now",
        "where_it_hurts",
        N_("How bad is the pain right now? 0 = no pain, 10 = worst pain you can imagine."),
        SCALE,
        helper_text=N_(
            "How bad is the patient's pain right now? 0 = no pain, 10 = worst pain they "
            "can imagine."
        ),
        error=N_("Select how bad the pain is right now, from 0 to 10"),
        helper_error=N_("Select how bad the patient's pain is right now, from 0 to 10"),
    ),
    _q(
        "pain_score_worst",
        "where_it_hurts",
        N_("How bad has it been at its worst in the last week?"),
        SCALE,
        error=N_("Select how bad the pain has been at its worst in the last week, from 0 to 10"),
    ),
    # Step 4 how_it_started
    _q(
        "onset_speed",
        "how_it_started",
        N_("How did it start?"),
        SINGLE,
        _c(
            ("sudden_minutes", N_("Suddenly, within minutes")),
            ("over_hours", N_("Over a few hours")),
            ("over_days", N_("Over a few days")),
            ("slowly_weeks_or_more", N_("Slowly, over weeks or longer")),
        ),
        error=N_("Select how it started"),
    ),
    _q(
        "symptom_duration",
        "how_it_started",
        N_("How long have you had it?"),
        SINGLE,
        _c(
            ("lt_24h", N_("Less than 1 day")),
            ("1_to_7_days", N_("1 to 7 days")),
            ("1_to_2_weeks", N_("1 to 2 weeks")),
            ("2_to_6_weeks", N_("2 to 6 weeks")),
            ("6_weeks_to_3_months", N_("6 weeks to 3 months")),
            ("over_3_months", N_("More than 3 months")),
        ),
        helper_text=N_("How long has the patient had it?"),
        error=N_("Select how long you have had it"),
        helper_error=N_("Select how long the patient has had it"),
    ),
    _q(
        "trend",
        "how_it_started",
        N_("Since it started, is it…"),
        SINGLE,
        _c(
            ("better", N_("Getting better")),
            ("same", N_("About the same")),
            ("slowly_worse", N_("Slowly getting worse")),
            ("quickly_worse", N_("Quickly getting worse")),
        ),
        error=N_("Select how it has changed since it started"),
    ),
    _q(
        "recent_injury",
        "how_it_started",
        N_(
            "In the last 4 weeks, did you hurt your leg? "
            "(A fall, twist, knock, crush or broken bone.)"
        ),
        Y,
        helper_text=N_(
            "In the last 4 weeks, did the patient hurt their leg? (A fall, twist, knock, "
            "crush or broken bone.)"
        ),
        error=N_("Select yes if you hurt your leg in the last 4 weeks"),
        helper_error=N_("Select yes if the patient hurt their leg in the last 4 weeks"),
    ),
    _q(
        "cast_or_tight_bandage_now",
        "how_it_started",
        N_("Is your leg in a plaster cast, splint, boot or tight bandage right now?"),
        Y,
        emphasis=(N_("right now"),),
        helper_text=N_(
            "Is the patient's leg in a plaster cast, splint, boot or tight bandage right now?"
        ),
        error=N_(
            "Select yes if your leg is in a plaster cast, splint, boot or tight bandage right now"
        ),
        helper_error=N_(
            "Select yes if the patient's leg is in a plaster cast, splint, boot or tight "
            "bandage right now"
        ),
    ),
    _q(
        "leg_cast_recent_12w",
        "how_it_started",
        N_("In the last 12 weeks, has your leg been in a plaster cast or a stiff boot?"),
        Y,
        helper_text=N_(
            "In the last 12 weeks, has the patient's leg been in a plaster cast or a stiff boot?"
        ),
        error=N_(
            "Select yes if your leg has been in a plaster cast or a stiff boot in the last 12 weeks"
        ),
        helper_error=N_(
            "Select yes if the patient's leg has been in a plaster cast or a stiff boot "
            "in the last 12 weeks"
        ),
    ),
    _q(
        "recent_surgery_12w",
        "how_it_started",
        N_(
            "In the last 12 weeks, have you had an operation where you were put to sleep, or had a "
            "spinal or epidural injection?"
        ),
        Y,
        helper_text=N_(
            "In the last 12 weeks, has the patient had an operation where they were put "
            "to sleep, or had a spinal or epidural injection?"
        ),
        error=N_(
            "Select yes if you have had an operation or a spinal or epidural injection in"
            " the last 12 weeks"
        ),
        helper_error=N_(
            "Select yes if the patient has had an operation or a spinal or epidural "
            "injection in the last 12 weeks"
        ),
    ),
    _q(
        "bedbound_3d_4w",
        "how_it_started",
        N_(
            "In the last 4 weeks, have you stayed in bed (or been unable to get up and walk about) "
            "for 3 days or more in a row?"
        ),
        Y,
        helper_text=N_(
            "In the last 4 weeks, has the patient stayed in bed (or been unable to get up"
            " and walk about) for 3 days or more in a row?"
        ),
        error=N_(
            "Select yes if you have stayed in bed for 3 days or more in a row in the last 4 weeks"
        ),
        helper_error=N_(
            "Select yes if the patient has stayed in bed for 3 days or more in a row in "
            "the last 4 weeks"
        ),
    ),
    _q(
        "long_journey_4w",
        "how_it_started",
        N_(
            "In the last 4 weeks, have you sat still on a journey of 4 hours or more (plane, car, "
            "coach or train)?"
        ),
        Y,
        helper_text=N_(
            "In the last 4 weeks, has the patient sat still on a journey of 4 hours or "
            "more (plane, car, coach or train)?"
        ),
        error=N_(
            "Select yes if you have sat still on a journey of 4 hours or more in the last 4 weeks"
        ),
        helper_error=N_(
            "Select yes if the patient has sat still on a journey of 4 hours or more in "
            "the last 4 weeks"
        ),
    ),
    # Step 5 feels_like
    _q(
        "pain_character",
        "feels_like",
        N_("What is the pain like? Tick all that apply."),
        MULTI,
        _c(
            ("aching", N_("Aching")),
            ("cramping", N_("Cramping")),
            ("throbbing", N_("Throbbing")),
            ("sharp_stabbing", N_("Sharp or stabbing")),
            ("tight_bursting", N_("Tight or bursting")),
            ("heavy_tired", N_("Heavy or tired")),
            ("other", N_("Something else")),
        ),
        required=False,
        hint=N_("Leave blank if you have no pain."),
        helper_hint=N_("Leave blank if the patient has no pain."),
    ),
    _q(
        "dn4_q1",
        "feels_like",
        N_("Does the pain feel like any of these?"),
        MULTI,
        _c(
            ("burning", N_("Burning")),
            ("painful_cold", N_("Painful cold")),
            ("electric_shocks", N_("Electric shocks")),
            (NONE_CHOICE, N_("None of these")),
        ),
        instrument="DN4 question 1",
        error=N_("Select what the pain feels like, or select 'None of these'"),
    ),
    _q(
        "dn4_q2",
        "feels_like",
        N_("In the same place, do you also have any of these?"),
        MULTI,
        _c(
            ("tingling", N_("Tingling")),
            ("pins_and_needles", N_("Pins and needles")),
            ("numbness", N_("Numbness")),
            ("itching", N_("Itching")),
            (NONE_CHOICE, N_("None of these")),
        ),
        instrument="DN4 question 2",
        helper_text=N_("In the same place, does the patient also have any of these?"),
        error=N_("Select what else you have in the same place, or select 'None of these'"),
        helper_error=N_(
            "Select what else the patient has in the same place, or select 'None of these'"
        ),
    ),
    _q(
        "leg_swollen",
        "feels_like",
        N_("Is your leg swollen?"),
        SINGLE,
        _c(
            (NO, N_("No")),
            ("ankle_or_calf", N_("Yes, ankle or calf")),
            ("whole_leg", N_("Yes, the whole leg")),
        ),
        helper_text=N_("Is the patient's leg swollen?"),
        error=N_("Select if your leg is swollen"),
        helper_error=N_("Select if the patient's leg is swollen"),
    ),
    _q(
        "swelling_side",
        "feels_like",
        N_("Which leg is swollen?"),
        SINGLE,
        _SIDES,
        show_if=_SWELLING_SHOWN,
        error=N_("Select which leg is swollen"),
    ),
    _q(
        "calf_difference_cm",
        "feels_like",
        N_(
            "If you can, measure round both calves at the same place, about a hand's width below "
            "the kneecap. How many centimetres bigger is the swollen calf? Leave it blank if you "
            "cannot."
        ),
        NUMBER,
        required=False,
        min_value=0,
        max_value=20,
        show_if=All(_SWELLING_SHOWN, In("swelling_side", ("left", "right"))),
    ),
    _q(
        "pitting_dent",
        "feels_like",
        N_(
            "Press your thumb firmly into the swollen part for 5 seconds, then let go. Is there a "
            "dent left?"
        ),
        SINGLE,
        _c((YES, N_("Yes")), (NO, N_("No")), ("did_not_check", N_("I did not check"))),
        show_if=_SWELLING_SHOWN,
        error=N_("Select if there is a dent left"),
    ),
    _q(
        "calf_tender",
        "feels_like",
        N_("Does your calf, or the back of your knee or thigh, hurt when you press it gently?"),
        Y,
        helper_text=N_(
            "Does the patient's calf, or the back of their knee or thigh, hurt when it is"
            " pressed gently?"
        ),
        error=N_(
            "Select yes if your calf, or the back of your knee or thigh, hurts when you "
            "press it gently"
        ),
        helper_error=N_(
            "Select yes if the patient's calf, or the back of their knee or thigh, hurts "
            "when it is pressed gently"
        ),
    ),
    _q(
        "skin_changes",
        "feels_like",
        N_("Have you noticed any of these on your leg or foot?"),
        MULTI,
        _c(
            ("red_or_darker_warm_patch", N_("A red or darker area that feels warm")),
            ("pale_or_white", N_("Pale or white skin")),
            ("blue_purple_or_blotchy", N_("Blue, purple or blotchy skin")),
            ("shiny_hairless_skin", N_("Shiny skin with no hair")),
            ("brown_staining", N_("Brown staining near the ankle")),
            ("itchy_scaly_rash", N_("An itchy, scaly rash")),
            ("hard_tight_skin", N_("Hard, tight skin above the ankle")),
            (NONE_CHOICE, N_("None of these")),
        ),
        helper_text=N_("Has the patient noticed any of these on their leg or foot?"),
        error=N_("Select what you have noticed on your leg or foot, or select 'None of these'"),
        helper_error=N_(
            "Select what the patient has noticed on their leg or foot, or select 'None of these'"
        ),
    ),
    _q(
        "leg_colder",
        "feels_like",
        N_("Does one leg or foot feel much colder than the other?"),
        Y,
        error=N_("Select yes if one leg or foot feels much colder than the other"),
    ),
    _q(
        "knee_lump",
        "feels_like",
        N_("Do you have a lump, swelling or tight feeling behind your knee?"),
        Y,
        helper_text=N_(
            "Does the patient have a lump, swelling or tight feeling behind their knee?"
        ),
        error=N_("Select yes if you have a lump, swelling or tight feeling behind your knee"),
        helper_error=N_(
            "Select yes if the patient has a lump, swelling or tight feeling behind their knee"
        ),
    ),
    _q(
        "venous_pain_impact",
        "feels_like",
        N_("How much do aching, heaviness or soreness in your legs affect your day?"),
        SINGLE,
        _c(
            (NONE_CHOICE, N_("Not at all")),
            (
                "occasional_not_limiting",
                N_("Sometimes, but I can do everything"),
                N_("Sometimes, but they can do everything"),
            ),
            ("daily_interferes", N_("Every day, and it gets in the way")),
            (
                "daily_limits_most",
                N_("Every day, and it stops me doing most things"),
                N_("Every day, and it stops them doing most things"),
            ),
        ),
        instrument="VCSS pain item",
        helper_text=N_(
            "How much do aching, heaviness or soreness in the patient's legs affect their day?"
        ),
        error=N_("Select how much aching, heaviness or soreness in your legs affects your day"),
        helper_error=N_(
            "Select how much aching, heaviness or soreness in the patient's legs affects their day"
        ),
    ),
    # Step 6 better_worse (ECQ items verbatim)
    _q(
        "ecq1_walk_pain",
        "better_worse",
        N_("Do you get a pain or discomfort in your leg(s) when you walk?"),
        SINGLE,
        _c(
            (YES, N_("Yes")),
            (NO, N_("No")),
            ("unable_to_walk", N_("I am unable to walk"), N_("They are unable to walk")),
        ),
        instrument="ECQ 1",
        helper_text=N_("Does the patient get a pain or discomfort in their leg(s) when they walk?"),
        error=N_("Select if you get a pain or discomfort in your legs when you walk"),
        helper_error=N_(
            "Select if the patient gets a pain or discomfort in their legs when they walk"
        ),
    ),
    _q(
        "ecq2_rest_onset",
        "better_worse",
        N_("Does this pain ever begin when you are standing still or sitting?"),
        Y,
        show_if=_ECQ_SHOWN,
        instrument="ECQ 2",
        helper_text=N_("Does this pain ever begin when the patient is standing still or sitting?"),
        error=N_("Select yes if this pain ever begins when you are standing still or sitting"),
        helper_error=N_(
            "Select yes if this pain ever begins when the patient is standing still or sitting"
        ),
    ),
    _q(
        "ecq3_uphill",
        "better_worse",
        N_("Do you get it if you walk uphill or hurry?"),
        SINGLE,
        _c(
            (YES, N_("Yes")),
            (NO, N_("No")),
            (
                "never_uphill_or_hurry",
                N_("I never walk uphill or hurry"),
                N_("They never walk uphill or hurry"),
            ),
        ),
        show_if=_ECQ_SHOWN,
        instrument="ECQ 3",
        helper_text=N_("Does the patient get it if they walk uphill or hurry?"),
        error=N_("Select if you get it when you walk uphill or hurry"),
        helper_error=N_("Select if the patient gets it when they walk uphill or hurry"),
    ),
    _q(
        "ecq4_ordinary_pace",
        "better_worse",
        N_("Do you get it when you walk at an ordinary pace on the level?"),
        Y,
        show_if=_ECQ_SHOWN,
        instrument="ECQ 4",
        helper_text=N_("Does the patient get it when they walk at an ordinary pace on the level?"),
        error=N_("Select yes if you get it when you walk at an ordinary pace on the level"),
        helper_error=N_(
            "Select yes if the patient gets it when they walk at an ordinary pace on the level"
        ),
    ),
    _q(
        "ecq5_stand_still",
        "better_worse",
        N_("What happens to it if you stand still?"),
        SINGLE,
        _c(
            ("continues_more_10min", N_("Usually continues more than 10 minutes")),
            ("disappears_10min_or_less", N_("Usually disappears in 10 minutes or less")),
        ),
        show_if=_ECQ_SHOWN,
        instrument="ECQ 5",
        helper_text=N_("What happens to it if the patient stands still?"),
        error=N_("Select what happens to it if you stand still"),
        helper_error=N_("Select what happens to it if the patient stands still"),
    ),
    _q(
        "ecq6_sites",
        "better_worse",
        N_("Where do you get this pain or discomfort? Mark the place(s) on the picture."),
        MULTI,
        _c(
            ("calf", N_("Calf")),
            ("thigh", N_("Front or side of thigh")),
            ("hamstring", N_("Back of thigh")),
            ("buttock", N_("Buttock")),
            ("shin", N_("Shin")),
            ("foot", N_("Foot")),
            ("joint", N_("Hip, knee or ankle joint")),
            ("other", N_("Somewhere else")),
        ),
        show_if=_ECQ_SHOWN,
        instrument="ECQ 6",
        helper_text=N_(
            "Where does the patient get this pain or discomfort? Mark the place(s) on the picture."
        ),
        error=N_("Select where you get this pain or discomfort"),
        helper_error=N_("Select where the patient gets this pain or discomfort"),
    ),
    _q(
        "walk_pain_eased_by",
        "better_worse",
        N_("What eases the walking pain best?"),
        SINGLE,
        _c(
            ("standing_still", N_("Standing still")),
            (
                "sitting_or_bending_forward",
                N_("Sitting down or bending forward (e.g. leaning on a trolley)"),
            ),
            ("nothing", N_("Nothing eases it")),
            (NOT_SURE, N_("Not sure")),
        ),
        show_if=_ECQ_SHOWN,
        error=N_("Select what eases the walking pain best"),
    ),
    _q(
        "rest_pain_night",
        "better_worse",
        N_("Do you get pain in your foot or toes when you rest or lie in bed at night?"),
        Y,
        emphasis=(N_("foot or toes"),),
        helper_text=N_(
            "Does the patient get pain in their foot or toes when they rest or lie in bed at night?"
        ),
        error=N_(
            "Select yes if you get pain in your foot or toes when you rest or lie in bed at night"
        ),
        helper_error=N_(
            "Select yes if the patient gets pain in their foot or toes when they rest or "
            "lie in bed at night"
        ),
    ),
    _q(
        "rest_pain_dependency",
        "better_worse",
        N_(
            "Does hanging your leg over the side of the bed, or sleeping in a chair, "
            "ease that pain?"
        ),
        Y,
        show_if=Eq("rest_pain_night", YES),
        helper_text=N_(
            "Does hanging the patient's leg over the side of the bed, or sleeping in a "
            "chair, ease that pain?"
        ),
        error=N_(
            "Select yes if hanging your leg over the side of the bed, or sleeping in a "
            "chair, eases that pain"
        ),
        helper_error=N_(
            "Select yes if hanging the patient's leg over the side of the bed, or "
            "sleeping in a chair, eases that pain"
        ),
    ),
    _q(
        "worse_standing_end_day",
        "better_worse",
        N_(
            "Are the ache, heaviness or swelling worse after standing for a long time, or at the "
            "end of the day?"
        ),
        Y,
        error=N_(
            "Select yes if the ache, heaviness or swelling is worse after standing for a "
            "long time or at the end of the day"
        ),
    ),
    _q(
        "better_leg_raised",
        "better_worse",
        N_("Does raising your legs (feet up) make it better?"),
        Y,
        helper_text=N_("Does raising the patient's legs (feet up) make it better?"),
        error=N_("Select yes if raising your legs makes it better"),
        helper_error=N_("Select yes if raising the patient's legs makes it better"),
    ),
    _q(
        "worse_bending_cough",
        "better_worse",
        N_("Is the leg pain worse when you bend forward, sit for a long time, cough or sneeze?"),
        Y,
        helper_text=N_(
            "Is the leg pain worse when the patient bends forward, sits for a long time, "
            "coughs or sneezes?"
        ),
        error=N_(
            "Select yes if the leg pain is worse when you bend forward, sit for a long "
            "time, cough or sneeze"
        ),
        helper_error=N_(
            "Select yes if the leg pain is worse when the patient bends forward, sits for"
            " a long time, coughs or sneezes"
        ),
    ),
    _q(
        "joint_pain_stiffness",
        "better_worse",
        N_(
            "Is the pain mainly in a joint (hip, knee or ankle), with stiffness after rest or "
            "first thing in the morning?"
        ),
        Y,
        error=N_(
            "Select yes if the pain is mainly in a joint, with stiffness after rest or "
            "first thing in the morning"
        ),
    ),
    _q(
        "night_cramps",
        "better_worse",
        N_("Do you get sudden painful cramps where the muscle goes hard, often at night?"),
        Y,
        helper_text=N_(
            "Does the patient get sudden painful cramps where the muscle goes hard, often at night?"
        ),
        error=N_("Select yes if you get sudden painful cramps where the muscle goes hard"),
        helper_error=N_(
            "Select yes if the patient gets sudden painful cramps where the muscle goes hard"
        ),
    ),
    _q(
        "rls1_urge",
        "better_worse",
        N_("Do you get an urge to move your legs, often with an uncomfortable feeling in them?"),
        Y,
        instrument="IRLSSG 1",
        helper_text=N_(
            "Does the patient get an urge to move their legs, often with an uncomfortable"
            " feeling in them?"
        ),
        error=N_("Select yes if you get an urge to move your legs"),
        helper_error=N_("Select yes if the patient gets an urge to move their legs"),
    ),
    _q(
        "rls2_rest",
        "better_worse",
        N_("Does it start or get worse when you rest, sit or lie down?"),
        Y,
        show_if=_RLS_SHOWN,
        instrument="IRLSSG 2",
        helper_text=N_("Does it start or get worse when the patient rests, sits or lies down?"),
        error=N_("Select yes if it starts or gets worse when you rest, sit or lie down"),
        helper_error=N_(
            "Select yes if it starts or gets worse when the patient rests, sits or lies down"
        ),
    ),
    _q(
        "rls3_movement",
        "better_worse",
        N_("Does moving, walking or stretching ease it, at least while you keep moving?"),
        Y,
        show_if=_RLS_SHOWN,
        instrument="IRLSSG 3",
        helper_text=N_(
            "Does moving, walking or stretching ease it, at least while the patient keeps moving?"
        ),
        error=N_("Select yes if moving, walking or stretching eases it"),
    ),
    _q(
        "rls4_evening",
        "better_worse",
        N_("Is it only there, or worse, in the evening or at night?"),
        Y,
        show_if=_RLS_SHOWN,
        instrument="IRLSSG 4",
        error=N_("Select yes if it is only there, or worse, in the evening or at night"),
    ),
    _q(
        "rls5_mimic",
        "better_worse",
        N_(
            "Is it really a cramp (the muscle goes hard), or does it only happen when your leg is "
            "in an awkward position?"
        ),
        Y,
        show_if=_RLS_SHOWN,
        instrument="proxy for IRLSSG 5",
        helper_text=N_(
            "Is it really a cramp (the muscle goes hard), or does it only happen when the"
            " patient's leg is in an awkward position?"
        ),
        error=N_(
            "Select yes if it is really a cramp, or only happens when your leg is in an "
            "awkward position"
        ),
        helper_error=N_(
            "Select yes if it is really a cramp, or only happens when the patient's leg "
            "is in an awkward position"
        ),
    ),
    _q(
        "rls_frequency",
        "better_worse",
        N_("How often does it happen?"),
        SINGLE,
        _c(
            ("less_than_weekly", N_("Less than once a week")),
            ("once_a_week", N_("About once a week")),
            ("twice_a_week_or_more", N_("Twice a week or more")),
        ),
        show_if=_RLS_SHOWN,
        error=N_("Select how often it happens"),
    ),
    # Step 7 other_symptoms
    _q(
        "wound_present",
        "other_symptoms",
        N_("Do you have a sore, wound or ulcer on your leg or foot?"),
        Y,
        helper_text=N_("Does the patient have a sore, wound or ulcer on their leg or foot?"),
        error=N_("Select yes if you have a sore, wound or ulcer on your leg or foot"),
        helper_error=N_(
            "Select yes if the patient has a sore, wound or ulcer on their leg or foot"
        ),
    ),
    _q(
        "wound_location",
        "other_symptoms",
        N_("Where is it?"),
        MULTI,
        _c(
            ("toes_or_foot", N_("Toes or foot")),
            ("ankle", N_("Ankle")),
            ("lower_leg", N_("Between ankle and knee")),
            ("above_knee", N_("Above the knee")),
        ),
        show_if=_WOUND_SHOWN,
        error=N_("Select where it is"),
    ),
    _q(
        "wound_duration",
        "other_symptoms",
        N_("How long has it been there?"),
        SINGLE,
        _c(
            ("lt_2_weeks", N_("Less than 2 weeks")),
            ("2_to_6_weeks", N_("2 to 6 weeks")),
            ("6_weeks_to_3_months", N_("6 weeks to 3 months")),
            ("over_3_months", N_("More than 3 months")),
        ),
        show_if=_WOUND_SHOWN,
        error=N_("Select how long it has been there"),
    ),
    _q(
        "wound_features",
        "other_symptoms",
        N_("Does it have any of these?"),
        MULTI,
        _c(
            ("pus_or_bad_smell", N_("Pus or a bad smell")),
            ("red_skin_around", N_("Red skin around it")),
            ("getting_bigger", N_("It is getting bigger")),
            ("very_painful", N_("It is very painful")),
            (NONE_CHOICE, N_("None of these")),
        ),
        show_if=_WOUND_SHOWN,
        error=N_("Select what it has, or select 'None of these'"),
    ),
    _q(
        "black_skin",
        "other_symptoms",
        N_("Is any toe, or any part of your foot or leg, turning black or looking dead?"),
        Y,
        helper_text=N_(
            "Is any toe, or any part of the patient's foot or leg, turning black or looking dead?"
        ),
        error=N_(
            "Select yes if any toe, or any part of your foot or leg, is turning black or "
            "looking dead"
        ),
        helper_error=N_(
            "Select yes if any toe, or any part of the patient's foot or leg, is turning "
            "black or looking dead"
        ),
    ),
    _q(
        "ulcer_healed_before",
        "other_symptoms",
        N_("Have you had a leg ulcer before that has now healed?"),
        Y,
        helper_text=N_("Has the patient had a leg ulcer before that has now healed?"),
        error=N_("Select yes if you have had a leg ulcer before that has now healed"),
        helper_error=N_("Select yes if the patient has had a leg ulcer before that has now healed"),
    ),
    _q(
        "visible_veins",
        "other_symptoms",
        N_("What veins can you see on your legs?"),
        SINGLE,
        _c(
            (NONE_CHOICE, N_("None")),
            ("thread_or_spider_veins", N_("Thin red, blue or purple thread veins")),
            ("bulging_veins", N_("Bulging, twisty veins")),
        ),
        helper_text=N_("What veins can be seen on the patient's legs?"),
        error=N_("Select what veins you can see on your legs"),
        helper_error=N_("Select what veins can be seen on the patient's legs"),
    ),
    _q(
        "hard_vein",
        "other_symptoms",
        N_("Is there a hard, painful vein that feels like a cord under the skin?"),
        Y,
        error=N_(
            "Select yes if there is a hard, painful vein that feels like a cord under the skin"
        ),
    ),
    _q(
        "hard_vein_site",
        "other_symptoms",
        N_("Where is the hard vein?"),
        SINGLE,
        _c(
            ("below_knee", N_("Below the knee")),
            ("above_knee_or_groin", N_("Above the knee or in the groin")),
        ),
        show_if=Eq("hard_vein", YES),
        error=N_("Select where the hard vein is"),
    ),
    _q(
        "both_feet_numb_burning",
        "other_symptoms",
        N_(
            "Do you have numbness, tingling or burning in both feet, like wearing socks you "
            "cannot feel?"
        ),
        Y,
        emphasis=(N_("both"),),
        helper_text=N_(
            "Does the patient have numbness, tingling or burning in both feet, like "
            "wearing socks they cannot feel?"
        ),
        error=N_("Select yes if you have numbness, tingling or burning in both feet"),
        helper_error=N_("Select yes if the patient has numbness, tingling or burning in both feet"),
    ),
    _q(
        "foot_red_hot_swollen",
        "other_symptoms",
        N_("Is your foot red, hot and swollen? (It may not hurt much.)"),
        Y,
        helper_text=N_("Is the patient's foot red, hot and swollen? (It may not hurt much.)"),
        error=N_("Select yes if your foot is red, hot and swollen"),
        helper_error=N_("Select yes if the patient's foot is red, hot and swollen"),
    ),
    _q(
        "compression_use",
        "other_symptoms",
        N_("Do you wear compression stockings?"),
        SINGLE,
        _c(
            ("not_used", N_("No")),
            ("sometimes", N_("Sometimes")),
            ("most_days", N_("Most days")),
            (
                "every_day_plus_leg_raising",
                N_("Every day, and I also raise my legs"),
                N_("Every day, and they also raise their legs"),
            ),
        ),
        instrument="VCSS compression item",
        helper_text=N_("Does the patient wear compression stockings?"),
        error=N_("Select if you wear compression stockings"),
        helper_error=N_("Select if the patient wears compression stockings"),
    ),
    # Step 8 history
    _q(
        "conditions",
        "history",
        N_("Has a doctor or nurse ever told you that you have any of these?"),
        MULTI,
        _c(
            ("diabetes_type1", N_("Type 1 diabetes")),
            ("diabetes_type2", N_("Type 2 diabetes")),
            ("high_blood_pressure", N_("High blood pressure")),
            ("high_cholesterol", N_("High cholesterol")),
            ("heart_attack_angina", N_("Heart attack or angina")),
            ("stroke_tia", N_("Stroke or mini-stroke")),
            ("atrial_fibrillation", N_("Irregular heartbeat (AF)")),
            ("heart_failure", N_("Heart failure")),
            ("kidney_disease", N_("Kidney disease")),
            ("known_pad", N_("Narrowed leg arteries (PAD)")),
            ("aortic_aneurysm", N_("Swelling of the main artery in the tummy (aortic aneurysm)")),
            ("lymphoedema", N_("Lymphoedema")),
            ("knee_or_hip_arthritis", N_("Arthritis in the knee or hip")),
            ("back_problem_sciatica", N_("Back problem or sciatica")),
            ("varicose_veins", N_("Varicose veins")),
            (NONE_CHOICE, N_("None of these")),
        ),
        helper_text=N_("Has a doctor or nurse ever told the patient that they have any of these?"),
        error=N_(
            "Select what a doctor or nurse has told you that you have, or select 'None of these'"
        ),
        helper_error=N_(
            "Select what a doctor or nurse has told the patient that they have, or select"
            " 'None of these'"
        ),
    ),
    _q(
        "smoking",
        "history",
        N_("Do you smoke?"),
        SINGLE,
        _c(
            ("current", N_("Yes")),
            ("ex", N_("I used to"), N_("They used to")),
            ("never", N_("No, never")),
        ),
        helper_text=N_("Does the patient smoke?"),
        error=N_("Select if you smoke"),
        helper_error=N_("Select if the patient smokes"),
    ),
    _q(
        "prev_clot",
        "history",
        N_("Have you ever been told you had a blood clot in a leg (DVT) or lung (PE)?"),
        SINGLE,
        _c(
            ("dvt", N_("Yes, in a leg (DVT)")),
            ("pe", N_("Yes, in a lung (PE)")),
            ("both", N_("Yes, both")),
            (NO, N_("No")),
            (NOT_SURE, N_("Not sure")),
        ),
        helper_text=N_(
            "Has the patient ever been told they had a blood clot in a leg (DVT) or lung (PE)?"
        ),
        error=N_("Select if you have ever been told you had a blood clot"),
        helper_error=N_("Select if the patient has ever been told they had a blood clot"),
    ),
    _q(
        "active_cancer",
        "history",
        N_(
            "Do you have cancer now, have you had cancer treatment in the last 6 months, or are "
            "you having care to control cancer symptoms?"
        ),
        Y,
        helper_text=N_(
            "Does the patient have cancer now, have they had cancer treatment in the last"
            " 6 months, or are they having care to control cancer symptoms?"
        ),
        error=N_(
            "Select yes if you have cancer now, have had cancer treatment in the last 6 "
            "months, or are having care to control cancer symptoms"
        ),
        helper_error=N_(
            "Select yes if the patient has cancer now, has had cancer treatment in the "
            "last 6 months, or is having care to control cancer symptoms"
        ),
    ),
    _q(
        "leg_paralysis",
        "history",
        N_(
            "Before this problem started, did you already have weakness or paralysis in this leg "
            "(for example from a stroke or spine problem)?"
        ),
        Y,
        helper_text=N_(
            "Before this problem started, did the patient already have weakness or "
            "paralysis in this leg (for example from a stroke or spine problem)?"
        ),
        error=N_(
            "Select yes if you already had weakness or paralysis in this leg before this "
            "problem started"
        ),
        helper_error=N_(
            "Select yes if the patient already had weakness or paralysis in this leg "
            "before this problem started"
        ),
    ),
    _q(
        "family_clot",
        "history",
        N_("Has a parent, brother, sister or child had a blood clot?"),
        Y,
        helper_text=N_("Has a parent, brother, sister or child of the patient had a blood clot?"),
        error=N_("Select yes if a parent, brother, sister or child of yours has had a blood clot"),
        helper_error=N_(
            "Select yes if a parent, brother, sister or child of the patient has had a blood clot"
        ),
    ),
    _q(
        "leg_procedures",
        "history",
        N_("Have you had any of these?"),
        MULTI,
        _c(
            ("leg_artery_stent_or_bypass", N_("A stent or bypass in a leg artery")),
            ("vein_treatment", N_("Treatment for veins")),
            ("amputation", N_("An amputation")),
            (NONE_CHOICE, N_("None of these")),
        ),
        helper_text=N_("Has the patient had any of these?"),
        error=N_("Select what you have had, or select 'None of these'"),
        helper_error=N_("Select what the patient has had, or select 'None of these'"),
    ),
    # Step 9 medications
    _q(
        "blood_thinner",
        "medications",
        N_(
            "Do you take a blood thinner? For example warfarin, apixaban, rivaroxaban, edoxaban, "
            "dabigatran or heparin injections."
        ),
        Y,
        helper_text=N_(
            "Does the patient take a blood thinner? For example warfarin, apixaban, "
            "rivaroxaban, edoxaban, dabigatran or heparin injections."
        ),
        error=N_("Select yes if you take a blood thinner"),
        helper_error=N_("Select yes if the patient takes a blood thinner"),
    ),
    _q(
        "antiplatelet",
        "medications",
        N_("Do you take aspirin or clopidogrel?"),
        Y,
        helper_text=N_("Does the patient take aspirin or clopidogrel?"),
        error=N_("Select yes if you take aspirin or clopidogrel"),
        helper_error=N_("Select yes if the patient takes aspirin or clopidogrel"),
    ),
    _q(
        "hormones",
        "medications",
        N_(
            "Do you take the combined contraceptive pill, patch or ring, or hormone replacement "
            "therapy (HRT)?"
        ),
        Y,
        helper_text=N_(
            "Does the patient take the combined contraceptive pill, patch or ring, or "
            "hormone replacement therapy (HRT)?"
        ),
        error=N_("Select yes if you take the combined contraceptive pill, patch or ring, or HRT"),
        helper_error=N_(
            "Select yes if the patient takes the combined contraceptive pill, patch or ring, or HRT"
        ),
    ),
    _q(
        "immunosuppressed",
        "medications",
        N_(
            "Do you take steroid tablets, have chemotherapy, or take other medicines that weaken "
            "your immune system?"
        ),
        Y,
        helper_text=N_(
            "Does the patient take steroid tablets, have chemotherapy, or take other "
            "medicines that weaken their immune system?"
        ),
        error=N_(
            "Select yes if you take steroid tablets, have chemotherapy, or take other "
            "medicines that weaken your immune system"
        ),
        helper_error=N_(
            "Select yes if the patient takes steroid tablets, has chemotherapy, or takes "
            "other medicines that weaken their immune system"
        ),
    ),
    _q(
        "medication_list",
        "medications",
        N_("Please list all your medicines."),
        TEXT,
        required=False,
        max_length=2000,
        hint=N_("Leave blank if you do not take any medicines."),
        helper_text=N_("Please list all the patient's medicines."),
        helper_hint=N_("Leave blank if the patient does not take any medicines."),
    ),
    _q(
        "allergies",
        "medications",
        N_("Are you allergic to any medicines?"),
        TEXT,
        required=False,
        max_length=2000,
        hint=N_("Leave blank if none."),
        helper_text=N_("Is the patient allergic to any medicines?"),
    ),
    # Step 10 consent
    _q(
        "consent_true",
        "consent",
        N_("My answers are true as far as I know."),
        Y,
        must_be_yes=True,
        helper_text=N_("The answers are true as far as I know."),
        error=N_("Select yes if your answers are true as far as you know"),
        helper_error=N_("Select yes if the answers are true as far as you know"),
    ),
    _q(
        "consent_contact",
        "consent",
        N_("The clinic may phone, text or email me about my answers."),
        Y,
        helper_text=N_(
            "The clinic may phone, text or email about these answers, using the contact "
            "details given."
        ),
        error=N_("Select yes if the clinic may phone, text or email you about your answers"),
        helper_error=N_("Select yes if the clinic may phone, text or email about these answers"),
    ),
    _q(
        "contact_phone",
        "consent",
        N_("Best phone number to reach you today."),
        TEXT,
        required=False,
        max_length=30,
        text_format="phone",
        hint=N_("Leave blank to use the mobile number you gave at the start."),
        helper_text=N_("Best phone number to reach the patient today."),
        helper_hint=N_("Leave blank to use the phone number given at the start."),
    ),
    _q(
        "consent_share_gp",
        "consent",
        N_("The clinic may share my answers with my GP."),
        Y,
        helper_text=N_("The clinic may share the patient's answers with their GP."),
        error=N_("Select yes if the clinic may share your answers with your GP"),
        helper_error=N_("Select yes if the clinic may share the patient's answers with their GP"),
    ),
    _q(
        "ack_not_monitored",
        "consent",
        N_(
            "I understand this form is not read straight away. If I get worse I will call 999 "
            "or NHS 111, or go to A&E."
        ),
        Y,
        must_be_yes=True,
        emphasis=(N_("not"),),
        helper_text=N_(
            "I understand this form is not read straight away. If the patient gets worse,"
            " we will call 999 or NHS 111, or go to A&E."
        ),
        error=N_("Select yes to show you understand that this form is not read straight away"),
    ),
)

QUESTIONS_BY_CODE: Mapping[str, Question] = {q.code: q for q in QUESTIONS}
_BY_STEP: Mapping[str, tuple[Question, ...]] = {
    step.code: tuple(q for q in QUESTIONS if q.step == step.code) for step in STEPS
}


def questions_for_step(step_code: str) -> tuple[Question, ...]:
    """The questions of one step, in display order (empty for an unknown step code)."""
    return _BY_STEP.get(step_code, ())


def _effective_answers(answers: Mapping[str, object]) -> dict[str, object]:
    """Answers with hidden questions blanked, evaluated in catalogue order.

    Every show-if condition reads only questions that come earlier in the catalogue (a test
    checks this), so a single pass resolves chains: ``calf_difference_cm`` depends on
    ``swelling_side``, which is itself hidden when ``leg_swollen`` is "no".
    """
    effective: dict[str, object] = {}
    for question in QUESTIONS:
        value = answers.get(question.code)
        if question.show_if is not None and not question.show_if.holds(effective):
            value = None
        effective[question.code] = value
    return effective


def is_visible(question_or_code: Question | str, answers: Mapping[str, object]) -> bool:
    """Whether a question is shown, given the answers so far (hidden parents hide children).

    An unknown code is not visible.
    """
    code = question_or_code if isinstance(question_or_code, str) else question_or_code.code
    question = QUESTIONS_BY_CODE.get(code)
    if question is None:
        return False
    if question.show_if is None:
        return True
    return question.show_if.holds(_effective_answers(answers))


def visible_codes(answers: Mapping[str, object]) -> tuple[str, ...]:
    """Codes of every visible question, in catalogue order."""
    effective: dict[str, object] = {}
    shown: list[str] = []
    for question in QUESTIONS:
        visible = question.show_if is None or question.show_if.holds(effective)
        effective[question.code] = answers.get(question.code) if visible else None
        if visible:
            shown.append(question.code)
    return tuple(shown)
