"""Lessons and a live class in a real headless Chromium: the presenter view on a
1280×720 projector, and a student on a 390×844 phone who joins by the code, answers,
sees the reveal and follows the teacher to the next scene."""

from __future__ import annotations

import re

from browser_util import BROWSER, real_errors, shoot, wait_rendered, watched

pytestmark = BROWSER

PROJECTOR = {"width": 1280, "height": 720}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}  # fmt: skip


def test_presenter_mode_shows_the_question_first_then_the_reveal(page, server) -> None:
    page.set_viewport_size(PROJECTOR)
    page.goto(f"{server}/teach", wait_until="domcontentloaded")
    page.get_by_role("button", name="▶ Present").click()
    page.get_by_text("Scene 1 of 20 ·").wait_for(timeout=120_000)
    page.get_by_text("What does the unit output?").first.wait_for()
    # the question first: the scene's chart is not drawn yet
    assert page.locator('[data-testid="stPlotlyChart"]').count() == 0
    shoot(page, "class-presenter-question")
    page.keyboard.press("End")  # reveal (a clicker's key works the same way)
    page.get_by_text("Answer: Fires (1)").wait_for(timeout=120_000)
    wait_rendered(page, timeout=120_000)
    shoot(page, "class-presenter-revealed")
    page.keyboard.press("PageDown")
    page.get_by_text("Scene 2 of 20 ·").wait_for(timeout=120_000)
    assert "slide=1" in page.url
    page.keyboard.press("PageUp")
    page.get_by_text("Scene 1 of 20 ·").wait_for(timeout=120_000)
    assert real_errors(page) == []
    assert page.outside == []


def test_a_student_on_a_phone_joins_answers_and_follows(page, chromium, server) -> None:
    teacher = page
    teacher.set_viewport_size(PROJECTOR)
    teacher.goto(f"{server}/teach", wait_until="domcontentloaded")
    teacher.get_by_role("button", name="Start a live class").click()
    teacher.get_by_text("Scene 1 of 20 ·").wait_for(timeout=120_000)
    text = teacher.locator('[data-testid="stMarkdownContainer"]').all_inner_texts()
    code = next(m.group(1) for t in text if (m := re.search(r"with code ([A-Z0-9]{6})", t)))
    assert teacher.locator("svg path").count() > 0  # the QR code
    shoot(teacher, "class-teacher-start")
    teacher.get_by_text("Teacher link (private)").click()
    link = teacher.get_by_text("resume=").inner_text().strip()
    assert f"resume={code}&key=" in link
    assert "key=" not in teacher.url  # the key is never in the address bar
    teacher.keyboard.press("Escape")

    phone = chromium.new_context(**PHONE)
    student = watched(phone.new_page())
    try:
        student.goto(f"{server}/join?code={code}", wait_until="domcontentloaded")
        student.get_by_text("Scene 1 of 20 ·").wait_for(timeout=120_000)
        assert f"class={code}" in student.url
        choice = student.get_by_role("button", name="Fires (1)")
        choice.wait_for()
        width = student.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"sideways scroll on the phone: {width}px"
        choice.tap()
        student.get_by_text("Your answer: Fires (1)").wait_for(timeout=60_000)
        shoot(student, "class-student-question")
        teacher.get_by_text("1 answered").wait_for(timeout=30_000)
        shoot(teacher, "class-teacher-answers")
        teacher.keyboard.press("End")
        student.get_by_text("You were right!").wait_for(timeout=60_000)
        wait_rendered(student, timeout=120_000)
        shoot(student, "class-student-revealed")
        teacher.keyboard.press("PageDown")
        student.get_by_text("Scene 2 of 20 ·").wait_for(timeout=60_000)
        shoot(student, "class-student-scene-2")
        assert "key" not in student.url and code in student.url
        assert real_errors(student) == []
    finally:
        phone.close()
    # a reloaded teacher's tab lost the class; the private link takes it back
    teacher.reload()
    teacher.get_by_text("was reloaded").wait_for(timeout=60_000)
    teacher.goto(link, wait_until="domcontentloaded")
    teacher.get_by_text("Scene 2 of 20 ·").wait_for(timeout=60_000)
    assert "key=" not in teacher.url
    teacher.get_by_role("button", name="End").click()
    teacher.get_by_text("Teach with lessons").wait_for(timeout=60_000)
    assert real_errors(teacher) == []
