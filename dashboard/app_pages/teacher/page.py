"""Teacher: create a class on an exercise set, then follow it: who solved what, after how many
tries, which wrong answers come up most, a CSV of every attempt, read-only links into a
student's view."""

import streamlit as st

from dashboard.app_pages.teacher.run import (
    CREATED,
    EXERCISE_DIR,
    bundled_sets,
    chosen_set,
    create,
    example_records,
    logged_in,
    login,
    solved_figure,
    students_frame,
    view_links,
    wrong_answers_frame,
)
from dashboard.components.charts import plotly_chart
from dashboard.components.classroom import classroom, parse_set
from dashboard.uploads.text import MESSAGE_LIMIT, plain
from emlib.classroom import attempts_csv, counted

st.title("Teacher")
st.markdown(
    "Run a course with EM Lab. **Create a class** on an exercise set (a bundled one, or your "
    'own set file with questions of your own, as the README\'s "Writing exercises" '
    "describes) and give your students its **join code**: they open **Exercises**, choose "
    "*Join a class* and type the code and their name or student number. Each gets their own "
    "numbers, the same on every device, and every answer they check is saved. Here, with the "
    "class's password, you see who solved what, after how many tries, who asked for the "
    "solution, and the wrong answers that come up most: what to go over in class."
)
store = classroom()
if store is None:
    st.stop()

created = st.session_state.pop(CREATED, None)
if created:
    st.success(
        f"Class created. Its join code is **{created}**: give it to your students (they "
        "open Exercises, then Join a class). Keep the password: it is stored only as a hash."
    )

with st.expander("Create a class", expanded=not st.query_params.get("class")):
    sets = bundled_sets()
    with st.form("teacher_create"):
        name = st.text_input("Class name", max_chars=200, placeholder="Statistics 2, week 5")
        names = list(sets)
        bundled = st.selectbox(
            "Exercise set",
            names,
            index=names.index("intro") if "intro" in names else 0,
            format_func=lambda n: sets[n],
        )
        upload = st.file_uploader(
            "Or upload your own set (.toml, at most 200 kB; it replaces the set above)",
            type=["toml"],
            max_upload_size=1,  # MB, the browser's limit; the set's own is 200 kB
        )
        password = st.text_input("Teacher password (at least 6 characters)", type="password")
        again = st.text_input("The password again", type="password")
        submitted = st.form_submit_button("Create the class", type="primary")
    if submitted:
        if password != again:
            st.error("The two passwords differ: type the same one twice.")
        else:
            choice = chosen_set(bundled, upload)
            if choice is not None:
                create(store, name, choice, password)

code = st.query_params.get("class", "")
if not logged_in(code):
    st.subheader("Your class")
    with st.form("teacher_login"):
        typed = st.text_input("Join code", value=code, max_chars=12)
        secret = st.text_input("Teacher password", type="password")
        if st.form_submit_button("Log in"):
            login(store, typed, secret)
    example, _ = parse_set((EXERCISE_DIR / "intro.toml").read_bytes(), "intro.toml")
    st.markdown(
        "**What you will see**, here on a made-up class of 20 students doing "
        f"*{example.title}* (an example, not a real class):"
    )
    plotly_chart(solved_figure(*example_records(len(example.exercises)), example), width="stretch")
    st.stop()

info = store.class_info(code)
if info is None:
    st.error("No class has this code.")
    st.stop()
exercise_set, error = parse_set(info.set_text, info.set_name)
if error:
    st.error(f"This class's set cannot be read: {plain(error, MESSAGE_LIMIT)}")
    st.stop()
names, records = store.class_attempts(code)
st.subheader(f"Class {info.code}")
st.text(f"{info.name}  ·  set: {exercise_set.title}")
left, middle, right = st.columns(3)
left.metric("Students", len(names))
middle.metric("Answers checked", sum(r.answer is not None for r in counted(records)))
right.metric("Solutions shown", sum(r.revealed for r in records))
st.button("Refresh", icon=":material/refresh:")
if not names:
    st.info(f"No student has joined yet. The join code is {info.code}.")
    st.stop()

st.markdown("**Students by exercise**: solved at which try, tries so far, solution shown.")
st.dataframe(students_frame(names, records, exercise_set), hide_index=True, width="stretch")
plotly_chart(solved_figure(names, records, exercise_set), width="stretch")
st.markdown("**Most common wrong answers**: what to go over in class.")
wrong = wrong_answers_frame(records, exercise_set)
if wrong.empty:
    st.caption("No wrong answers yet.")
else:
    st.dataframe(wrong, hide_index=True, width="stretch")
st.download_button(
    "Every attempt (CSV)",
    attempts_csv(records),
    f"emlab_class_{info.code}.csv",
    "text/csv",
    icon=":material/download:",
)

st.markdown("**A student's view**, read-only: their numbers, their answers, the solution.")
number = st.selectbox(
    "Exercise",
    range(1, len(exercise_set.exercises) + 1),
    format_func=lambda n: f"{n}. {exercise_set.exercises[n - 1].title}",
    key="teacher_ex",
)
st.dataframe(
    view_links(store, info.code, names, number),
    hide_index=True,
    column_config={"view": st.column_config.LinkColumn("view", display_text="open read-only")},
)
