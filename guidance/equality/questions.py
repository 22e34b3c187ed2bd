"""The equality monitoring questions a consultation may ask, after the Office for National
Statistics' harmonised standards (docs/analysis.md, "Whose voices"). Each has "Prefer not to say";
a question left unanswered is stored as "" (not answered).

The keys are EqualityAnswers' field names and Consultation.equality_questions' values: never
rename one without a migration of both."""

from dataclasses import dataclass

PREFER_NOT_TO_SAY = ("prefer_not", "Prefer not to say")
YES_NO = [("yes", "Yes"), ("no", "No")]


@dataclass(frozen=True)
class Characteristic:
    key: str
    name: str  # as a breakdown names it: "Age band"
    question: str  # as the respondent is asked it
    hint: str
    options: tuple  # (value, label), "Prefer not to say" last

    @property
    def labels(self):
        return dict(self.options)


def characteristic(key, name, question, options, hint=""):
    return Characteristic(key, name, question, hint, (*options, PREFER_NOT_TO_SAY))


CHARACTERISTICS = [
    characteristic(
        "age_band",
        "Age band",
        "What is your age?",
        [
            ("under_18", "Under 18"),
            ("18_24", "18 to 24"),
            ("25_34", "25 to 34"),
            ("35_44", "35 to 44"),
            ("45_54", "45 to 54"),
            ("55_64", "55 to 64"),
            ("65_74", "65 to 74"),
            ("75_over", "75 or over"),
        ],
    ),
    characteristic("sex", "Sex", "What is your sex?", [("female", "Female"), ("male", "Male")]),
    characteristic(
        "gender_identity",
        "Gender identity",
        "Is the gender you identify with the same as your sex registered at birth?",
        YES_NO,
    ),
    characteristic(
        "ethnic_group",
        "Ethnic group",
        "What is your ethnic group?",
        [
            ("asian", "Asian, Asian British or Asian Welsh"),
            ("black", "Black, Black British, Black Welsh, Caribbean or African"),
            ("mixed", "Mixed or multiple ethnic groups"),
            ("white", "White"),
            ("other", "Other ethnic group"),
        ],
    ),
    characteristic(
        "disability",
        "Disability",
        "Do you consider yourself to be disabled?",
        YES_NO,
        hint="The Equality Act 2010 says you are disabled if you have a physical or mental impairment that has a "
        "substantial and long-term (12 months or more) negative effect on your ability to do normal daily activities.",
    ),
    characteristic(
        "carer",
        "Carer",
        "Do you look after, or give any help or support to, anyone because of a long-term physical or mental "
        "health condition, illness or problems related to old age?",
        YES_NO,
        hint="Do not count anything you do as part of your paid work.",
    ),
    characteristic(
        "region",
        "Region",
        "Where do you live?",
        [
            ("north_east", "North East England"),
            ("north_west", "North West England"),
            ("yorkshire", "Yorkshire and the Humber"),
            ("east_midlands", "East Midlands"),
            ("west_midlands", "West Midlands"),
            ("east", "East of England"),
            ("london", "London"),
            ("south_east", "South East England"),
            ("south_west", "South West England"),
            ("wales", "Wales"),
            ("scotland", "Scotland"),
            ("northern_ireland", "Northern Ireland"),
            ("outside_uk", "Outside the UK"),
        ],
    ),
]
BY_KEY = {characteristic.key: characteristic for characteristic in CHARACTERISTICS}
KEYS = list(BY_KEY)


def asked(consultation):
    """The characteristics this consultation asks about, in the set's order."""
    chosen = set(consultation.equality_questions or ())
    return [characteristic for characteristic in CHARACTERISTICS if characteristic.key in chosen]
