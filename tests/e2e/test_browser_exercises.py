"""The Exercises page in a real browser: a student opens their exercise from a link, types a
wrong answer (a hint and another try, no answer), asks for the solution, then answers right;
a reload keeps the progress. A first visit without a link gets a seed of its own, shown on
the page and kept by a reload. Screenshots go to test-artifacts/."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from dashboard.app_pages.exercises.run import EXERCISE_DIR
from emlib.teaching.exercises import load_exercise_set
from tests.e2e.conftest import ARTIFACTS, settle

pytestmark = pytest.mark.e2e
WAIT = 60_000


def check(page: Page, answer: str) -> None:
    box = page.get_by_label("Your answer")
    box.fill(answer)
    page.get_by_role("button", name=re.compile("Check")).click()
    settle(page)


def test_a_student_walks_one_exercise_from_a_link_and_a_reload_keeps_the_progress(server, page):
    seed = 4817
    exercise = load_exercise_set(Path(EXERCISE_DIR) / "intro.toml").exercises[2].build(seed)
    page.goto(f"{server}/exercises?set=intro&seed={seed}&ex=3", wait_until="domcontentloaded")
    expect(page.get_by_role("heading", name=f"3. {exercise.title}")).to_be_visible(timeout=WAIT)
    settle(page)
    expect(page.locator(".js-plotly-plot").first).to_be_attached()  # the mixture and the points
    # the app's own tables, no data grid: the question's, then the progress (in its expander)
    expect(page.locator(".emlab-table")).to_have_count(2)
    expect(page.locator('[data-testid="stDataFrame"]')).to_have_count(0)
    question = page.locator(".emlab-table").first
    expect(question).to_contain_text(exercise.tables[0].columns[-1])

    wrong = exercise.mistakes[0]
    check(page, f"{wrong.answer:.2f}")
    alert = page.locator('[data-testid="stAlertContentError"]')
    expect(alert).to_contain_text("Not quite", timeout=WAIT)
    expect(alert).to_contain_text("Try again")
    expect(alert).not_to_contain_text(exercise.answer_text)
    expect(page.get_by_text("Worked solution", exact=True)).to_have_count(0)
    page.screenshot(path=ARTIFACTS / "exercise_wrong.png", full_page=True)

    page.get_by_role("button", name=re.compile("Show solution")).click()
    expect(page.get_by_text("Worked solution", exact=True)).to_be_visible(timeout=WAIT)
    expect(page.get_by_text(f"The answer is {exercise.answer_text}.")).to_be_visible()
    settle(page)
    page.screenshot(path=ARTIFACTS / "exercise_solution_shown.png", full_page=True)

    check(page, exercise.answer_text)
    expect(page.locator('[data-testid="stAlertContentSuccess"]')).to_contain_text(
        f"Correct: {exercise.answer_text}", timeout=WAIT
    )
    sidebar = page.locator('[data-testid="stSidebar"]')
    expect(sidebar).to_contain_text("1 of 12 solved, 2 answers checked", timeout=WAIT)
    expect(page).to_have_url(re.compile(r"[?&]done=3\.2sr(&|$)"), timeout=WAIT)
    assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=ARTIFACTS / "exercise_right.png", full_page=True)

    page.reload(wait_until="domcontentloaded")
    expect(page.get_by_role("heading", name=f"3. {exercise.title}")).to_be_visible(timeout=WAIT)
    sidebar = page.locator('[data-testid="stSidebar"]')
    expect(sidebar).to_contain_text("1 of 12 solved, 2 answers checked", timeout=WAIT)
    expect(page.get_by_text("Solved after 2 answers (after seeing the solution).")).to_be_visible()
    expect(page.get_by_text("Worked solution", exact=True)).to_be_visible()
    settle(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=ARTIFACTS / "exercise_reloaded.png", full_page=True)


def _shown_seed(page: Page) -> int:
    line = page.get_by_text(re.compile(r"^Your seed: \d+\."))
    expect(line).to_be_visible(timeout=WAIT)
    return int(re.search(r"Your seed: (\d+)", line.inner_text()).group(1))


def test_a_first_visit_gets_its_own_seed_shown_and_kept_by_a_reload(server, page):
    page.goto(f"{server}/exercises", wait_until="domcontentloaded")
    seed = _shown_seed(page)
    settle(page)
    expect(page).to_have_url(re.compile(rf"[?&]seed={seed}(&|$)"), timeout=WAIT)
    other = page.context.browser.new_context().new_page()  # another student
    try:
        other.goto(f"{server}/exercises", wait_until="domcontentloaded")
        assert _shown_seed(other) != seed  # 1 in a million to collide
    finally:
        other.context.close()
    page.reload(wait_until="domcontentloaded")
    assert _shown_seed(page) == seed
    exercise = load_exercise_set(Path(EXERCISE_DIR) / "intro.toml").exercises[0].build(seed)
    expect(page.get_by_role("heading", name=f"1. {exercise.title}")).to_be_visible(timeout=WAIT)
    settle(page)
    assert page.locator('[data-testid="stException"]').count() == 0


def test_an_uploaded_set_is_used_and_the_sidebar_says_a_link_cannot_carry_it(
    server, page, tmp_path
):
    own = tmp_path / "my_week.toml"
    text = (Path(EXERCISE_DIR) / "intro.toml").read_text(encoding="utf-8")
    own.write_text(text.replace("title =", 'title = "My week" #', 1), encoding="utf-8")
    page.goto(f"{server}/exercises?seed=3", wait_until="domcontentloaded")
    expect(page.get_by_label("Your answer")).to_be_visible(timeout=WAIT)
    settle(page)
    page.locator('[data-testid="stSidebar"] input[type="file"]').set_input_files(own)
    sidebar = page.locator('[data-testid="stSidebar"]')
    expect(sidebar.get_by_text(re.compile("A link cannot carry a file"))).to_be_visible(
        timeout=WAIT
    )
    expect(page.get_by_role("heading", name="My week")).to_be_visible(timeout=WAIT)
    assert page.locator('[data-testid="stException"]').count() == 0
