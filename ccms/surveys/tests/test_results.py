"""The ranked list of services and each question's results, case by case: Borda points, the team's
weights, ties, skipped questions and options that name no service."""

from decimal import Decimal

import pytest

from ccms.surveys.results import (
    AnswerInfo,
    OptionInfo,
    QuestionInfo,
    borda_points,
    question_results,
    service_priorities,
)

# Options 1..4 name services; 9 names none.
SUBS, PAYROLL, TRAINING, FOOD = (
    OptionInfo(1, "Substitutes", 10, "Substitute pool"),
    OptionInfo(2, "Payroll", 20, "Payroll"),
    OptionInfo(3, "Training", 30, "Staff training"),
    OptionInfo(4, "Food", 40, "Food program"),
)
NONE_OF_THESE = OptionInfo(9, "None of these")


def ranking(weight="1", options=(SUBS, PAYROLL, TRAINING), qid=1):
    return QuestionInfo(qid, "ranking", "Rank these", Decimal(weight), tuple(options))


def choice(weight="1", options=(SUBS, PAYROLL, FOOD, NONE_OF_THESE), qid=2, kind="multiple_choice"):
    return QuestionInfo(qid, kind, "Which would you use?", Decimal(weight), tuple(options))


def ranked(provider, *option_ids, qid=1):
    return AnswerInfo(provider, qid, tuple(option_ids))


def ticked(provider, *option_ids, qid=2):
    return AnswerInfo(provider, qid, tuple(option_ids))


@pytest.mark.parametrize(
    ("position", "count", "points"),
    [(1, 5, 5), (5, 5, 1), (2, 3, 2), (1, 1, 1), (3, 4, 2)],
)
def test_borda_points_give_first_place_n_and_last_place_one(position, count, points):
    assert borda_points(position, count) == points


@pytest.mark.parametrize(("position", "count"), [(0, 3), (4, 3), (1, 0)])
def test_a_place_outside_the_ranking_is_refused(position, count):
    with pytest.raises(ValueError, match="outside a ranking"):
        borda_points(position, count)


CASES = {
    "one ranking, Borda points summed over providers": (
        [ranking()],
        [ranked("A", 1, 2, 3), ranked("B", 2, 1, 3)],
        [("Payroll", "5"), ("Substitute pool", "5"), ("Staff training", "2")],
    ),
    "the ranking's weight multiplies its points": (
        [ranking("2"), choice("1")],
        [ranked("A", 1, 2, 3), ranked("B", 1, 3, 2), ticked("A", 2, 4), ticked("B", 2)],
        [
            ("Substitute pool", "12"),  # 2 x (3 + 3)
            ("Payroll", "8"),  # 2 x (2 + 1) + 1 x 2
            ("Staff training", "6"),  # 2 x (1 + 2)
            ("Food program", "1"),
        ],
    ),
    "ties are listed by service name": (
        [choice()],
        [ticked("A", 1, 2, 4)],
        [("Food program", "1"), ("Payroll", "1"), ("Substitute pool", "1")],
    ),
    "a provider that skipped a question adds nothing to it": (
        [ranking(), choice()],
        [ranked("A", 3, 2, 1), ticked("A", 1), ticked("B", 1)],  # B did not rank
        [
            ("Staff training", "3"),
            ("Substitute pool", "3"),
            ("Payroll", "2"),
            ("Food program", "0"),
        ],
    ),
    "weight 0 leaves a question out": (
        [ranking("0"), choice("1")],
        [ranked("A", 1, 2, 3), ticked("A", 4)],
        [
            ("Food program", "1"),
            ("Payroll", "0"),
            ("Staff training", "0"),
            ("Substitute pool", "0"),
        ],
    ),
    "an option naming no service counts toward none": (
        [choice()],
        [ticked("A", 9), ticked("B", 9)],
        [("Food program", "0"), ("Payroll", "0"), ("Substitute pool", "0")],
    ),
    "two options of one service count once per provider (the better place)": (
        [ranking(options=(SUBS, OptionInfo(5, "Subs for a week", 10, "Substitute pool"), PAYROLL))],
        [ranked("A", 1, 5, 2), ranked("B", 2, 5, 1)],
        [("Substitute pool", "5"), ("Payroll", "4")],  # 3 + 2; 1 + 3
    ),
    "a single choice counts like a tick": (
        [choice(kind="single_choice")],
        [ticked("A", 2), ticked("B", 2), ticked("C", 1)],
        [("Payroll", "2"), ("Substitute pool", "1"), ("Food program", "0")],
    ),
    "decimal weights": (
        [ranking("1.5", options=(SUBS, PAYROLL))],
        [ranked("A", 1, 2)],
        [("Substitute pool", "3"), ("Payroll", "1.5")],
    ),
    "no answers yet: every service at 0, by name": (
        [ranking()],
        [],
        [("Payroll", "0"), ("Staff training", "0"), ("Substitute pool", "0")],
    ),
}


@pytest.mark.parametrize(("questions", "answers", "expected"), CASES.values(), ids=CASES.keys())
def test_service_priorities(questions, answers, expected):
    priorities = service_priorities(questions, answers)
    assert [(p.name, p.score) for p in priorities] == [(n, Decimal(s)) for n, s in expected]
    assert [p.rank for p in priorities] == list(range(1, len(expected) + 1))


def test_each_score_says_how_it_was_computed():
    questions = [ranking("2"), choice("1")]
    answers = [ranked("A", 1, 2, 3), ranked("B", 2, 1, 3), ticked("A", 2), ticked("B", 2)]
    payroll = next(p for p in service_priorities(questions, answers) if p.name == "Payroll")
    assert [part.explanation for part in payroll.parts] == [
        "2 × 5 Borda points from 2 rankings = 10",
        "1 × 2 providers chose it = 2",
    ]
    assert payroll.explanation == "10 + 2 = 12"
    assert payroll.share == Decimal(100)


def test_question_results_count_choices_rank_options_and_list_free_text():
    questions = [
        ranking(),
        choice(),
        QuestionInfo(3, "free_text", "Anything else?"),
    ]
    answers = [
        ranked("Beta", 1, 2, 3),
        ranked("alpha", 1, 3, 2),
        ticked("Beta", 1, 2),
        ticked("alpha", 1),
        AnswerInfo("Beta", 3, text="More substitutes "),
        AnswerInfo("alpha", 3, text="Payroll help"),
        AnswerInfo("Gamma", 3, text="   "),  # blank counts as skipped
    ]
    rank, tick, text = question_results(questions, answers, respondents=3)

    assert (rank.answered, rank.skipped) == (2, 1)
    assert [(o.option.label, o.value, o.first_places, o.average_rank) for o in rank.options] == [
        ("Substitutes", 6, 2, Decimal("1.0")),
        ("Payroll", 3, 0, Decimal("2.5")),
        ("Training", 3, 0, Decimal("2.5")),
    ]
    assert [(o.option.label, o.value, o.percent) for o in tick.options] == [
        ("Substitutes", 2, 100),
        ("Payroll", 1, 50),
        ("Food", 0, 0),
        ("None of these", 0, 0),
    ]
    assert tick.options[1].share == Decimal("50.0")
    assert text.texts == [("alpha", "Payroll help"), ("Beta", "More substitutes")]
    assert (text.answered, text.skipped, text.percent_answered) == (2, 1, 67)
