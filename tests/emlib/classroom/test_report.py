"""What the teacher reads from a class's rows."""

from emlib.classroom import (
    AttemptRecord,
    attempts_csv,
    common_wrong_answers,
    counted,
    share_solved,
    student_table,
)


def row(student, exercise, answer, correct=False, revealed=False, t="t"):
    return AttemptRecord(student, exercise, answer, correct, revealed, t)


ROWS = [
    row("Ada", 1, "0.5"),
    row("Ada", 1, "0.25", True),
    row("Ada", 1, "0.9"),  # after solving: not a try
    row("Bob", 1, " 0.5 "),
    row("Bob", 1, None, revealed=True),
    row("Bob", 2, "=HYPERLINK(1)"),
    row("Cy", 1, "0.75"),
    row("Cy", 2, "-0.5"),
    row("Cy", 2, "-1+SUM(A1)"),
]


def test_the_table_says_solved_tries_and_revealed_per_student_and_exercise():
    table = student_table(["Ada", "Bob", "Cy", "Dee"], ROWS, 2)
    assert table == [
        {"student": "Ada", "1": "solved at try 2", "2": ""},
        {"student": "Bob", "1": "solution shown after 1 try", "2": "1 try"},
        {"student": "Cy", "1": "1 try", "2": "2 tries"},
        {"student": "Dee", "1": "", "2": ""},
    ]


def test_share_solved_counts_every_student_of_the_class():
    assert share_solved(["Ada", "Bob", "Cy", "Dee"], ROWS, 2) == [
        (1, 1, 4, 0.25),
        (2, 0, 4, 0.0),
    ]


def test_the_most_common_wrong_answers_come_first():
    common = common_wrong_answers(ROWS)
    assert common[1] == [("0.5", 2), ("0.75", 1)]
    assert common[2] == [("=HYPERLINK(1)", 1), ("-0.5", 1), ("-1+SUM(A1)", 1)]


def test_the_csv_has_every_row_and_no_formula():
    text = attempts_csv(ROWS)
    lines = text.splitlines()
    assert lines[0] == "student,exercise,answer,correct,revealed,time"
    assert len(lines) == 1 + len(ROWS)
    assert "'=HYPERLINK(1)" in text and "\n=" not in text and ",=" not in text
    assert "Cy,2,-0.5,no" in text and "'-1+SUM(A1)" in text  # a number stays a number
    assert lines[5] == "Bob,1,,no,yes,t"


def test_answers_after_a_students_first_right_one_count_nowhere():
    rows = [
        row("Ada", 1, "0.5"),
        row("Ada", 1, "0.25", True),
        row("Ada", 1, "0.9"),  # after solving (a database from before answers stopped there)
        row("Ada", 1, "0.25", True),
        row("Ada", 2, "0.9"),  # another exercise: counts
        row("Bob", 1, "0.9"),  # another student: counts
    ]
    assert counted(rows) == [rows[0], rows[1], rows[4], rows[5]]
    assert common_wrong_answers(rows) == {1: [("0.5", 1), ("0.9", 1)], 2: [("0.9", 1)]}
    assert student_table(["Ada"], rows, 1) == [{"student": "Ada", "1": "solved at try 2"}]
