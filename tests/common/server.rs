//! A real `baton serve` on `127.0.0.1:0` over its own data directory, and a plain HTTP
//! client for it (shared by the API and the browser tests).

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

pub const BIN: &str = env!("CARGO_BIN_EXE_baton");

/// A running server over its own data directory.
pub struct Server {
    pub child: Child,
    pub url: String,
    /// The admin token the first start printed.
    pub admin: String,
    /// The one-time login code.
    pub code: String,
    pub dir: std::path::PathBuf,
    pub _tmp: Option<tempfile::TempDir>,
}

impl Server {
    pub fn demo() -> Server {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("data");
        let mut s = Server::start(&dir, &["--demo"]);
        s._tmp = Some(tmp);
        s
    }

    pub fn start(dir: &std::path::Path, extra: &[&str]) -> Server {
        let mut child = Command::new(BIN)
            .env_remove("COLUMNS")
            .arg("--data")
            .arg(dir)
            .args(["serve", "--addr", "127.0.0.1:0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let (mut url, mut admin, mut code) = (None, String::new(), String::new());
        let mut next_is_admin = false;
        let mut line = String::new();
        while url.is_none() {
            line.clear();
            assert!(
                out.read_line(&mut line).unwrap() > 0,
                "serve exited before listening"
            );
            let l = line.trim();
            if next_is_admin {
                admin = l.to_string();
                next_is_admin = false;
            }
            if l.starts_with("made an admin token") {
                next_is_admin = true;
            }
            if let Some(rest) = l.strip_prefix("log in: ") {
                code = rest
                    .split("code=")
                    .nth(1)
                    .unwrap()
                    .split_whitespace()
                    .next()
                    .unwrap()
                    .to_string();
            }
            if let Some(u) = l.strip_prefix("listening on ") {
                url = Some(u.to_string());
            }
        }
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || {
            let mut sink = Vec::new();
            let _ = out.read_to_end(&mut sink);
        });
        Server {
            child,
            url: url.unwrap(),
            admin,
            code,
            dir: dir.to_path_buf(),
            _tmp: None,
        }
    }

    pub fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&str>,
    ) -> (u16, Value) {
        call(&self.url, method, path, token, body, &[])
    }

    pub fn token(&self, role: &str, name: &str, programs: &[&str]) -> String {
        let (status, v) = self.call(
            "POST",
            "/api/tokens",
            Some(&self.admin),
            Some(&json!({"role": role, "name": name, "programs": programs}).to_string()),
        );
        assert_eq!(status, 201, "{v}");
        v["secret"].as_str().unwrap().to_string()
    }

    pub fn signal(&self, sig: &str) {
        // The shell's own `kill`, so no package is needed for it.
        let status = Command::new("sh")
            .args(["-c", &format!("kill {sig} {}", self.child.id())])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits for the process to exit (bounded, so a hung shutdown fails instead of hanging).
    pub fn wait_exit(&mut self) -> std::process::ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "the server did not exit"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Server {
    /// Stops the server (SIGTERM, a clean exit), then runs the CLI on its data directory and
    /// gives what it printed (the run must succeed).
    pub fn stop_then_run(&mut self, args: &[&str]) -> Vec<u8> {
        self.signal("-TERM");
        assert!(self.wait_exit().success());
        let out = Command::new(BIN)
            .env_remove("COLUMNS")
            .arg("--data")
            .arg(&self.dir)
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(60))
        .redirects(0)
        .build()
}

pub fn call(
    url: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
    headers: &[(&str, &str)],
) -> (u16, Value) {
    let mut req = agent().request(method, &format!("{url}{path}"));
    if let Some(t) = token {
        req = req.set("Authorization", &format!("Bearer {t}"));
    }
    for (k, v) in headers {
        req = req.set(k, v);
    }
    let result = match body {
        Some(b) => req.set("Content-Type", "application/json").send_string(b),
        None => req.call(),
    };
    let response = match result {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{method} {path}: {e}"),
    };
    let status = response.status();
    let text = response.into_string().unwrap_or_default();
    let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, value)
}
