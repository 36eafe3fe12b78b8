"""A course in a real browser: a teacher tries a set with a question of their own on the
Exercises page, uploads it on the Teacher page and creates a class; two students join with its
code and answer (one wrong then right, one asking for the solution), reload and keep their
progress; the teacher then sees exactly those attempts. Screenshots go to test-artifacts/."""

import csv
import io
import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import ARTIFACTS, settle

pytestmark = pytest.mark.e2e
WAIT = 60_000
SET = """\
title = "Week 5: our own"
tries = 3

[[exercise]]
kind = "question"
title = "Count the bumps"
text = "How many components does this fit have? <script>alert(1)</script>"
answer = 2
hint = "Count the ellipses."

[exercise.figure]
components = 2
iterations = 3
seed = 1

[[exercise]]
kind = "m_step"
title = "A generated one"
"""


def no_exception(page: Page) -> None:
    settle(page)
    assert page.locator('[data-testid="stException"]').count() == 0


def check(page: Page, answer: str) -> None:
    page.get_by_label("Your answer").fill(answer)
    page.get_by_role("button", name=re.compile("Check")).click()
    settle(page)


def student(browser: Browser, server: str, code: str, name: str) -> Page:
    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    page.set_default_timeout(30_000)
    page.goto(f"{server}/exercises", wait_until="domcontentloaded")
    page.get_by_text("Join a class").click()
    page.get_by_label("Class code").fill(code.lower())
    page.get_by_label("Your name or student number").fill(name)
    page.get_by_role("button", name="Join").click()
    expect(page.get_by_text(f"Student: {name}")).to_be_visible(timeout=WAIT)
    expect(page.get_by_role("heading", name="1. Count the bumps")).to_be_visible(timeout=WAIT)
    expect(page).to_have_url(re.compile(rf"class={code}&.*student={name}|student={name}"))
    expect(page.locator(".js-plotly-plot").first).to_be_attached(timeout=WAIT)  # the figure
    assert page.locator("script", has_text="alert(1)").count() == 0  # text, never HTML
    no_exception(page)
    return page


def reload_keeps(page: Page, caption: str) -> None:
    page.reload(wait_until="domcontentloaded")
    expect(page.get_by_text(caption)).to_be_visible(timeout=WAIT)
    expect(page.get_by_text("Worked solution", exact=True)).to_be_visible()
    no_exception(page)


def test_a_teacher_runs_a_class_and_sees_exactly_its_attempts(server, page, browser, tmp_path):
    teacher = page
    set_file = tmp_path / "week5.toml"
    set_file.write_text(SET)
    teacher.goto(f"{server}/exercises", wait_until="domcontentloaded")  # try the set first
    upload = teacher.locator('[data-testid="stSidebar"] input[type="file"]')
    expect(upload).to_be_attached(timeout=WAIT)  # the first page of a fresh server: imports
    upload.set_input_files(set_file)
    expect(teacher.get_by_role("heading", name="1. Count the bumps")).to_be_visible(timeout=WAIT)
    no_exception(teacher)
    teacher.goto(f"{server}/teacher", wait_until="domcontentloaded")
    teacher.get_by_label("Class name").fill("Statistics 2")
    teacher.locator('input[type="file"]').set_input_files(set_file)
    expect(teacher.get_by_text("week5.toml")).to_be_visible(timeout=WAIT)
    teacher.get_by_label("Teacher password (at least 6 characters)").fill("teach-me")
    teacher.get_by_label("The password again").fill("teach-me")
    teacher.get_by_role("button", name="Create the class").click()
    created = teacher.get_by_text(re.compile(r"Its join code is [A-Z0-9]{6}"))
    expect(created).to_be_visible(timeout=WAIT)
    code = re.search(r"join code is ([A-Z0-9]{6})", created.inner_text()).group(1)
    no_exception(teacher)
    teacher.screenshot(path=ARTIFACTS / "course_created.png", full_page=True)

    ada = student(browser, server, code, "Ada")
    check(ada, "3")
    alert = ada.locator('[data-testid="stAlertContentError"]')
    expect(alert).to_contain_text("Not quite", timeout=WAIT)
    expect(alert).to_contain_text("Count the ellipses")
    expect(ada.get_by_text("Worked solution", exact=True)).to_have_count(0)
    check(ada, "2")
    expect(ada.locator('[data-testid="stAlertContentSuccess"]')).to_contain_text(
        "Correct: 2", timeout=WAIT
    )
    reload_keeps(ada, "Solved after 2 answers.")
    ada.screenshot(path=ARTIFACTS / "course_student_reloaded.png", full_page=True)
    ada.locator(".js-plotly-plot").first.screenshot(path=ARTIFACTS / "course_figure.png")

    bob = student(browser, server, code, "Bob")
    check(bob, "5")
    expect(bob.locator('[data-testid="stAlertContentError"]')).to_contain_text("Not quite")
    bob.get_by_role("button", name=re.compile("Show solution")).click()
    expect(bob.get_by_text("Worked solution", exact=True)).to_be_visible(timeout=WAIT)
    reload_keeps(bob, "Solution shown after 1 answer.")

    teacher.get_by_role("button", name="Refresh").click()
    expect(teacher.get_by_text("Students by exercise")).to_be_visible(timeout=WAIT)
    no_exception(teacher)
    metrics = teacher.locator('[data-testid="stMetricValue"]')
    expect(metrics).to_have_text(["2", "3", "1"])  # students, answers checked, shown
    expect(teacher.locator(".js-plotly-plot")).to_be_attached(timeout=WAIT)  # share solved
    expect(teacher.locator('[data-testid="stDataFrame"]')).to_have_count(3)  # + wrong, links
    teacher.screenshot(path=ARTIFACTS / "course_teacher.png", full_page=True)
    with teacher.expect_download() as download:
        teacher.get_by_role("button", name=re.compile("Every attempt")).click()
    rows = list(csv.DictReader(io.StringIO(download.value.path().read_text())))
    assert [
        (r["student"], r["exercise"], r["answer"], r["correct"], r["revealed"]) for r in rows
    ] == [
        ("Ada", "1", "3", "no", "no"),
        ("Ada", "1", "2", "yes", "no"),
        ("Bob", "1", "5", "no", "no"),
        ("Bob", "1", "", "no", "yes"),
    ]
