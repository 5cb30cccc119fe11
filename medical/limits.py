"""Input limits of medical content, shared by services, forms and API serializers."""

NOTE_REASON_MAX = 2_000
NOTE_OBSERVATIONS_MAX = 20_000
NOTE_PLAN_MAX = 5_000
NOTE_FIELDS_MAX = {
    "reason": NOTE_REASON_MAX,
    "observations": NOTE_OBSERVATIONS_MAX,
    "plan": NOTE_PLAN_MAX,
}

JOURNAL_TEXT_MAX = 10_000
MOOD_MIN = 1
MOOD_MAX = 5
