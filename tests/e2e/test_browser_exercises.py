"""The Exercises page in a real browser: a student opens their exercise from a link, types a
wrong answer and then the right one, and sees the worked feedback each time; the report counts
both. Screenshots go to test-artifacts/."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from dashboard.state_exercises import EXERCISE_DIR
from emlib.exercises import load_exercise_set
from tests.e2e.conftest import ARTIFACTS

pytestmark = pytest.mark.e2e
WAIT = 60_000


def settle(page: Page) -> None:
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]')
    page.wait_for_function('document.querySelectorAll("[data-stale=\\"true\\"]").length === 0')


def check(page: Page, answer: str) -> None:
    box = page.get_by_label("Your answer")
    box.fill(answer)
    page.get_by_role("button", name=re.compile("Check")).click()
    settle(page)


def test_a_student_walks_one_exercise_from_a_link(server, page):
    seed = 4817
    exercise = load_exercise_set(Path(EXERCISE_DIR) / "intro.toml").exercises[2].build(seed)
    page.goto(f"{server}/exercises?set=intro&seed={seed}&ex=3", wait_until="domcontentloaded")
    expect(page.get_by_role("heading", name=f"3. {exercise.title}")).to_be_visible(timeout=WAIT)
    settle(page)
    expect(page.locator(".js-plotly-plot").first).to_be_attached()  # the mixture and the points

    wrong = exercise.mistakes[0]
    check(page, f"{wrong.answer:.2f}")
    alert = page.locator('[data-testid="stAlertContentError"]')
    expect(alert).to_contain_text("Not quite", timeout=WAIT)
    expect(page.get_by_text("Worked solution", exact=True)).to_be_visible()
    page.screenshot(path=ARTIFACTS / "exercise_wrong.png", full_page=True)

    check(page, exercise.answer_text)
    expect(page.locator('[data-testid="stAlertContentSuccess"]')).to_contain_text(
        f"Correct: {exercise.answer_text}", timeout=WAIT
    )
    sidebar = page.locator('[data-testid="stSidebar"]')
    expect(sidebar).to_contain_text("1 of 12 solved, 2 answers checked", timeout=WAIT)
    assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=ARTIFACTS / "exercise_right.png", full_page=True)
