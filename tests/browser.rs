//! The web pages in a real headless Chromium (Debian's `chromium` and `chromium-driver`),
//! driven over WebDriver, each test with its own `baton serve --demo` on `127.0.0.1:0` and its
//! own browser profile. After every page the browser's log is read: a JavaScript error, a CSP
//! violation or a failed load fails the test.

mod common;

use common::server::{call, Server};
use common::webdriver::Browser;
use serde_json::{json, Value};

/// A demo server and a browser logged in to it with the one-time link.
fn logged_in() -> (Server, Browser) {
    let s = Server::demo();
    let b = Browser::start();
    b.goto(&format!("{}/login?code={}", s.url, s.code));
    b.wait_for("#program-table");
    b.assert_clean("the program list");
    (s, b)
}

fn api(s: &Server, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let body = body.map(|b| b.to_string());
    call(&s.url, method, path, Some(&s.admin), body.as_deref(), &[])
}

fn version(s: &Server) -> u64 {
    let (st, v) = api(s, "GET", "/api/programs/ils-rollout", None);
    assert_eq!(st, 200, "{v}");
    v["version"].as_u64().unwrap()
}

#[test]
fn log_in_and_the_dashboard_shows_the_demo_figures_and_follows_new_events() {
    let (s, b) = logged_in();
    // The header says who is logged in, with which role, and the day shown.
    assert!(b.text_of("#who").contains("admin"), "{}", b.text_of("#who"));
    assert_eq!(b.text_of("#day"), "day shown: 2026-10-31");
    assert!(b
        .text_of("#program-table")
        .contains("New library system roll-out"));
    b.click_on("#program-table a[href='/programs/ils-rollout']");
    b.wait_for("#headline");
    b.assert_clean("the dashboard");
    // The demo's hand-checked figures (docs/DASHBOARD.md, worked example).
    assert_eq!(b.text_of("#card-completion .big"), "67 / 106");
    assert_eq!(b.text_of("#card-proficiency .big"), "83 / 106");
    assert_eq!(b.text_of("#audience"), "106");
    assert_eq!(b.text_of("#sessions-held"), "48");
    assert_eq!(b.text_of("#attendance-rate"), "440 / 488 (90.2 %)");
    assert_eq!(b.text_of("#deadline-status"), "Achieved");
    assert_eq!(b.text_of("#overdue-count"), "16");
    // The mean estimated retention of the learners' weakest skills, hand-checked in
    // tests/demo_dashboard.rs (0.579).
    assert_eq!(b.text_of("#mean-retention"), "57.9 %");
    // The SVG charts, with their text alternatives.
    let chart = b.find("#progress-chart");
    assert_eq!(b.attr(&chart, "role").as_deref(), Some("img"));
    let desc = b.exec(
        "return document.getElementById('progress-chart-d').textContent",
        json!([]),
    );
    assert!(desc.as_str().unwrap().contains("proficient"), "{desc}");
    assert!(!b.find_all("#forecast-chart polygon.band").is_empty());
    // Each figure links to its definition.
    let defs = b.find_all("a.def");
    assert!(defs.len() >= 11, "{} definition links", defs.len());
    // The page follows the log: a command posted through the API shows without a reload.
    b.wait_text("#live-state", |t| t.contains("following"));
    let (st, v) = api(
        &s,
        "POST",
        "/api/programs/ils-rollout/commands",
        Some(
            json!({"type": "WithdrawLearner", "person": "adam-boyer", "reason": "moved to another library"}),
        ),
    );
    assert_eq!(st, 201, "{v}");
    b.wait_text("#audience", |t| t == "105");
    assert!(b.text_of("#live-state").contains("updated"));
    b.assert_clean("the live update");
    // The as-of picker shows an earlier day, without following.
    b.goto(&format!("{}/programs/ils-rollout?as_of=2026-03-31", s.url));
    assert_eq!(b.text_of("#today"), "2026-03-31");
    assert!(b.try_find("#live-state").is_none());
    b.assert_clean("the dashboard as of a day");
    // Logging out ends the session: the pages send the browser to the login page.
    b.goto(&format!("{}/", s.url));
    b.click_on("header form button");
    b.wait_for("#token");
    b.goto(&format!("{}/programs/ils-rollout", s.url));
    b.wait_for("#token");
    b.assert_clean("after logging out");
}

#[test]
fn a_trainer_holds_a_session_with_attendance_and_a_refusal_stays_on_the_form() {
    let (s, b) = logged_in();
    b.goto(&format!("{}/programs/ils-rollout/record", s.url));
    b.wait_for("#session-table");
    b.assert_clean("the record page");
    b.click_on("tr[data-session='m6-b'] a.button");
    b.wait_for("#attendance");
    b.assert_clean("the attendance checklist");
    // Every invitee is listed, ticked present; one is absent, ill.
    let rows = b.find_all("#attendance tbody tr");
    assert_eq!(rows.len(), 5);
    b.click_on("#present-tomasz-mathieu");
    b.select("#reason-tomasz-mathieu", "illness");
    b.click_on("#hold-form button[type=submit]");
    b.wait_for(".notice");
    assert!(b.text_of(".notice").contains("hold-session"));
    b.assert_clean("after holding");
    let (_, plan) = api(&s, "GET", "/api/programs/ils-rollout", None);
    let session = &plan["plan"]["sessions"]["m6-b"];
    assert_eq!(session["status"], "held", "{session}");
    assert_eq!(
        session["attendance"]["tomasz-mathieu"],
        json!({"person": "tomasz-mathieu", "present": false, "absence_reason": "illness"})
    );
    assert_eq!(session["attendance"]["benoit-joly"]["present"], true);

    // A rule violation comes back on the form, next to its field, and nothing is stored.
    let before = version(&s);
    b.goto(&format!(
        "{}/programs/ils-rollout/record/log-practice",
        s.url
    ));
    b.fill("#f-person", "nobody-here");
    b.select("#f-skill", "circulation");
    b.select("#f-kind", "sandbox");
    b.fill("#f-minutes", "30");
    b.click_on("#command-form button[type=submit]");
    let error = b.wait_for("#f-person-error");
    assert!(
        b.text(&error).contains("Nothing was stored"),
        "{}",
        b.text(&error)
    );
    assert_eq!(
        b.attr(&b.find("#f-person"), "value").as_deref(),
        Some("nobody-here")
    );
    assert_eq!(version(&s), before);
    b.assert_clean("the refused form");
    // A malformed field is named too.
    b.fill("#f-person", "adam-boyer");
    b.fill("#f-minutes", "");
    b.click_on("#command-form button[type=submit]");
    let error = b.wait_for("#f-minutes-error");
    assert!(b.text(&error).contains("required"), "{}", b.text(&error));
    assert_eq!(version(&s), before);

    // A form opened before someone else changed the program reports the conflict.
    b.goto(&format!(
        "{}/programs/ils-rollout/record/log-practice",
        s.url
    ));
    let (st, _) = api(
        &s,
        "POST",
        "/api/programs/ils-rollout/commands",
        Some(
            json!({"type": "LogPractice", "person": "elise-joly", "skill": "catalogue-search", "kind": "sandbox", "minutes": 20}),
        ),
    );
    assert_eq!(st, 201);
    let after_other = version(&s);
    b.fill("#f-person", "adam-boyer");
    b.select("#f-skill", "circulation");
    b.select("#f-kind", "sandbox");
    b.fill("#f-minutes", "30");
    b.click_on("#command-form button[type=submit]");
    let error = b.wait_for("#form-error");
    assert!(
        b.text(&error).contains("Someone changed this program"),
        "{}",
        b.text(&error)
    );
    assert_eq!(version(&s), after_other);
    b.assert_clean("the conflict");
}

#[test]
fn the_history_diff_and_as_of_and_the_risk_map() {
    let (s, b) = logged_in();
    b.goto(&format!("{}/programs/ils-rollout/history", s.url));
    b.wait_for("#timeline");
    b.assert_clean("the timeline");
    // The demo's voided entry is shown as such, and the void names the version it voids.
    assert!(!b.find_all("#timeline tr.voided").is_empty());
    let voids: Vec<String> = b
        .find_all("#timeline span.tag.void")
        .iter()
        .map(|e| b.text(e))
        .collect();
    assert!(
        voids.iter().any(|t| t.starts_with("a void of version ")),
        "{voids:?}"
    );
    b.fill("form.filters input[name=from]", "3");
    b.fill("form.filters input[name=to]", "12");
    b.click_on("form.filters:nth-of-type(2) button");
    b.wait_for("#diff-table");
    let diff = b.text_of("#diff-table");
    assert!(
        diff.contains("deadline") && diff.contains("2026-09-30"),
        "{diff}"
    );
    b.assert_clean("the diff");
    b.goto(&format!(
        "{}/programs/ils-rollout/history?as_of=2026-02-01",
        s.url
    ));
    assert!(b.title().contains("as recorded by"), "{}", b.title());
    assert!(b.text_of("#plan-state").contains("Goal"));
    b.goto(&format!(
        "{}/programs/ils-rollout/history?at_version=40",
        s.url
    ));
    assert!(b.title().contains("up to version 40"), "{}", b.title());
    b.assert_clean("as of a version");

    b.goto(&format!("{}/risk", s.url));
    b.wait_for("#heat-map");
    b.assert_clean("the risk map");
    let (_, risk) = api(&s, "GET", "/api/risk", None);
    assert_eq!(
        b.text_of("#truck-factor"),
        risk["truck_factor"]["value"].to_string()
    );
    let cells = b.find_all("#heat-map rect.cell:not(.none)");
    assert!(cells.len() > 100, "{} cells", cells.len());
    let single = b.text_of("#single-holders");
    assert!(
        single.contains("Tomasz Mathieu") && single.contains("Élise Joly"),
        "{single}"
    );
    assert!(b.try_find("#coverage-chart polyline").is_some());
    // A person's journey, from the map.
    b.goto(&format!("{}/people/adam-boyer", s.url));
    assert_eq!(b.text_of("h1"), "Adam Boyer");
    assert!(b.text_of("#assessments").contains("circulation"));
    b.assert_clean("the journey");
}

#[test]
fn a_simulation_and_a_rehearsal_from_the_pages_and_the_print_view() {
    let (s, b) = logged_in();
    b.goto(&format!(
        "{}/simulate?plan=ils-rollout&scenario=reluctant-supervisors&choose=1",
        s.url
    ));
    b.wait_for("#simulate-form");
    b.assert_clean("the simulator");
    let boxes = b.find_all("input[name=mitigate]");
    assert!(!boxes.is_empty());
    b.click(&boxes[0]);
    b.fill("input[name=runs]", "100");
    b.click_on("#simulate-form button[name=run]");
    b.wait_for("#fan-chart");
    assert!(b.find_all("#fan-chart polygon.band").len() == 2);
    assert_eq!(b.find_all("#comparison tbody tr").len(), 2);
    assert!(b.text_of("#p-done").ends_with('%'));
    b.assert_clean("a simulation");

    b.goto(&format!("{}/rehearse", s.url));
    b.select("#rehearse-start select[name=scenario]", "perfect-storm");
    b.click_on("#rehearse-start button[name=start]");
    // The scenario has cards: the first one shows once the started page has loaded.
    b.wait_for("#card-text");
    let mut cards = 0;
    while b.try_find("#card-text").is_some() {
        b.assert_clean("a card");
        cards += 1;
        assert!(cards < 20, "the cards never end");
        // The class takes the first response on odd cards and lets the others play out.
        if cards % 2 == 1 {
            b.click_on("#responses .responses button:first-child");
        } else {
            b.click_on("#responses button.secondary");
        }
        // The answer is the next card or the debrief; `main h1` alone could still be the
        // card just answered.
        b.wait_for(&format!(
            "#debrief, #card-number[data-index='{}']",
            cards + 1
        ));
    }
    assert!(cards > 0);
    b.wait_for("#debrief");
    assert_eq!(b.find_all("#debrief tbody tr").len(), cards);
    assert!(b.text_of("#debrief").contains("let it play out"));
    b.assert_clean("the debrief");

    b.goto(&format!("{}/programs/ils-rollout/plan", s.url));
    assert!(b.text_of("#action-plan h1").contains("Action plan"));
    let sections = b.text_of("#action-plan");
    for part in [
        "Training goal",
        "Desired outcome",
        "Challenges anticipated",
        "Trainers",
        "Schedule",
        "Practice",
        "Evaluation",
        "Follow-up",
        "Congratulate",
    ] {
        assert!(sections.contains(part), "the plan lacks {part}");
    }
    // On paper the header and the navigation are left out.
    let hidden = b.exec(
        "for (const s of document.styleSheets) { for (const r of s.cssRules) { if (r.media && r.media.mediaText === 'print' && r.cssText.includes('header.top')) { return true; } } } return false;",
        json!([]),
    );
    assert_eq!(hidden, json!(true));
    b.assert_clean("the print view");
}

#[test]
fn a_viewer_is_not_offered_recording_and_names_are_shown_not_run() {
    let s = Server::demo();
    let viewer = s.token("viewer", "a director", &[]);
    let (st, v) = api(
        &s,
        "POST",
        "/api/organization/commands",
        Some(
            json!({"type": "AddPerson", "person": "mallory", "name": "<script>alert(1)</script>", "department": "it", "branch": "central", "on": "2026-10-01"}),
        ),
    );
    assert_eq!(st, 201, "{v}");
    let b = Browser::start();
    b.goto(&format!("{}/login?token={viewer}", s.url));
    b.wait_for("#program-table");
    assert!(b.text_of("#who").contains("viewer"));
    assert!(b.try_find("a[href='/tokens']").is_none());
    b.goto(&format!("{}/programs/ils-rollout", s.url));
    b.wait_for("#headline");
    assert!(b
        .try_find("a[href='/programs/ils-rollout/record']")
        .is_none());
    b.assert_clean("the viewer's dashboard");
    // The history shows the viewer every change, but no way to void one.
    b.goto(&format!("{}/programs/ils-rollout/history", s.url));
    b.wait_for("#timeline");
    assert!(b.try_find("a[href*='/record/void-event']").is_none());
    assert!(b.find_all("#timeline form").is_empty());
    b.assert_clean("the viewer's history");
    // And the server refuses them anyway.
    b.goto(&format!("{}/programs/ils-rollout/record", s.url));
    assert_eq!(b.text_of("h1"), "Not allowed");
    b.goto(&format!(
        "{}/programs/ils-rollout/sessions/m6-b/hold",
        s.url
    ));
    assert_eq!(b.text_of("h1"), "Not allowed");
    let _ = b.log();
    // A person named like a script is shown, not run.
    b.goto(&format!("{}/people/mallory", s.url));
    assert_eq!(b.text_of("h1"), "<script>alert(1)</script>");
    assert_eq!(
        b.exec("return document.scripts.length", json!([])),
        json!(1)
    );
    b.assert_clean("the escaped name");
    drop(b);

    // An admin makes and revokes a token on the tokens page.
    let b = Browser::start();
    b.goto(&format!("{}/login?code={}", s.url, s.code));
    b.wait_for("#program-table");
    b.goto(&format!("{}/tokens", s.url));
    b.fill("#t-name", "front desk laptop");
    b.select("#t-role", "trainer");
    b.click_on("#token-form button[type=submit]");
    // The click only submits: the answer page may not have loaded yet on a busy machine.
    b.wait_for("#new-secret");
    let secret = b.text_of("#new-secret");
    assert_eq!(secret.len(), 43);
    let (st, who) = call(&s.url, "GET", "/api/session", Some(&secret), None, &[]);
    assert_eq!((st, who["role"].as_str()), (200, Some("trainer")));
    assert!(b.text_of("#token-table").contains("front desk laptop"));
    b.assert_clean("the tokens page");
    let row = b
        .find_all("#token-table tbody tr")
        .into_iter()
        .map(|r| b.text(&r))
        .find(|t| t.contains("front desk laptop"))
        .unwrap();
    let id = row
        .split_whitespace()
        .find(|w| w.starts_with("tok-"))
        .unwrap()
        .to_string();
    b.click_on(&format!("button[aria-label='Revoke {id}']"));
    // The click only submits: wait for the page that shows the token revoked (the table of
    // the page before has the same id).
    b.wait_text("#token-table", |t| {
        t.lines()
            .any(|row| row.contains(id.as_str()) && row.contains("revoked"))
    });
    let (st, _) = call(&s.url, "GET", "/api/session", Some(&secret), None, &[]);
    assert_eq!(st, 401);
    b.assert_clean("after revoking");
}

/// Submits the command form and waits for the record page's notice of `command`.
fn submit_and_expect(b: &Browser, command: &str) {
    b.click_on("#command-form button[type=submit]");
    let notice = b.wait_for(".notice");
    let text = b.text(&notice);
    assert!(text.contains(command), "{text}");
    b.assert_clean(command);
}

#[test]
fn a_trainer_records_a_session_from_the_browser_alone() {
    let s = Server::demo();
    let trainer = s.token("trainer", "a trainer", &["ils-rollout"]);
    let b = Browser::start();
    b.goto(&format!("{}/login?token={trainer}", s.url));
    b.wait_for("#program-table");
    assert!(
        b.text_of("#who").contains("trainer"),
        "{}",
        b.text_of("#who")
    );
    b.goto(&format!("{}/programs/ils-rollout/record", s.url));
    b.wait_for("#form-list");
    b.assert_clean("the trainer's record page");
    // A trainer is offered the trainers' forms only.
    let forms = b.text_of("#form-list");
    assert!(forms.contains("schedule-session") && forms.contains("log-practice"));
    assert!(
        !forms.contains("set-goal") && !forms.contains("enrol-learner"),
        "{forms}"
    );

    // Schedule: the module, trainers and invitees are chosen from the plan.
    b.click_on("#form-list a[href$='/record/schedule-session']");
    b.wait_for("#command-form");
    b.assert_clean("the schedule form");
    b.fill("#f-session", "w44-a");
    b.select("#f-module", "m2");
    b.select("#f-trainers", "jonas-fontaine");
    assert_eq!(
        b.attr(&b.find("#f-start"), "type").as_deref(),
        Some("datetime-local")
    );
    b.set_value("#f-start", "2026-10-30T09:30");
    b.fill("#f-duration-minutes", "90");
    b.fill("#f-location", "Central Library, training room");
    b.fill("#f-capacity", "8");
    b.select("#f-invitees", "adam-boyer");
    b.select("#f-invitees", "alice-dubois");
    submit_and_expect(&b, "schedule-session");

    // Hold it: Adam came, Alice had no release time.
    b.click_on("tr[data-session='w44-a'] a.button");
    b.wait_for("#attendance");
    assert_eq!(b.find_all("#attendance tbody tr").len(), 2);
    b.click_on("#present-alice-dubois");
    b.select("#reason-alice-dubois", "no_release_time");
    b.click_on("#hold-form button[type=submit]");
    let notice = b.wait_for(".notice");
    assert!(b.text(&notice).contains("hold-session"));
    b.assert_clean("after holding");

    // Practice.
    b.goto(&format!(
        "{}/programs/ils-rollout/record/log-practice",
        s.url
    ));
    b.fill("#f-person", "adam-boyer");
    b.select("#f-skill", "circulation");
    b.select("#f-kind", "real_use");
    b.fill("#f-minutes", "25");
    b.set_value("#f-on", "2026-10-31");
    submit_and_expect(&b, "log-practice");

    // An evaluation at level 2: a level without its fields is sent back, naming them.
    b.goto(&format!(
        "{}/programs/ils-rollout/record/record-evaluation",
        s.url
    ));
    b.fill("#f-person", "adam-boyer");
    b.select("#f-module", "m2");
    b.select("#f-result-level", "learning");
    // The script shows the chosen level's fields only.
    assert_eq!(
        b.exec(
            "return document.querySelector('fieldset.level[data-level=reaction]').hidden",
            json!([])
        ),
        json!(true)
    );
    b.select("#f-result-skill", "circulation");
    b.click_on("#command-form button[type=submit]");
    let error = b.wait_for("#f-result-error");
    assert!(
        b.text(&error).contains("needs its skill level"),
        "{}",
        b.text(&error)
    );
    b.assert_clean("the evaluation sent back");
    b.fill("#f-result-skill-level", "3");
    submit_and_expect(&b, "record-evaluation");

    // The API holds what the browser recorded, and the dashboard counts the session.
    let (_, program) = api(&s, "GET", "/api/programs/ils-rollout", None);
    let plan = &program["plan"];
    let session = &plan["sessions"]["w44-a"];
    assert_eq!(session["status"], "held", "{session}");
    assert_eq!(session["time"]["start_local"], "2026-10-30T09:30");
    assert_eq!(
        session["attendance"]["alice-dubois"],
        json!({"person": "alice-dubois", "present": false, "absence_reason": "no_release_time"})
    );
    assert_eq!(session["attendance"]["adam-boyer"]["present"], true);
    let practice = plan["practice"].as_array().unwrap().last().unwrap();
    assert_eq!(
        (&practice["person"], &practice["kind"], &practice["minutes"]),
        (&json!("adam-boyer"), &json!("real_use"), &json!(25)),
        "{practice}"
    );
    let evaluation = plan["evaluations"].as_array().unwrap().last().unwrap();
    assert_eq!(evaluation["person"], "adam-boyer", "{evaluation}");
    assert_eq!(
        evaluation["result"],
        json!({"level": "learning", "skill": "circulation", "skill_level": 3})
    );
    b.goto(&format!("{}/programs/ils-rollout", s.url));
    b.wait_for("#headline");
    assert_eq!(b.text_of("#sessions-held"), "49");
    b.assert_clean("the dashboard after recording");
}

#[test]
fn a_mentoring_program_offers_the_pairs_forms_and_a_training_program_does_not() {
    let (s, b) = logged_in();
    b.goto(&format!("{}/programs/ils-rollout/record", s.url));
    b.wait_for("#form-list");
    let training = b.text_of("#form-list");
    for form in ["schedule-session", "define-module"] {
        assert!(training.contains(form), "{training}");
    }
    for form in [
        "pair-mentee",
        "schedule-coaching-session",
        "hold-coaching-session",
        "give-assignment",
        "complete-assignment",
        "assess-needs",
    ] {
        assert!(!training.contains(form), "training offers {form}");
    }
    assert!(b.try_find("#pair-table").is_none());

    b.goto(&format!("{}/programs/mentoring-2026/record", s.url));
    b.wait_for("#pair-table");
    b.assert_clean("the mentoring record page");
    assert!(b.try_find("#session-table").is_none());
    let mentoring = b.text_of("#form-list");
    for form in [
        "pair-mentee",
        "assess-needs",
        "record-baseline",
        "set-priorities",
        "schedule-coaching-session",
        "reschedule-coaching-session",
        "cancel-coaching-session",
        "hold-coaching-session",
        "give-assignment",
        "complete-assignment",
    ] {
        assert!(mentoring.contains(form), "mentoring lacks {form}");
    }
    for form in ["schedule-session", "hold-session", "define-module"] {
        assert!(!mentoring.contains(form), "mentoring offers {form}");
    }

    // Schedule a coaching session from the pair's row (the pair is chosen already), then hold
    // it from the same row.
    b.click_on("tr[data-pair='p-1'] a[href*='/record/schedule-coaching-session']");
    b.wait_for("#command-form");
    b.assert_clean("the coaching form");
    assert_eq!(
        b.exec("return document.getElementById('f-pair').value", json!([])),
        json!("p-1")
    );
    b.fill("#f-session", "c-90");
    b.set_value("#f-start", "2026-10-30T14:00");
    b.fill("#f-duration-minutes", "60");
    submit_and_expect(&b, "schedule-coaching-session");
    let (_, program) = api(&s, "GET", "/api/programs/mentoring-2026", None);
    let scheduled = &program["plan"]["pairs"]["p-1"]["scheduled"]["c-90"];
    assert_eq!(
        scheduled["time"]["start_local"], "2026-10-30T14:00",
        "{scheduled}"
    );
    b.click_on("div[data-coaching='c-90'] a[href*='/record/hold-coaching-session']");
    b.wait_for("#command-form");
    submit_and_expect(&b, "hold-coaching-session");

    // An assignment, given and completed from the pair's row.
    b.click_on("tr[data-pair='p-1'] a[href*='/record/give-assignment']");
    b.wait_for("#command-form");
    b.fill("#f-assignment", "a-90");
    b.fill("#f-description", "renew a patron's loans alone");
    b.set_value("#f-due", "2026-11-15");
    submit_and_expect(&b, "give-assignment");
    b.click_on("div[data-assignment='a-90'] a");
    b.wait_for("#command-form");
    submit_and_expect(&b, "complete-assignment");
    let (_, program) = api(&s, "GET", "/api/programs/mentoring-2026", None);
    let pair = &program["plan"]["pairs"]["p-1"];
    assert!(pair["coaching"]["c-90"].is_object(), "{pair}");
    assert!(pair["assignments"]["a-90"]["done_on"].is_string(), "{pair}");
}
