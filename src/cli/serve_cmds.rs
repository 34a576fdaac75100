//! `serve` and `token`: Baton as a service, and the tokens that let people in.

use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Subcommand};

use super::args::Format;
use super::demo_cmd::{load_demo, starts_with_demo, Loaded};
use super::{lock_store, open_app, render};
use crate::access::Role;
use crate::app::{parse_as_of, App};
use crate::demo::DEMO_END;
use crate::server::{self, ServerFile};
use crate::store::SystemClock;

/// `baton serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Where to listen. Any address but loopback needs --public-url.
    #[arg(long, default_value = "127.0.0.1:7878")]
    pub addr: SocketAddr,
    /// Load the demo into an empty data directory and serve it (a directory that already
    /// holds the demo, with whatever was added since, is served as it is).
    #[arg(long)]
    pub demo: bool,
    /// Run at this business time: views read as of it and commands are dated it (the demo
    /// defaults to its story's last day).
    #[arg(long)]
    pub as_of: Option<String>,
    /// The HTTPS URL people reach the server at (behind a reverse proxy); needed to bind
    /// anything but loopback; cookies are then `Secure`.
    #[arg(long)]
    pub public_url: Option<String>,
}

/// `baton token …`.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Make a token; it is printed once, on the last line.
    Create {
        /// viewer, trainer, coordinator or admin.
        #[arg(long)]
        role: String,
        /// Who or what uses it (the actor of what it writes).
        #[arg(long)]
        name: Option<String>,
        /// Limit it to a program (repeatable; none: all programs).
        #[arg(long = "program")]
        programs: Vec<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// List every token ever made (never a secret).
    List {
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Revoke a token: it stops working at once.
    Revoke {
        /// The token's id (`tok-…`, see `baton token list`).
        id: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

pub(super) fn token(data: &Path, cmd: TokenCommand, actor: &str) -> anyhow::Result<ExitCode> {
    if let Some(remote) = super::remote::Remote::find(data)? {
        return remote.token(cmd, actor);
    }
    let app = open_app(data, false)?;
    match cmd {
        TokenCommand::Create {
            role,
            name,
            programs,
            format,
        } => {
            let role = Role::parse(&role).map_err(|e| anyhow::anyhow!("--role: {e}"))?;
            let name = name.unwrap_or_else(|| format!("{role} token"));
            let made = app.grant_token(role, &name, &programs, actor)?;
            print_new_token(&made.info, &made.secret, format)?;
        }
        TokenCommand::List { format } => {
            let (access, _) = app.access()?;
            print_tokens(&access.tokens(), app.store().head(), format)?;
        }
        TokenCommand::Revoke { id, format } => {
            let info = app.revoke_token(&id, actor)?;
            print_revoked(&info, format)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints a revoked token (as `DELETE /api/tokens/{id}` answers it, in JSON).
pub(super) fn print_revoked(info: &crate::access::TokenInfo, format: Format) -> anyhow::Result<()> {
    match format {
        Format::Json => outln!("{}", serde_json::to_string_pretty(info)?)?,
        Format::Table => tableln!("revoked {} ({}, {})", info.token, info.role, info.name)?,
    }
    Ok(())
}

/// Prints a new token, its secret alone on the last line (in JSON, as `POST /api/tokens`
/// answers it: the token with its `secret`).
pub(super) fn print_new_token(
    info: &crate::access::TokenInfo,
    secret: &str,
    format: Format,
) -> anyhow::Result<()> {
    if format == Format::Json {
        let mut value = serde_json::to_value(info)?;
        value["secret"] = secret.into();
        outln!("{}", serde_json::to_string_pretty(&value)?)?;
        return Ok(());
    }
    let limit = if info.programs.is_empty() {
        "all programs".to_string()
    } else {
        info.programs.join(", ")
    };
    tableln!(
        "made {} for {:?}: role {}, {limit}",
        info.token,
        info.name,
        info.role
    )?;
    tableln!("it is shown this once; send it as `Authorization: Bearer TOKEN`, or log in at /login?token=TOKEN")?;
    outln!("{secret}")?;
    Ok(())
}

/// Prints the token list.
pub(super) fn print_tokens(
    tokens: &[crate::access::TokenInfo],
    head: crate::store::LogHead,
    format: Format,
) -> anyhow::Result<()> {
    match format {
        Format::Json => outln!(
            "{}",
            serde_json::to_string_pretty(&render::with_head(
                serde_json::to_value(tokens)?,
                &head,
                "tokens"
            ))?
        )?,
        Format::Table => {
            tableln!("{}", render::title_with_head("Tokens", &head))?;
            if tokens.is_empty() {
                tableln!(
                    "no tokens yet (make one with `baton token create --role viewer --name …`)"
                )?;
            }
            for t in tokens {
                let state = match &t.revoked_at {
                    Some(at) => format!("revoked {at}"),
                    None => "live".to_string(),
                };
                let programs = if t.programs.is_empty() {
                    "all programs".to_string()
                } else {
                    t.programs.join(",")
                };
                tableln!(
                    "{:<16} {:<12} {:<24} {:<20} {state}",
                    t.token,
                    t.role.as_str(),
                    t.name,
                    programs
                )?;
            }
        }
    }
    Ok(())
}

pub(super) fn serve(data: &Path, args: ServeArgs) -> anyhow::Result<ExitCode> {
    let public_url = match &args.public_url {
        Some(url) if !url.starts_with("https://") => {
            anyhow::bail!("--public-url {url:?}: expected the https:// URL people reach the server at")
        }
        Some(url) => Some(url.trim_end_matches('/').to_string()),
        None if !args.addr.ip().is_loopback() => anyhow::bail!(
            "--addr {}: serving beyond this machine needs --public-url https://… (put it behind a reverse proxy with HTTPS; see the README)",
            args.addr
        ),
        None => None,
    };
    let locked = lock_store(data, args.demo)?;
    let store = Arc::new(locked.open_log()?);
    let mut default_at = None;
    if args.demo {
        match load_demo(store.as_ref())? {
            Loaded::Now(events) => println!("Loaded the demo into {}: {events} events.", data.display()),
            Loaded::Already => {}
            Loaded::Other(_) if starts_with_demo(store.as_ref()) => {}
            Loaded::Other(events) => anyhow::bail!(
                "--demo: {} holds another log ({events} events); serve it without --demo, or give an empty directory",
                data.display()
            ),
        }
        default_at = Some(DEMO_END.to_string());
    }
    let app = App::new(store.clone(), Arc::new(SystemClock));
    let at = match args.as_of.or(default_at) {
        Some(text) => Some(
            parse_as_of(&text, &app.organization()?.0)
                .map_err(|e| anyhow::anyhow!("--as-of: {e}"))?,
        ),
        None => None,
    };
    // The first start makes an admin token (printed once): the way in for other machines.
    let (access, _) = app.access()?;
    let new_admin = if access
        .tokens()
        .iter()
        .any(|t| t.role == Role::Admin && t.revoked_at.is_none())
    {
        None
    } else {
        Some(app.grant_token(Role::Admin, "admin", &[], "baton serve")?)
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.addr)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", args.addr))?;
        let addr = listener.local_addr()?;
        let url = public_url
            .clone()
            .unwrap_or_else(|| format!("http://{addr}"));
        let local = server::auth::random_secret().map_err(|e| anyhow::anyhow!(e.body.message))?;
        let state = server::state(app, store, at, url.clone(), public_url.is_some(), &local)?;
        let code = state
            .sessions()
            .new_code()
            .map_err(|e| anyhow::anyhow!(e.body.message))?;
        server::write_server_file(
            data,
            &ServerFile {
                url: format!("http://{addr}"),
                pid: std::process::id(),
                credential: local,
            },
        )?;
        let follower = server::spawn_follower(&state);
        let shutdown = state.inner.shutdown.clone();
        println!("Baton serves {} at {url}", data.display());
        match at {
            Some(t) => {
                println!("business time: as of {t} (views read as of it; commands are dated it)")
            }
            None => println!("business time: now"),
        }
        if let Some(made) = &new_admin {
            println!(
                "made an admin token ({}); it is shown this once:",
                made.info.token
            );
            println!("  {}", made.secret);
        }
        println!("log in: {url}/login?code={code}  (valid once, for 15 minutes)");
        println!("listening on http://{addr}");
        use std::io::Write;
        let _ = std::io::stdout().flush();
        let stop = shutdown.clone();
        tokio::spawn(async move {
            server::termination().await;
            eprintln!("shutting down: finishing the requests in flight");
            stop.cancel();
        });
        let result = server::run(listener, server::router(state.clone()), shutdown).await;
        follower.abort();
        let _ = std::fs::remove_file(data.join(server::SERVER_FILE));
        result?;
        eprintln!("stopped; everything acknowledged is in the log");
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(ExitCode::SUCCESS)
}
