//! A small WebDriver (W3C) client for the browser tests: Debian's `chromedriver` driving a
//! headless `chromium` with its own profile directory, over plain HTTP on loopback. Every
//! page's browser log is read, so a JavaScript error, a CSP violation or a failed load fails
//! the test that caused it.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// Where Debian puts them (`apt-get install chromium chromium-driver`).
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// The driver.
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// How long a wait for the page may take before the test fails.
pub const WAIT: Duration = Duration::from_secs(30);

/// A browser session.
pub struct Browser {
    driver: Child,
    base: String,
    session: String,
    agent: ureq::Agent,
    _profile: tempfile::TempDir,
}

/// An element of the page.
#[derive(Clone, Debug)]
pub struct Element(String);

const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl Browser {
    /// Starts chromedriver on a free port and a headless Chromium session with a fresh
    /// profile. Fails, saying what to install, when either is missing.
    pub fn start() -> Browser {
        for path in [CHROMIUM, CHROMEDRIVER] {
            assert!(
                std::path::Path::new(path).exists(),
                "{path} is missing: the browser tests need Debian's chromium and chromium-driver (`apt-get install chromium chromium-driver`, as .ci/run does)"
            );
        }
        let agent = ureq::AgentBuilder::new()
            .timeout(Duration::from_secs(120))
            .build();
        let mut last = String::new();
        for _ in 0..5 {
            let port = free_port();
            let driver = Command::new(CHROMEDRIVER)
                .arg(format!("--port={port}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("chromedriver starts");
            let base = format!("http://127.0.0.1:{port}");
            let started = Instant::now();
            let mut ready = false;
            while started.elapsed() < Duration::from_secs(20) {
                if let Ok(r) = agent.get(&format!("{base}/status")).call() {
                    if let Ok(v) = r.into_json::<Value>() {
                        if v["value"]["ready"].as_bool() == Some(true) {
                            ready = true;
                            break;
                        }
                    }
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let mut driver = driver;
            if !ready {
                let _ = driver.kill();
                let _ = driver.wait();
                last = format!("chromedriver on port {port} was not ready");
                continue;
            }
            let profile = tempfile::tempdir().unwrap();
            let caps = json!({"capabilities": {"alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {
                    "binary": CHROMIUM,
                    "args": [
                        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                        "--disable-background-networking", "--disable-component-update",
                        "--no-first-run", "--disable-sync", "--disable-quic",
                        "--window-size=1280,1000",
                        format!("--user-data-dir={}", profile.path().display()),
                    ],
                },
                "goog:loggingPrefs": {"browser": "ALL"},
            }}});
            let response = match agent.post(&format!("{base}/session")).send_json(caps) {
                Ok(r) => r,
                Err(ureq::Error::Status(_, r)) => r,
                Err(e) => panic!("new session: {e}"),
            };
            let v: Value = response.into_json().unwrap();
            let Some(session) = v["value"]["sessionId"].as_str() else {
                let _ = driver.kill();
                let _ = driver.wait();
                last = format!("no session: {v}");
                continue;
            };
            return Browser {
                driver,
                base,
                session: session.to_string(),
                agent,
                _profile: profile,
            };
        }
        panic!("the browser did not start: {last}");
    }

    fn send(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, Value> {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let req = self.agent.request(method, &url);
        let result = match body {
            Some(b) => req.send_json(b),
            None => req.call(),
        };
        let response = match result {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("{method} {path}: {e}"),
        };
        let ok = response.status() < 300;
        let v: Value = response.into_json().unwrap_or(Value::Null);
        if ok {
            Ok(v["value"].clone())
        } else {
            Err(v["value"].clone())
        }
    }

    fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        self.send(method, path, body)
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
    }

    /// Opens `url` and waits for it to load.
    pub fn goto(&self, url: &str) {
        self.cmd("POST", "/url", Some(json!({ "url": url })));
    }

    /// The address shown.
    pub fn url(&self) -> String {
        self.cmd("GET", "/url", None)
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    /// The page's title.
    pub fn title(&self) -> String {
        self.cmd("GET", "/title", None)
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    fn element(v: &Value) -> Element {
        Element(v[ELEMENT_KEY].as_str().unwrap_or_default().to_string())
    }

    /// The first element matching `css`, if any.
    pub fn try_find(&self, css: &str) -> Option<Element> {
        self.send(
            "POST",
            "/element",
            Some(json!({"using": "css selector", "value": css})),
        )
        .ok()
        .map(|v| Browser::element(&v))
    }

    /// The first element matching `css` (the test fails without one).
    pub fn find(&self, css: &str) -> Element {
        self.try_find(css)
            .unwrap_or_else(|| panic!("no element {css:?} on {}", self.url()))
    }

    /// Every element matching `css`.
    pub fn find_all(&self, css: &str) -> Vec<Element> {
        self.cmd(
            "POST",
            "/elements",
            Some(json!({"using": "css selector", "value": css})),
        )
        .as_array()
        .into_iter()
        .flatten()
        .map(Browser::element)
        .collect()
    }

    /// An element's visible text.
    pub fn text(&self, e: &Element) -> String {
        self.cmd("GET", &format!("/element/{}/text", e.0), None)
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    /// The visible text of the first element matching `css`.
    pub fn text_of(&self, css: &str) -> String {
        self.text(&self.find(css))
    }

    /// An element's attribute or property.
    pub fn attr(&self, e: &Element, name: &str) -> Option<String> {
        self.cmd("GET", &format!("/element/{}/attribute/{name}", e.0), None)
            .as_str()
            .map(str::to_string)
    }

    /// Clicks an element.
    pub fn click(&self, e: &Element) {
        self.cmd("POST", &format!("/element/{}/click", e.0), Some(json!({})));
    }

    /// Clicks the first element matching `css`.
    pub fn click_on(&self, css: &str) {
        let e = self.find(css);
        self.click(&e);
    }

    /// Clears a field and types `text` into it.
    pub fn fill(&self, css: &str, text: &str) {
        let e = self.find(css);
        self.cmd("POST", &format!("/element/{}/clear", e.0), Some(json!({})));
        self.cmd(
            "POST",
            &format!("/element/{}/value", e.0),
            Some(json!({ "text": text })),
        );
    }

    /// Chooses the option with `value` of a select.
    pub fn select(&self, css: &str, value: &str) {
        self.click_on(&format!("{css} option[value=\"{value}\"]"));
    }

    /// Sets the value of the field matching `css` as a script would (for the inputs whose
    /// typing depends on the browser's locale: `date`, `datetime-local`).
    pub fn set_value(&self, css: &str, value: &str) {
        let set = self.exec(
            "const e = document.querySelector(arguments[0]); if (!e) { return false; } e.value = arguments[1]; return e.value === arguments[1];",
            json!([css, value]),
        );
        assert_eq!(set, json!(true), "could not set {css:?} to {value:?}");
    }

    /// Runs a script in the page and gives its result.
    pub fn exec(&self, script: &str, args: Value) -> Value {
        self.cmd(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": args})),
        )
    }

    /// Waits until an element matching `css` exists.
    pub fn wait_for(&self, css: &str) -> Element {
        let start = Instant::now();
        loop {
            if let Some(e) = self.try_find(css) {
                return e;
            }
            assert!(
                start.elapsed() < WAIT,
                "no element {css:?} on {} after {WAIT:?}",
                self.url()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits until the text of `css` satisfies `ok`; gives the text.
    pub fn wait_text(&self, css: &str, ok: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            if let Some(e) = self.try_find(css) {
                if let Ok(v) = self.send("GET", &format!("/element/{}/text", e.0), None) {
                    let t = v.as_str().unwrap_or("").to_string();
                    if ok(&t) {
                        return t;
                    }
                    assert!(
                        start.elapsed() < WAIT,
                        "{css:?} still reads {t:?} after {WAIT:?}"
                    );
                }
            }
            assert!(start.elapsed() < WAIT, "no {css:?} after {WAIT:?}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The browser's log since the last call (console messages, script errors, CSP
    /// violations, failed loads).
    pub fn log(&self) -> Vec<Value> {
        self.cmd("POST", "/se/log", Some(json!({"type": "browser"})))
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// Fails if the page logged an error or a warning since the last check.
    pub fn assert_clean(&self, what: &str) {
        let bad: Vec<Value> = self
            .log()
            .into_iter()
            .filter(|e| matches!(e["level"].as_str(), Some("SEVERE" | "WARNING")))
            .collect();
        assert!(bad.is_empty(), "{what}: the browser logged {bad:#?}");
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self
            .agent
            .delete(&format!("{}/session/{}", self.base, self.session))
            .call();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
