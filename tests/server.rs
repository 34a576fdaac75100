//! The HTTP API against a real `baton serve` on `127.0.0.1:0`, over a real sled directory:
//! every route, every error status, roles × routes, idempotent retries, conflicts, the live
//! stream resumed across reconnects with concurrent writers, graceful shutdown during a burst
//! and SIGKILL during a burst.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};

mod common;

use common::server::{agent, call, Server, BIN};

fn practice(minutes: u32) -> Value {
    json!({"type": "LogPractice", "person": "elise-joly", "skill": "catalogue-search",
           "kind": "sandbox", "minutes": minutes, "on": "2026-10-30"})
}

const COMMANDS: &str = "/api/programs/ils-rollout/commands";

#[test]
fn every_documented_route_answers_and_no_other_does() {
    let s = Server::demo();
    let (status, doc) = s.call("GET", "/api/openapi.json", None, None);
    assert_eq!(status, 200);
    assert_eq!(doc["openapi"].as_str().unwrap().chars().next(), Some('3'));
    let paths = doc["paths"].as_object().unwrap();
    // The routes the issue fixes, so that clients can rely on them.
    for (method, path) in [
        ("get", "/api/programs"),
        ("post", "/api/programs"),
        ("get", "/api/programs/{id}"),
        ("post", "/api/programs/{id}/commands"),
        ("post", "/api/organization/commands"),
        ("get", "/api/programs/{id}/dashboard"),
        ("get", "/api/programs/{id}/history"),
        ("get", "/api/risk"),
        ("get", "/api/people/{id}/journey"),
        ("get", "/api/events"),
        ("get", "/api/events/stream"),
        ("get", "/api/openapi.json"),
        ("get", "/login"),
    ] {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} is not documented"
        );
    }
    let mut operations = 0;
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            operations += 1;
            // Every numeric parameter has a maximum.
            for p in op["parameters"].as_array().into_iter().flatten() {
                let schema = &p["schema"];
                let numeric = ["integer", "number"].iter().any(|t| {
                    schema["type"] == *t
                        || schema["type"]
                            .as_array()
                            .is_some_and(|a| a.contains(&json!(t)))
                });
                assert!(
                    !numeric || schema.get("maximum").is_some(),
                    "{method} {path}: {} has no maximum",
                    p["name"]
                );
            }
            let concrete = path
                .replace("/programs/{id}", "/programs/ils-rollout")
                .replace("/people/{id}", "/people/nobody-at-all")
                .replace("/tokens/{id}", "/tokens/tok-000000000000");
            if path == "/api/events/stream" {
                continue; // an open stream; tested below
            }
            // A body the route cannot accept: the route must answer for itself (never the
            // router's "no route"/"method not allowed", never a 500).
            let body = (method == "post").then_some("{\"not\": \"valid for anything\"");
            let (status, v) = s.call(&method.to_uppercase(), &concrete, Some(&s.admin), body);
            assert!(status < 500, "{method} {path}: {status} {v}");
            assert!(
                v["error"] != "no_route" && v["error"] != "method_not_allowed",
                "{method} {path}: {v}"
            );
        }
    }
    assert!(operations >= 20, "{operations} operations");
    // The route list clients rely on, pinned.
    let routes: Vec<String> = paths
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |m| format!("{} {path}", m.to_uppercase()))
        })
        .collect();
    insta::assert_json_snapshot!("server_routes", routes);
    let (_, mut programs) = s.call("GET", "/api/programs", Some(&s.admin), None);
    programs["head"] = json!("[head]");
    insta::assert_json_snapshot!("server_programs", programs);
    // And what is not documented is not routed.
    let (status, v) = s.call("GET", "/api/nothing-here", Some(&s.admin), None);
    assert_eq!((status, v["error"].as_str()), (404, Some("no_route")));
    let (status, v) = s.call("DELETE", "/api/programs", Some(&s.admin), None);
    assert_eq!(
        (status, v["error"].as_str()),
        (405, Some("method_not_allowed"))
    );
}

#[test]
fn views_answer_as_the_cli_does() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let s = Server::start(&dir, &["--demo"]);
    let mut api = Vec::new();
    for path in [
        "/api/programs",
        "/api/programs/ils-rollout/dashboard?as_of=2026-10-31",
        "/api/programs/mentoring-2026/dashboard?as_of=2026-06-30",
        "/api/risk?as_of=2026-10-31",
        "/api/people/elise-joly/journey?as_of=2026-10-31",
        "/api/programs/ils-rollout/history?diff=1..5",
        "/api/supervisors?as_of=2026-10-31",
    ] {
        let (status, v) = s.call("GET", path, Some(&s.admin), None);
        assert_eq!(status, 200, "{path}: {v}");
        api.push(v);
    }
    drop(s);
    let cli = |args: &[&str]| -> Value {
        let out = Command::new(BIN)
            .env_remove("COLUMNS")
            .arg("--data")
            .arg(&dir)
            .args(args)
            .args(["--format", "json"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let expected = [
        cli(&["programs"]),
        cli(&["dashboard", "ils-rollout", "--as-of", "2026-10-31"]),
        cli(&["dashboard", "mentoring-2026", "--as-of", "2026-06-30"]),
        cli(&["risk", "--as-of", "2026-10-31"]),
        cli(&["journey", "elise-joly", "--as-of", "2026-10-31"]),
        cli(&["history", "ils-rollout", "--diff", "1..5"]),
        cli(&["supervisors", "--as-of", "2026-10-31"]),
    ];
    for (a, c) in api.iter().zip(&expected) {
        assert_eq!(a, c);
    }
    // The live dashboard at the server's day (no as_of) is the CLI's as of that day.
    let s = Server::start(&dir, &[]);
    let (_, live) = s.call(
        "GET",
        "/api/programs/ils-rollout/dashboard?as_of=2026-10-31T23:00:00Z",
        Some(&login_token(&s)),
        None,
    );
    assert_eq!(live["head"], expected[0]["head"]);
}

/// A fresh admin token of a restarted server (the first start's was printed once).
fn login_token(s: &Server) -> String {
    let cred: Value =
        serde_json::from_slice(&std::fs::read(s.dir.join("server.json")).unwrap()).unwrap();
    cred["credential"].as_str().unwrap().to_string()
}

/// Sends only the head of a POST declaring `length` bytes, and reads the answer.
fn raw_post_headers_only(s: &Server, path: &str, length: usize) -> (u16, Value) {
    use std::io::Write;
    let addr = s.url.trim_start_matches("http://");
    let mut tcp = std::net::TcpStream::connect(addr).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(
        tcp,
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n",
        s.admin
    )
    .unwrap();
    let mut response = String::new();
    let _ = tcp.read_to_string(&mut response);
    let status = response.split_whitespace().nth(1).unwrap().parse().unwrap();
    let body = response.split("\r\n\r\n").nth(1).unwrap_or("");
    // A chunked or plain body: the JSON object is between the first { and the last }.
    let json = &body[body.find('{').unwrap_or(0)..body.rfind('}').map_or(0, |i| i + 1)];
    (status, serde_json::from_str(json).unwrap_or(Value::Null))
}

#[test]
fn errors_say_what_and_why_with_the_right_status() {
    let s = Server::demo();
    let admin = Some(s.admin.as_str());
    // 401: none, malformed, unknown.
    let (st, v) = s.call("GET", "/api/programs", None, None);
    assert_eq!((st, v["error"].as_str()), (401, Some("unauthorized")));
    let (st, _) = s.call("GET", "/api/programs", Some("short"), None);
    assert_eq!(st, 401);
    let (st, _) = s.call("GET", "/api/programs", Some(&"A".repeat(43)), None);
    assert_eq!(st, 401);
    // 400: not JSON, a field of the wrong shape, a bad query parameter.
    let (st, v) = s.call("POST", COMMANDS, admin, Some("{"));
    assert_eq!(
        (st, v["error"].as_str(), v["field"].as_str()),
        (400, Some("malformed"), Some("body"))
    );
    let bad = json!({"type": "LogPractice", "person": "elise-joly", "skill": "catalogue-search", "kind": "sandbox", "minutes": "lots"});
    let (st, v) = s.call("POST", COMMANDS, admin, Some(&bad.to_string()));
    assert_eq!((st, v["field"].as_str()), (400, Some("minutes")), "{v}");
    let batch = json!([practice(10), {"type": "Frobnicate"}]);
    let (st, v) = s.call("POST", COMMANDS, admin, Some(&batch.to_string()));
    assert_eq!((st, v["field"].as_str()), (400, Some("[1].type")), "{v}");
    let (st, v) = s.call("GET", "/api/events?limit=5000", admin, None);
    assert_eq!((st, v["field"].as_str()), (400, Some("limit")), "{v}");
    let (st, v) = s.call("GET", "/api/events?after=minus-one", admin, None);
    assert_eq!((st, v["error"].as_str()), (400, Some("malformed")), "{v}");
    let (st, v) = s.call("GET", "/api/risk?as_of=yesterday-ish", admin, None);
    assert_eq!((st, v["field"].as_str()), (400, Some("as_of")), "{v}");
    // 404.
    let (st, v) = s.call(
        "GET",
        "/api/programs/no-such-program/dashboard",
        admin,
        None,
    );
    assert_eq!((st, v["error"].as_str()), (404, Some("not_found")));
    let (st, _) = s.call(
        "POST",
        "/api/programs/no-such-program/commands",
        admin,
        Some(&practice(5).to_string()),
    );
    assert_eq!(st, 404);
    let (st, _) = s.call("GET", "/api/people/nobody/journey", admin, None);
    assert_eq!(st, 404);
    // 409 with the actual versions.
    let (st, v) = s.call(
        "POST",
        &format!("{COMMANDS}?expected_version=3"),
        admin,
        Some(&practice(5).to_string()),
    );
    assert_eq!((st, v["error"].as_str()), (409, Some("conflict")), "{v}");
    assert!(
        v["actual"]["program-ils-rollout"].as_u64().unwrap() > 3,
        "{v}"
    );
    // 413.
    // 413: a declared length past the limit is refused before the body is sent.
    let (st, v) = raw_post_headers_only(&s, COMMANDS, 3 * 1024 * 1024);
    assert_eq!((st, v["error"].as_str()), (413, Some("too_large")), "{v}");
    // 422 naming the rule and the value.
    let unknown = json!({"type": "LogPractice", "person": "nobody-here", "skill": "catalogue-search", "kind": "sandbox", "minutes": 5, "on": "2026-10-30"});
    let (st, v) = s.call("POST", COMMANDS, admin, Some(&unknown.to_string()));
    assert_eq!((st, v["error"].as_str()), (422, Some("rule")), "{v}");
    assert!(v["rule"].is_string() && v["value"] == "nobody-here", "{v}");
    // A rule broken by the second command of a batch names it; nothing was written.
    let head = s.call("GET", "/api/programs", admin, None).1["head"].clone();
    let (st, v) = s.call(
        "POST",
        COMMANDS,
        admin,
        Some(&json!([practice(7), unknown]).to_string()),
    );
    assert_eq!((st, v["index"].as_u64()), (422, Some(2)), "{v}");
    assert_eq!(s.call("GET", "/api/programs", admin, None).1["head"], head);
    insta::assert_json_snapshot!("server_error_rule", v);
}

#[test]
fn each_role_may_do_what_its_row_says_and_nothing_more() {
    let s = Server::demo();
    let tokens: Vec<(&str, String)> = ["viewer", "trainer", "coordinator", "admin"]
        .iter()
        .map(|r| (*r, s.token(r, &format!("{r} of the test"), &[])))
        .collect();
    let limited = s.token("trainer", "trainer of another program", &["mentoring-2026"]);
    let rank = |r: &str| {
        ["viewer", "trainer", "coordinator", "admin"]
            .iter()
            .position(|x| *x == r)
            .unwrap()
    };
    // Each mutating route with the least role it needs. Bodies are dry runs or invalid after
    // the role check, so that the matrix changes nothing it does not mean to.
    let create = json!({"program": "matrix-test", "kind": "training", "title": "T"}).to_string();
    let trainer_cmd = practice(5).to_string();
    let coord_cmd = json!({"type": "SetGoal", "goal": "A goal"}).to_string();
    let org_cmd =
        json!({"type": "AddSkill", "skill": "matrix-skill", "name": "Matrix"}).to_string();
    let routes: Vec<(&str, String, Option<String>, &str)> = vec![
        (
            "POST",
            "/api/programs?dry_run=true".into(),
            Some(create),
            "coordinator",
        ),
        (
            "POST",
            format!("{COMMANDS}?dry_run=true"),
            Some(trainer_cmd),
            "trainer",
        ),
        (
            "POST",
            format!("{COMMANDS}?dry_run=true"),
            Some(coord_cmd),
            "coordinator",
        ),
        (
            "POST",
            "/api/organization/commands?dry_run=true".into(),
            Some(org_cmd),
            "coordinator",
        ),
        (
            "POST",
            "/api/people/nobody-at-all/erase".into(),
            None,
            "admin",
        ),
        (
            "POST",
            "/api/import?append=true".into(),
            Some("not json lines".into()),
            "admin",
        ),
        ("GET", "/api/verify".into(), None, "admin"),
        (
            "GET",
            "/api/export?program=ils-rollout".into(),
            None,
            "coordinator",
        ),
        ("GET", "/api/tokens".into(), None, "admin"),
        (
            "POST",
            "/api/tokens".into(),
            Some("{\"role\": \"boss\"}".into()),
            "admin",
        ),
        (
            "DELETE",
            "/api/tokens/tok-000000000000".into(),
            None,
            "admin",
        ),
        (
            "GET",
            "/api/programs/ils-rollout/dashboard".into(),
            None,
            "viewer",
        ),
    ];
    for (method, path, body, least) in &routes {
        for (role, token) in &tokens {
            let (st, v) = s.call(method, path, Some(token), body.as_deref());
            if rank(role) >= rank(least) {
                assert!(
                    st != 403 && st != 401 && st < 500,
                    "{role} {method} {path}: {st} {v}"
                );
            } else {
                assert_eq!(st, 403, "{role} {method} {path}: {v}");
            }
        }
    }
    // A token limited to some programs may not touch the others.
    let (st, _) = s.call(
        "POST",
        &format!("{COMMANDS}?dry_run=true"),
        Some(&limited),
        Some(&practice(5).to_string()),
    );
    assert_eq!(st, 403);
    let (st, v) = s.call("GET", "/api/programs", Some(&limited), None);
    assert_eq!(st, 200);
    assert_eq!(v["programs"].as_array().unwrap().len(), 1, "{v}");
    // Events written through the API carry the token's name as actor.
    let trainer = &tokens[1].1;
    let (st, v) = s.call(
        "POST",
        COMMANDS,
        Some(trainer),
        Some(&practice(11).to_string()),
    );
    assert_eq!(st, 201, "{v}");
    let seq = v["seqs"][0].as_u64().unwrap();
    let (_, page) = s.call(
        "GET",
        &format!("/api/events?after={}&limit=1", seq - 1),
        Some(trainer),
        None,
    );
    assert_eq!(page["events"][0]["actor"], "trainer of the test");
    // A revoked token stops working at once.
    let (_, list) = s.call("GET", "/api/tokens", Some(&s.admin), None);
    let id = list["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "viewer of the test")
        .unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string();
    let (st, _) = s.call("DELETE", &format!("/api/tokens/{id}"), Some(&s.admin), None);
    assert_eq!(st, 200);
    let (st, _) = s.call("GET", "/api/programs", Some(&tokens[0].1), None);
    assert_eq!(st, 401);
    // The access stream is for admins only.
    let (_, page) = s.call(
        "GET",
        "/api/events?after=2850&limit=100",
        Some(trainer),
        None,
    );
    assert!(
        page["events"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["stream"] != "access"),
        "{page}"
    );
}

#[test]
fn a_retry_with_the_same_key_is_applied_once() {
    let s = Server::demo();
    let key = [("Idempotency-Key", "practice-2026-10-30-elise")];
    let body = practice(25).to_string();
    let (st, first) = call(&s.url, "POST", COMMANDS, Some(&s.admin), Some(&body), &key);
    assert_eq!(st, 201, "{first}");
    let (st, again) = call(&s.url, "POST", COMMANDS, Some(&s.admin), Some(&body), &key);
    assert_eq!(st, 200, "{again}");
    assert_eq!(again["duplicate"], true);
    assert_eq!(again["seqs"], first["seqs"]);
    // The same key with other content is refused, not silently dropped.
    let other = practice(26).to_string();
    let (st, v) = call(&s.url, "POST", COMMANDS, Some(&s.admin), Some(&other), &key);
    assert_eq!((st, v["error"].as_str()), (409, Some("id_reused")), "{v}");
    // A dashboard read right after the write sees it.
    let (_, d) = s.call(
        "GET",
        "/api/programs/ils-rollout/dashboard",
        Some(&s.admin),
        None,
    );
    assert_eq!(d["head"]["seq"], first["head"]["seq"]);
    let mut shown = first.clone();
    shown["head"] = json!("[head]");
    insta::assert_json_snapshot!("server_command_result", shown);
}

#[test]
fn login_sets_a_strict_http_only_cookie_and_cookie_writes_check_origin() {
    let s = Server::demo();
    let response = agent()
        .get(&format!("{}/login?code={}", s.url, s.code))
        .call()
        .unwrap();
    assert_eq!(response.status(), 303);
    let cookie = response.header("set-cookie").unwrap().to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let session = cookie.split(';').next().unwrap().to_string();
    // The code works once.
    let (st, _) = s.call("GET", &format!("/login?code={}", s.code), None, None);
    assert_eq!(st, 401);
    let (st, v) = call(
        &s.url,
        "GET",
        "/api/session",
        None,
        None,
        &[("Cookie", &session)],
    );
    assert_eq!((st, v["role"].as_str()), (200, Some("admin")), "{v}");
    // A write with the cookie but from another origin is refused; from ours it passes.
    let body = practice(9).to_string();
    let (st, _) = call(
        &s.url,
        "POST",
        &format!("{COMMANDS}?dry_run=true"),
        None,
        Some(&body),
        &[("Cookie", &session), ("Origin", "http://evil.example")],
    );
    assert_eq!(st, 403);
    let (st, v) = call(
        &s.url,
        "POST",
        &format!("{COMMANDS}?dry_run=true"),
        None,
        Some(&body),
        &[("Cookie", &session), ("Origin", &s.url)],
    );
    assert_eq!(st, 200, "{v}");
    // Any API token logs in too; the login page takes a pasted one.
    let viewer = s.token("viewer", "browser viewer", &[]);
    let response = agent()
        .get(&format!("{}/login?token={viewer}", s.url))
        .call()
        .unwrap();
    assert_eq!(response.status(), 303);
    let page = agent()
        .get(&format!("{}/login", s.url))
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    assert!(page.contains("<form") && page.contains("name=\"token\""));
    // Logging out ends the session.
    let out = agent()
        .post(&format!("{}/logout", s.url))
        .set("Cookie", &session)
        .call()
        .unwrap();
    assert_eq!(out.status(), 303);
    let (st, _) = call(
        &s.url,
        "GET",
        "/api/session",
        None,
        None,
        &[("Cookie", &session)],
    );
    assert_eq!(st, 401);
}

/// Reads SSE events (seq, type) from a stream until `n` arrived.
fn read_sse(url: &str, token: &str, query: &str, last_id: Option<u64>, n: usize) -> Vec<u64> {
    let mut req = agent()
        .get(&format!("{url}/api/events/stream{query}"))
        .set("Authorization", &format!("Bearer {token}"));
    if let Some(id) = last_id {
        req = req.set("Last-Event-ID", &id.to_string());
    }
    let response = req.call().unwrap();
    assert_eq!(response.header("content-type"), Some("text/event-stream"));
    let mut reader = BufReader::new(response.into_reader());
    let mut seqs = Vec::new();
    let mut line = String::new();
    while seqs.len() < n {
        line.clear();
        // The server ends streams when it shuts down.
        if reader.read_line(&mut line).map_or(true, |n| n == 0) {
            break;
        }
        if let Some(id) = line
            .trim_end()
            .strip_prefix("id: ")
            .or_else(|| line.trim_end().strip_prefix("id:"))
        {
            seqs.push(id.trim().parse().unwrap());
        }
    }
    seqs
}

#[test]
fn the_event_stream_resumes_without_gap_or_duplicate_under_concurrent_writers() {
    let s = Server::demo();
    let start = s.call("GET", "/api/programs", Some(&s.admin), None).1["head"]["seq"]
        .as_u64()
        .unwrap();
    let writers: Vec<_> = (0..3)
        .map(|w| {
            let (url, token) = (s.url.clone(), s.admin.clone());
            std::thread::spawn(move || {
                for i in 0..20 {
                    let (st, v) = call(
                        &url,
                        "POST",
                        COMMANDS,
                        Some(&token),
                        Some(&practice(100 + w * 20 + i).to_string()),
                        &[],
                    );
                    assert_eq!(st, 201, "{v}");
                }
            })
        })
        .collect();
    // Read the first 25 events, then reconnect with Last-Event-ID and read the rest.
    let first = read_sse(&s.url, &s.admin, &format!("?after={start}"), None, 25);
    let last = *first.last().unwrap();
    let rest = read_sse(&s.url, &s.admin, "", Some(last), 60 - first.len());
    for w in writers {
        w.join().unwrap();
    }
    let all: Vec<u64> = first.iter().chain(&rest).copied().collect();
    let expected: Vec<u64> = (start + 1..=start + 60).collect();
    assert_eq!(all, expected, "every event once, in order");
    let unique: BTreeSet<_> = all.iter().collect();
    assert_eq!(unique.len(), all.len());
}

#[test]
fn shutdown_during_a_burst_loses_nothing_acknowledged_and_exits() {
    let mut s = Server::demo();
    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let (url, token, acked) = (s.url.clone(), s.admin.clone(), acked.clone());
            std::thread::spawn(move || {
                for i in 0..200 {
                    let key = format!("burst-{w}-{i}");
                    let mut req = agent()
                        .post(&format!("{url}{COMMANDS}"))
                        .set("Authorization", &format!("Bearer {token}"))
                        .set("Idempotency-Key", &key);
                    req = req.set("Content-Type", "application/json");
                    match req.send_string(&practice(1 + i).to_string()) {
                        Ok(r) if r.status() == 201 => acked.lock().unwrap().push(key),
                        _ => break,
                    }
                }
            })
        })
        .collect();
    // An open event stream must not hold the shutdown up.
    let (url, token) = (s.url.clone(), s.admin.clone());
    let reader =
        std::thread::spawn(move || read_sse(&url, &token, "?after=0", None, usize::MAX).len());
    std::thread::sleep(Duration::from_millis(600));
    s.signal("-TERM");
    let status = s.wait_exit();
    assert!(status.success(), "{status:?}");
    assert!(
        reader.join().unwrap() > 2000,
        "the stream delivered the log before it closed"
    );
    for w in writers {
        w.join().unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(!acked.is_empty());
    // Restarted, every acknowledged command is there: its retry is a duplicate.
    let s2 = Server::start(&s.dir, &[]);
    let local = login_token(&s2);
    for key in &acked {
        let (w, i): (u32, u32) = {
            let mut parts = key.trim_start_matches("burst-").split('-');
            (
                parts.next().unwrap().parse().unwrap(),
                parts.next().unwrap().parse().unwrap(),
            )
        };
        let _ = w;
        let (st, v) = call(
            &s2.url,
            "POST",
            COMMANDS,
            Some(&local),
            Some(&practice(1 + i).to_string()),
            &[("Idempotency-Key", key)],
        );
        assert_eq!(
            (st, v["duplicate"].as_bool()),
            (200, Some(true)),
            "{key}: {v}"
        );
    }
}

#[test]
fn sigkill_during_a_burst_loses_nothing_acknowledged() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let mut acked = Vec::new();
    let mut s = Server::start(&dir, &["--demo"]);
    for round in 0..3u64 {
        let token = login_token(&s);
        let got = Arc::new(Mutex::new(Vec::<(String, u32)>::new()));
        let writers: Vec<_> = (0..4)
            .map(|w| {
                let (url, token, got) = (s.url.clone(), token.clone(), got.clone());
                std::thread::spawn(move || {
                    for i in 0..500u32 {
                        let key = format!("kill-{round}-{w}-{i}");
                        let minutes = 1 + (i % 600);
                        let req = agent()
                            .post(&format!("{url}{COMMANDS}"))
                            .set("Authorization", &format!("Bearer {token}"))
                            .set("Idempotency-Key", &key)
                            .set("Content-Type", "application/json");
                        match req.send_string(&practice(minutes).to_string()) {
                            Ok(r) if r.status() == 201 => got.lock().unwrap().push((key, minutes)),
                            _ => break,
                        }
                    }
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(400 + 200 * round));
        s.signal("-KILL");
        s.wait_exit();
        for w in writers {
            w.join().unwrap();
        }
        acked.extend(got.lock().unwrap().drain(..));
        s = Server::start(&dir, &[]);
    }
    assert!(!acked.is_empty());
    let token = login_token(&s);
    for (key, minutes) in &acked {
        let (st, v) = call(
            &s.url,
            "POST",
            COMMANDS,
            Some(&token),
            Some(&practice(*minutes).to_string()),
            &[("Idempotency-Key", key)],
        );
        assert_eq!(
            (st, v["duplicate"].as_bool()),
            (200, Some(true)),
            "{key}: {v}"
        );
    }
    let (st, v) = s.call("GET", "/api/verify", Some(&token), None);
    assert_eq!(st, 200);
    assert!(v["problem"].is_null(), "{v}");
}

#[test]
fn serving_beyond_loopback_needs_a_public_url() {
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .env_remove("COLUMNS")
        .arg("--data")
        .arg(tmp.path().join("d"))
        .args(["serve", "--addr", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--public-url"));
}

#[test]
fn the_cli_goes_through_a_running_server_and_prints_the_same() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let s = Server::start(&dir, &["--demo"]);
    let baton = |args: &[&str]| -> (bool, String, String) {
        let out = Command::new(BIN)
            .env_remove("COLUMNS")
            .arg("--data")
            .arg(&dir)
            .args(args)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    // A write with its --actor, through the server.
    let file = tmp.path().join("practice.json");
    std::fs::write(&file, practice(33).to_string()).unwrap();
    let (ok, out, err) = baton(&[
        "--actor",
        "ann-from-the-desk",
        "do",
        "ils-rollout",
        file.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    assert!(out.contains("PracticeLogged"), "{out}");
    let (_, page) = s.call(
        "GET",
        "/api/events?after=2853&limit=5",
        Some(&s.admin),
        None,
    );
    assert!(
        page["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["actor"] == "ann-from-the-desk"),
        "{page}"
    );
    // A rule broken is the same error as without a server.
    std::fs::write(&file, json!({"type": "LogPractice", "person": "nobody-here", "skill": "catalogue-search", "kind": "sandbox", "minutes": 5}).to_string()).unwrap();
    let (ok, _, err) = baton(&["do", "ils-rollout", file.to_str().unwrap()]);
    assert!(!ok && err.contains("unknown_person"), "{err}");
    // A token made by the CLI works against the server.
    let (ok, out, err) = baton(&["token", "create", "--role", "viewer", "--name", "desk"]);
    assert!(ok, "{err}");
    let secret = out.lines().last().unwrap().trim().to_string();
    assert_eq!(s.call("GET", "/api/risk", Some(&secret), None).0, 200);
    let (ok, out, _) = baton(&["token", "list"]);
    assert!(ok && out.contains("desk"), "{out}");
    let (ok, out, err) = baton(&["verify"]);
    assert!(ok && out.contains("status"), "{out}{err}");
    let (ok, out, err) = baton(&["export", "mentoring-2026"]);
    assert!(
        ok && out.lines().count() > 100 && err.contains("head "),
        "{err}"
    );
    // Every read prints exactly what it prints once the server is gone.
    let reads: Vec<Vec<&str>> = vec![
        vec!["programs"],
        vec!["programs", "--format", "json"],
        vec!["dashboard", "ils-rollout", "--as-of", "2026-10-31"],
        vec![
            "dashboard",
            "ils-rollout",
            "--as-of",
            "2026-10-31",
            "--format",
            "json",
        ],
        vec!["risk", "--as-of", "2026-10-31", "--format", "json"],
        vec!["journey", "elise-joly", "--as-of", "2026-10-31"],
        vec!["history", "ils-rollout", "--last", "3", "--format", "json"],
        vec!["history", "organization", "--last", "3"],
        vec!["supervisors", "--as-of", "2026-10-31"],
    ];
    let through: Vec<String> = reads
        .iter()
        .map(|a| {
            let (ok, out, err) = baton(a);
            assert!(ok, "{a:?}: {err}");
            out
        })
        .collect();
    drop(s);
    for (args, served) in reads.iter().zip(&through) {
        let (ok, out, err) = baton(args);
        assert!(ok, "{args:?}: {err}");
        assert_eq!(&out, served, "{args:?}");
    }
}

#[test]
fn simulations_run_through_the_api_as_on_the_command_line() {
    let s = Server::demo();
    let viewer = s.token("viewer", "class", &[]);
    let (st, v) = s.call("GET", "/api/scenarios", Some(&viewer), None);
    assert_eq!(st, 200);
    assert!(v["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["name"] == "perfect-storm"));
    let body = json!({"plan": "ils-rollout", "scenario": "perfect-storm", "mitigate": ["backup-trainers"],
                      "runs": 40, "seed": 7, "as_of": "2026-03-01"});
    let (st, api) = s.call(
        "POST",
        "/api/simulate",
        Some(&viewer),
        Some(&body.to_string()),
    );
    assert_eq!(st, 200, "{api}");
    assert!(
        api["comparisons"][0]["mitigation"] == "backup-trainers",
        "{api}"
    );
    // Limits and mistakes are 400s naming the field.
    for (bad, field) in [
        (
            json!({"plan": "ils-rollout", "scenario": "perfect-storm", "runs": 100001}),
            "runs",
        ),
        (
            json!({"plan": "ils-rollout", "scenario": "no-such"}),
            "scenario",
        ),
        (
            json!({"plan": "ils-rollout", "scenario": "perfect-storm", "mitigate": ["magic"]}),
            "mitigate",
        ),
        (
            json!({"plan": "ils-rollout", "scenario": "perfect-storm", "runs": "many"}),
            "runs",
        ),
    ] {
        let (st, v) = s.call(
            "POST",
            "/api/simulate",
            Some(&viewer),
            Some(&bad.to_string()),
        );
        assert_eq!((st, v["field"].as_str()), (400, Some(field)), "{v}");
    }
    let (st, _) = s.call(
        "POST",
        "/api/simulate",
        Some(&viewer),
        Some(&json!({"plan": "nope", "scenario": "as-planned"}).to_string()),
    );
    assert_eq!(st, 404);
    // The same report as `baton simulate` on the same log (the server stopped first).
    let dir = s.dir.clone();
    let mut s = s;
    s.signal("-TERM");
    s.wait_exit();
    let out = Command::new(BIN)
        .env_remove("COLUMNS")
        .arg("--data")
        .arg(&dir)
        .args([
            "simulate",
            "--plan",
            "ils-rollout",
            "--scenario",
            "perfect-storm",
            "--mitigate",
            "backup-trainers",
            "--runs",
            "40",
            "--seed",
            "7",
            "--as-of",
            "2026-03-01",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cli: Value = serde_json::from_slice(&out.stdout).unwrap();
    let strip = |mut v: Value| {
        v.as_object_mut().unwrap().shift_remove("head");
        v
    };
    assert_eq!(strip(api), strip(cli));
}

#[test]
fn calendar_feeds_are_read_with_a_feed_token_that_opens_nothing_else() {
    let s = Server::demo();
    let feed = s.token("feed", "Ann's calendar app", &["ils-rollout"]);
    let get = |path: &str| {
        let response = agent().get(&format!("{}{path}", s.url)).call();
        match response {
            Ok(r) => (
                r.status(),
                r.header("content-type").unwrap_or("").to_string(),
                r.into_string().unwrap(),
            ),
            Err(ureq::Error::Status(code, r)) => (code, String::new(), r.into_string().unwrap()),
            Err(e) => panic!("{path}: {e}"),
        }
    };
    let (st, kind, body) = get(&format!("/feeds/programs/ils-rollout.ics?token={feed}"));
    assert_eq!(st, 200, "{body}");
    assert!(kind.starts_with("text/calendar"), "{kind}");
    assert!(body.starts_with("BEGIN:VCALENDAR\r\n") && body.contains("BEGIN:VEVENT"));
    // A person's feed holds only their items.
    let (st, _, mine) = get(&format!("/feeds/people/tomasz-mathieu.ics?token={feed}"));
    assert_eq!(st, 200, "{mine}");
    assert!(mine.matches("BEGIN:VEVENT").count() < body.matches("BEGIN:VEVENT").count());
    // Another program's feed, a bad token, a bad file name: refused.
    assert_eq!(
        get(&format!("/feeds/programs/mentoring-2026.ics?token={feed}")).0,
        403
    );
    assert_eq!(get("/feeds/programs/ils-rollout.ics?token=nope").0, 401);
    assert_eq!(
        get(&format!("/feeds/programs/ils-rollout?token={feed}")).0,
        400
    );
    assert_eq!(get("/feeds/programs/ils-rollout.ics").0, 400);
    // A feed token opens nothing else: no API route, no page, no login.
    let (st, v) = s.call("GET", "/api/programs", Some(&feed), None);
    assert_eq!(st, 403, "{v}");
    assert!(v["message"].as_str().unwrap().contains("feed"));
    let (st, _) = call(
        &s.url,
        "GET",
        "/programs/ils-rollout",
        None,
        None,
        &[("Authorization", &format!("Bearer {feed}"))],
    );
    assert_eq!(st, 403);
    assert_eq!(get(&format!("/login?token={feed}")).0, 401);
    // The same bytes as `baton export` as of the server's day, once the server has stopped.
    let mut s = s;
    let out = s.stop_then_run(&[
        "export",
        "ils-rollout",
        "--format",
        "ics",
        "--as-of",
        "2026-10-31",
    ]);
    assert_eq!(String::from_utf8(out).unwrap(), body);
}

#[test]
fn what_is_due_and_rosters_go_through_the_api() {
    let mut s = Server::demo();
    let (st, due) = s.call("GET", "/api/due?within=30", Some(&s.admin), None);
    assert_eq!(st, 200, "{due}");
    assert!(!due["items"].as_array().unwrap().is_empty(), "{due}");
    let (st, bad) = s.call("GET", "/api/due?within=9999", Some(&s.admin), None);
    assert_eq!((st, bad["field"].as_str()), (400, Some("within")), "{bad}");
    let feed = s.token("feed", "due calendar", &[]);
    let response = agent()
        .get(&format!("{}/feeds/due.ics?token={feed}&within=30", s.url))
        .call()
        .unwrap();
    assert!(response
        .header("content-type")
        .unwrap()
        .starts_with("text/calendar"));
    assert!(response
        .into_string()
        .unwrap()
        .starts_with("BEGIN:VCALENDAR\r\n"));

    // A token limited to one program sees only that program's items, in the list and in
    // the feed, though both programs have items due.
    let (_, all) = s.call("GET", "/api/due?within=3650", Some(&s.admin), None);
    let programs = |v: &Value| -> std::collections::BTreeSet<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["program"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(programs(&all).contains("mentoring-2026"), "{all}");
    assert!(programs(&all).contains("ils-rollout"), "{all}");
    let limited = s.token("viewer", "rollout only", &["ils-rollout"]);
    let (st, mine) = s.call("GET", "/api/due?within=3650", Some(&limited), None);
    assert_eq!(st, 200, "{mine}");
    assert_eq!(
        programs(&mine),
        ["ils-rollout".to_string()].into_iter().collect(),
        "{mine}"
    );
    let limited_feed = s.token("feed", "rollout calendar", &["ils-rollout"]);
    let ics = agent()
        .get(&format!(
            "{}/feeds/due.ics?token={limited_feed}&within=3650",
            s.url
        ))
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    assert!(ics.contains("ils-rollout"), "{ics}");
    assert!(!ics.contains("mentoring-2026"), "{ics}");
    let everything = agent()
        .get(&format!("{}/feeds/due.ics?token={feed}&within=3650", s.url))
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    assert!(everything.contains("mentoring-2026"));

    // A roster: the new person is recorded; the same roster again records nothing.
    let post_roster = |csv: &str, query: &str| {
        let response = agent()
            .post(&format!("{}/api/roster{query}", s.url))
            .set("Authorization", &format!("Bearer {}", s.admin))
            .set("Content-Type", "text/csv")
            .send_string(csv);
        let r = match response {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("{e}"),
        };
        (
            r.status(),
            serde_json::from_str::<Value>(&r.into_string().unwrap()).unwrap(),
        )
    };
    let csv = "name;department;branch;joined\nZoé Nouvelle;reference;central;2026-10-01\n";
    let (st, v) = post_roster(csv, "?dry_run=true");
    assert_eq!(st, 200, "{v}");
    let (st, v) = post_roster(csv, "");
    assert_eq!(st, 201, "{v}");
    assert_eq!(v["changes"][0]["line"], 2);
    assert_eq!(v["changes"][0]["command"]["type"], "AddPerson");
    let (st, v) = post_roster(csv, "");
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["changes"], json!([]));
    // A bad roster names the line and the column, and nothing is recorded.
    let (_, before) = s.call("GET", "/api/events?after=0&limit=1", Some(&s.admin), None);
    let (st, v) = post_roster("name,joined\nAnn Other,yesterday\n", "");
    assert_eq!(st, 400, "{v}");
    assert!(v["message"].as_str().unwrap().contains("line 2"), "{v}");
    let (_, after) = s.call("GET", "/api/events?after=0&limit=1", Some(&s.admin), None);
    assert_eq!(after["head"], before["head"]);

    // What the API says is due is what `baton due` prints.
    let (_, due) = s.call("GET", "/api/due?within=30", Some(&s.admin), None);
    let out = s.stop_then_run(&[
        "due",
        "--within",
        "30d",
        "--format",
        "json",
        "--as-of",
        "2026-10-31",
    ]);
    let cli: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(cli, due);
}

#[test]
fn a_token_limited_to_some_programs_sees_no_other_program_through_a_person_or_a_rehearsal() {
    let s = Server::demo();
    let limited = s.token("viewer", "viewer of mentoring", &["mentoring-2026"]);
    let programs = |v: &Value| -> Vec<String> {
        v["programs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["program"].as_str().unwrap().to_string())
            .collect()
    };
    // Unlimited, adam-boyer's journey includes the roll-out; limited, it does not.
    let (st, all) = s.call(
        "GET",
        "/api/people/adam-boyer/journey",
        Some(&s.admin),
        None,
    );
    assert_eq!(st, 200, "{all}");
    assert!(programs(&all).iter().any(|p| p == "ils-rollout"), "{all}");
    let (st, mine) = s.call(
        "GET",
        "/api/people/adam-boyer/journey",
        Some(&limited),
        None,
    );
    assert_eq!(st, 200, "{mine}");
    assert!(
        programs(&mine).iter().all(|p| p == "mentoring-2026"),
        "{mine}"
    );
    // The page reads the same filtered journey.
    let (st, page) = s.call("GET", "/people/adam-boyer", Some(&limited), None);
    assert_eq!(st, 200);
    let page = page.as_str().unwrap();
    assert!(!page.contains("/programs/ils-rollout"), "{page}");
    let (_, page) = s.call("GET", "/people/adam-boyer", Some(&s.admin), None);
    assert!(page.as_str().unwrap().contains("/programs/ils-rollout"));
    // A rehearsal of a plan the token may not touch is refused, as a simulation is.
    let (st, _) = s.call(
        "GET",
        "/rehearse?plan=ils-rollout&scenario=perfect-storm&start=1",
        Some(&limited),
        None,
    );
    assert_eq!(st, 403);
    let (st, _) = s.call(
        "GET",
        "/rehearse?plan=mentoring-2026&scenario=perfect-storm",
        Some(&limited),
        None,
    );
    assert_eq!(st, 200);
}

#[test]
fn pages_read_as_of_a_day_say_that_day_in_their_header() {
    let s = Server::demo();
    for path in [
        "/people/adam-boyer?as_of=2026-06-30",
        "/programs/ils-rollout/history?as_of=2026-06-30",
        "/programs/ils-rollout/plan?as_of=2026-06-30",
    ] {
        let (st, page) = s.call("GET", path, Some(&s.admin), None);
        assert_eq!(st, 200, "{path}");
        let page = page.as_str().unwrap();
        assert!(
            page.contains(r#"<time datetime="2026-06-30">"#),
            "{path}: {page}"
        );
    }
}

#[test]
fn a_dashboard_figure_that_cannot_be_computed_yet_reads_as_a_dash_not_zero() {
    let s = Server::demo();
    let (_, v) = s.call(
        "GET",
        "/api/programs/mentoring-2026/dashboard",
        Some(&s.admin),
        None,
    );
    assert!(v["attendance"]["rate"].is_null(), "{v}");
    let (st, page) = s.call("GET", "/programs/mentoring-2026", Some(&s.admin), None);
    assert_eq!(st, 200);
    let page = page.as_str().unwrap();
    assert!(!page.contains("0.0 %"), "{page}");
    assert!(page.contains("–"), "{page}");
}

#[test]
fn the_history_page_names_versions_and_says_what_voided_a_row_and_why() {
    let s = Server::demo();
    let mut voids = 0;
    for program in ["ils-rollout", "mentoring-2026"] {
        let path = format!("/api/programs/{program}/history");
        let (_, v) = s.call("GET", &path, Some(&s.admin), None);
        let (st, page) = s.call(
            "GET",
            &format!("/programs/{program}/history"),
            Some(&s.admin),
            None,
        );
        assert_eq!(st, 200);
        let page = page.as_str().unwrap();
        assert!(!page.contains("of seq"), "{page}");
        let text = v.to_string();
        if text.contains("\"voided_by\":{") {
            voids += 1;
            assert!(
                page.contains("a void of version ") || page.contains("correction of version "),
                "{page}"
            );
            assert!(page.contains(" by version "), "{page}");
        }
    }
    assert!(voids > 0, "the demo voids or corrects something");
}

#[test]
fn the_dashboards_definition_links_land_on_headings_of_the_dashboard_doc() {
    let s = Server::demo();
    let (_, docs) = s.call("GET", "/docs/dashboard", Some(&s.admin), None);
    let docs = docs.as_str().unwrap();
    let (_, page) = s.call("GET", "/programs/ils-rollout", Some(&s.admin), None);
    let page = page.as_str().unwrap();
    for anchor in [
        "learners-and-completion",
        "proficiency-vs-target",
        "deadline-and-forecast",
        "attendance",
    ] {
        assert!(
            page.contains(&format!("href=\"/docs/dashboard#{anchor}\"")),
            "{anchor}"
        );
        assert!(
            docs.contains(&format!("id=\"{anchor}\"")),
            "{anchor}: {docs}"
        );
    }
}

#[test]
fn the_dashboard_page_shows_every_retention_trace() {
    let s = Server::demo();
    let (_, v) = s.call(
        "GET",
        "/api/programs/ils-rollout/dashboard",
        Some(&s.admin),
        None,
    );
    let traces = v["practice"]["traces"].as_array().unwrap().len();
    assert!(traces > 0, "{v}");
    let (_, page) = s.call("GET", "/programs/ils-rollout", Some(&s.admin), None);
    let page = page.as_str().unwrap();
    let table = &page[page.find("id=\"traces-table\"").unwrap()..];
    let table = &table[..table.find("</table>").unwrap()];
    assert!(table.contains("<th scope=\"col\">Skill</th>"));
    assert_eq!(table.matches("<tr>").count(), traces + 1);
}

/// The dashboard's bytes as served with `accept` as `Accept-Encoding`: (Content-Encoding,
/// Vary, body).
fn dashboard_bytes(s: &Server, accept: &str) -> (Option<String>, Option<String>, Vec<u8>) {
    let response = agent()
        .get(&format!(
            "{}/api/programs/ils-rollout/dashboard?as_of=2026-10-31",
            s.url
        ))
        .set("Authorization", &format!("Bearer {}", s.admin))
        .set("Accept-Encoding", accept)
        .call()
        .unwrap();
    let encoding = response.header("content-encoding").map(str::to_string);
    let vary = response.header("vary").map(str::to_string);
    let mut body = Vec::new();
    response.into_reader().read_to_end(&mut body).unwrap();
    (encoding, vary, body)
}

#[test]
fn a_rendered_view_is_gzipped_for_a_client_that_accepts_it_and_decodes_to_the_same_json() {
    let s = Server::demo();
    let (plain_encoding, plain_vary, plain) = dashboard_bytes(&s, "identity");
    assert_eq!(plain_encoding, None);
    assert_eq!(plain_vary.as_deref(), Some("accept-encoding"));
    let (encoding, vary, gzipped) = dashboard_bytes(&s, "br;q=1.0, gzip;q=0.8");
    assert_eq!(encoding.as_deref(), Some("gzip"));
    assert_eq!(vary.as_deref(), Some("accept-encoding"));
    assert!(
        gzipped.len() * 4 < plain.len(),
        "{} vs {}",
        gzipped.len(),
        plain.len()
    );
    // Decoded by the system's gzip, not by the library that encoded it.
    let mut child = Command::new("gzip")
        .arg("-dc")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("gzip");
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || std::io::Write::write_all(&mut stdin, &gzipped));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(out.status.success());
    assert_eq!(out.stdout, plain);
    // A coding refused with q=0 is not used.
    let (refused, _, body) = dashboard_bytes(&s, "gzip;q=0");
    assert_eq!(refused, None);
    assert_eq!(body, plain);
}
