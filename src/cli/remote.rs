//! The CLI while `baton serve` runs on the same data directory: the server holds the store,
//! so every command goes through its API with the local credential it keeps in the data
//! directory (readable only by its owner), and prints exactly what it prints when it opens
//! the store itself.

use std::io::{Read, Write};
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use serde_json::{json, Value};

use super::args::Format;
use super::log_cmds::ImportArgs;
use super::program_cmds::{print_run, DoArgs};
use super::serve_cmds::{print_new_token, print_tokens, TokenCommand};
use crate::access::TokenInfo;
use crate::app::RunResult;
use crate::domain::Command;
use crate::query::Answer;
use crate::server::{read_server_file, ServerFile};
use crate::store::record::{self, parse_hex};
use crate::store::LogHead;

/// A running server reached through its local credential.
pub(super) struct Remote {
    file: ServerFile,
    agent: ureq::Agent,
}

/// Percent-encodes a path segment or query value.
pub(super) fn enc(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl Remote {
    /// The server running on `data`, if one is (its file is there and it answers).
    pub(super) fn find(data: &Path) -> anyhow::Result<Option<Remote>> {
        let Some(file) = read_server_file(data) else {
            return Ok(None);
        };
        let agent = ureq::AgentBuilder::new()
            .timeout_connect(Duration::from_secs(2))
            .timeout(Duration::from_secs(600))
            .redirects(0)
            .build();
        let remote = Remote { file, agent };
        // A file left by a server that was killed: the store is free again.
        match remote.request("GET", "/api/session").call() {
            Ok(_) => Ok(Some(remote)),
            Err(ureq::Error::Status(..)) => anyhow::bail!(
                "{} names a server (pid {}) that refuses its credential; is another server running on this directory?",
                data.join(crate::server::SERVER_FILE).display(),
                remote.file.pid
            ),
            Err(_) => Ok(None),
        }
    }

    fn request(&self, method: &str, path: &str) -> ureq::Request {
        self.agent
            .request(method, &format!("{}{path}", self.file.url))
            .set("Authorization", &format!("Bearer {}", self.file.credential))
    }

    /// Sends a request and returns the JSON body and the response's title header; an error
    /// response becomes an error with the server's message.
    fn send(
        &self,
        req: ureq::Request,
        body: Option<&[u8]>,
    ) -> anyhow::Result<(Value, Option<String>, Option<String>)> {
        let result = match body {
            Some(b) => req.send_bytes(b),
            None => req.call(),
        };
        match result {
            Ok(response) => {
                let title = response.header("x-baton-title").map(str::to_string);
                let head = response.header("x-baton-head").map(str::to_string);
                let text = response.into_string()?;
                let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
                Ok((value, title, head))
            }
            Err(ureq::Error::Status(_, response)) => {
                let text = response.into_string().unwrap_or_default();
                let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                let message = body["message"].as_str().unwrap_or(&text).to_string();
                Err(RemoteError { body, message }.into())
            }
            Err(e) => anyhow::bail!("the server at {} did not answer: {e}", self.file.url),
        }
    }

    /// A view through the server, as the read path answers it.
    pub(super) fn answer(&self, path: &str, list_key: &'static str) -> anyhow::Result<Answer> {
        let (mut value, title, _) = self.send(self.request("GET", path), None)?;
        let head = take_head(&mut value)?;
        let view = match value.get(list_key) {
            Some(list) if value.as_object().is_some_and(|m| m.len() == 1) => list.clone(),
            _ => value,
        };
        Ok(Answer {
            title: title.unwrap_or_default(),
            view,
            head,
            list_key,
        })
    }

    /// `do` through the server.
    pub(super) fn run_do(
        &self,
        args: &DoArgs<'_>,
        on: Option<&str>,
        lines: &[(usize, Command)],
        actor: &str,
    ) -> anyhow::Result<ExitCode> {
        let commands: Vec<Value> = lines
            .iter()
            .map(|(_, c)| serde_json::to_value(c))
            .collect::<Result<_, _>>()?;
        let (path, program) = match args.program {
            "organization" | "org" => ("/api/organization/commands".to_string(), false),
            slug => (
                format!(
                    "/api/programs/{}/commands",
                    enc(slug.strip_prefix("program-").unwrap_or(slug))
                ),
                true,
            ),
        };
        let mut query = Vec::new();
        if let Some(v) = args.expect_version {
            query.push(format!("expected_version={v}"));
        }
        if args.dry_run {
            query.push("dry_run=true".to_string());
        }
        if let Some(on) = on {
            query.push(format!("on={}", enc(on)));
        }
        let path = if query.is_empty() {
            path
        } else {
            format!("{path}?{}", query.join("&"))
        };
        let mut req = self
            .request("POST", &path)
            .set("Content-Type", "application/json")
            .set("X-Baton-Actor", actor);
        if let Some(id) = args.command_id {
            req = req.set("Idempotency-Key", &id.to_string());
        }
        let body = serde_json::to_vec(&Value::Array(commands))?;
        let (mut value, _, _) = match self.send(req, Some(&body)) {
            Ok(v) => v,
            Err(e) => {
                // A rule broken inside a JSON Lines batch names the line of the file.
                if let Some(RemoteError { body, .. }) = e.downcast_ref::<RemoteError>() {
                    if let Some(index) = body["index"].as_u64() {
                        let line = lines
                            .get(index as usize - 1)
                            .map_or(index as usize, |(l, _)| *l);
                        let rule = body["message"].as_str().unwrap_or_default();
                        let rule = rule.split_once(": ").map_or(rule, |(_, r)| r);
                        anyhow::bail!("{} line {line}: {rule}", args.file);
                    }
                }
                return Err(e);
            }
        };
        take_head(&mut value)?;
        let result: RunResult = serde_json::from_value(value)?;
        print_run(&result, program, args.format)
    }

    /// `erase` through the server.
    pub(super) fn erase(
        &self,
        person: &str,
        actor: &str,
        format: Format,
    ) -> anyhow::Result<ExitCode> {
        let req = self
            .request("POST", &format!("/api/people/{}/erase", enc(person)))
            .set("X-Baton-Actor", actor);
        let (mut value, _, _) = self.send(req, None)?;
        let head = take_head(&mut value)?;
        let already = value["already_erased"] == true;
        super::program_cmds::print_erased(person, already, &head, format)
    }

    /// `verify` through the server.
    pub(super) fn verify(
        &self,
        noted: Option<(u64, record::Hash)>,
        head_text: Option<&str>,
        format: Format,
    ) -> anyhow::Result<ExitCode> {
        let path = match head_text {
            Some(h) => format!("/api/verify?head={}", enc(h)),
            None => "/api/verify".to_string(),
        };
        let (mut value, _, _) = self.send(self.request("GET", &path), None)?;
        let head = take_head(&mut value)?;
        let report: crate::store::verify::VerifyReport = serde_json::from_value(value)?;
        super::log_cmds::print_verify(&report, noted, head, format)
    }

    /// `export` through the server.
    pub(super) fn export(
        &self,
        program: Option<&str>,
        output: Option<&Path>,
    ) -> anyhow::Result<ExitCode> {
        let path = match program {
            Some(p) => format!("/api/export?program={}", enc(p)),
            None => "/api/export".to_string(),
        };
        let response = match self.request("GET", &path).call() {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => {
                let body: Value = serde_json::from_str(&r.into_string()?).unwrap_or(Value::Null);
                anyhow::bail!(
                    "{}",
                    body["message"].as_str().unwrap_or("the export failed")
                );
            }
            Err(e) => anyhow::bail!("the server at {} did not answer: {e}", self.file.url),
        };
        let head = response.header("x-baton-head").unwrap_or("").to_string();
        let mut bytes = Vec::new();
        response.into_reader().read_to_end(&mut bytes)?;
        let n = bytes.iter().filter(|b| **b == b'\n').count();
        match output {
            Some(path) => {
                let mut file = std::fs::File::create(path)?;
                file.write_all(&bytes)?;
                file.sync_all()?;
                eprintln!("exported {n} events to {}", path.display());
            }
            None => std::io::stdout().lock().write_all(&bytes)?,
        }
        eprintln!("head {head} (check it later with `baton verify --head`)");
        Ok(ExitCode::SUCCESS)
    }

    /// `import` through the server.
    pub(super) fn import(&self, file: &Path, args: &ImportArgs<'_>) -> anyhow::Result<ExitCode> {
        let bytes =
            std::fs::read(file).map_err(|e| anyhow::anyhow!("opening {}: {e}", file.display()))?;
        let mut query = vec![format!("append={}", args.append)];
        if args.accept_unverified_redactions {
            query.push("accept_unverified_redactions=true".into());
        }
        if let Some(h) = args.expect_head {
            query.push(format!("expect_head={}", enc(h)));
        }
        let req = self
            .request("POST", &format!("/api/import?{}", query.join("&")))
            .set("Content-Type", "application/x-ndjson")
            .set("X-Baton-Actor", args.actor);
        let (mut value, _, _) = self
            .send(req, Some(&bytes))
            .map_err(|e| anyhow::anyhow!("importing {}: {e}", file.display()))?;
        let head = take_head(&mut value)?;
        if args.format == Format::Json {
            super::print_json(value, &head)?;
            return Ok(ExitCode::SUCCESS);
        }
        let events = value["events"].as_u64().unwrap_or(0);
        let stored = value["stored"].as_u64().unwrap_or(0);
        if value["restored"] == true {
            tableln!(
                "restored {events} events through the server at {}",
                self.file.url
            )?;
        } else if stored == 0 && events > 0 {
            tableln!("all {events} events were already stored; nothing changed")?;
        } else {
            tableln!(
                "appended {stored} events through the server at {} in {} atomic chunks",
                self.file.url,
                value["chunks"]
            )?;
        }
        eprintln!("head {}:{}", head.last_seq, record::hex(&head.head_hash));
        Ok(ExitCode::SUCCESS)
    }

    /// `token` through the server.
    pub(super) fn token(&self, cmd: TokenCommand, actor: &str) -> anyhow::Result<ExitCode> {
        match cmd {
            TokenCommand::Create {
                role,
                name,
                programs,
                format,
            } => {
                let role = crate::access::Role::parse(&role)
                    .map_err(|e| anyhow::anyhow!("--role: {e}"))?;
                let name = name.unwrap_or_else(|| format!("{role} token"));
                let body = json!({"role": role, "name": name, "programs": programs});
                let req = self
                    .request("POST", "/api/tokens")
                    .set("Content-Type", "application/json")
                    .set("X-Baton-Actor", actor);
                let (value, _, _) = self.send(req, Some(&serde_json::to_vec(&body)?))?;
                let secret = value["secret"].as_str().unwrap_or_default().to_string();
                let info: TokenInfo = serde_json::from_value(value)?;
                print_new_token(&info, &secret, format)?;
            }
            TokenCommand::List { format } => {
                let (mut value, _, _) = self.send(self.request("GET", "/api/tokens"), None)?;
                let head = take_head(&mut value)?;
                let tokens: Vec<TokenInfo> = serde_json::from_value(value["tokens"].take())?;
                print_tokens(&tokens, head, format)?;
            }
            TokenCommand::Revoke { id, format } => {
                let req = self
                    .request("DELETE", &format!("/api/tokens/{}", enc(&id)))
                    .set("X-Baton-Actor", actor);
                let (value, _, _) = self.send(req, None)?;
                let info: TokenInfo = serde_json::from_value(value)?;
                super::serve_cmds::print_revoked(&info, format)?;
            }
        }
        Ok(ExitCode::SUCCESS)
    }
}

/// The server's error, with its JSON body.
#[derive(Debug)]
struct RemoteError {
    body: Value,
    message: String,
}

impl std::fmt::Display for RemoteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RemoteError {}

/// Removes and parses the `head` of an answer.
fn take_head(value: &mut Value) -> anyhow::Result<LogHead> {
    let head = value
        .as_object_mut()
        .and_then(|m| m.shift_remove("head"))
        .ok_or_else(|| anyhow::anyhow!("the server's answer has no head"))?;
    let hash = head["hash"]
        .as_str()
        .and_then(parse_hex)
        .ok_or_else(|| anyhow::anyhow!("the server's answer has a malformed head"))?;
    Ok(LogHead {
        last_seq: head["seq"].as_u64().unwrap_or(0),
        head_hash: hash,
    })
}
