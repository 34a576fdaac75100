//! A bounded load generator for `baton serve` (issue 10's targets; figures in `BENCHMARKS.md`).
//!
//! ```text
//! cargo bench --bench server
//! ```
//!
//! One process, one run, on loopback: the server is the real router over a real sled store
//! of the demo, listening on `127.0.0.1:0`; the clients are plain HTTP/1.1 keep-alive
//! connections written for this (no client library in the measured path).
//!
//! - **dashboard GET**, open loop: requests are *scheduled* at a fixed rate (5,000/s, then
//!   higher) over 32 connections for 3 s each; latency is measured from the scheduled time
//!   when a connection is still busy at it (so a server that falls behind is charged for the
//!   wait), else from the moment the request is sent (tokio's timer wakes the client up to a
//!   millisecond late, which is not the server's wait); p50/p99 and the rate achieved.
//!   The highest rate whose achieved rate is within 2 % of the schedule and whose p99 stays
//!   under 10 ms is reported as sustained.
//! - **command POST**, closed loop: 64 clients each send `LogPractice` commands to their own
//!   program for 3 s; against the store's own durable append rate with 64 appenders measured in
//!   the same run (raw `EventStore::append` of one event per request, each to its own stream).
//!
//! Every phase is bounded in time and count.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use baton::app::{App, RunOptions};
use baton::domain::Command;
use baton::store::{AppendRequest, EventStore, NewEvent, SledStore, StoreConfig, SystemClock};
use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

const PHASE: Duration = Duration::from_secs(3);
const GET_CONNECTIONS: usize = 32;
const POST_CLIENTS: usize = 64;
const MAX_REQUESTS: u64 = 200_000;

fn tmp_dir(name: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(name)
        .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
        .expect("a temp dir")
}

/// A keep-alive HTTP/1.1 connection that sends one request at a time.
struct Conn {
    reader: BufReader<tokio::net::tcp::OwnedReadHalf>,
    writer: tokio::net::tcp::OwnedWriteHalf,
    line: String,
    body: Vec<u8>,
}

impl Conn {
    async fn open(addr: SocketAddr) -> Conn {
        let stream = TcpStream::connect(addr).await.expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        let (r, w) = stream.into_split();
        Conn {
            reader: BufReader::new(r),
            writer: w,
            line: String::new(),
            body: Vec::new(),
        }
    }

    /// Sends a request and reads the whole response; returns the status.
    async fn send(&mut self, request: &[u8]) -> u16 {
        self.writer.write_all(request).await.expect("write");
        self.line.clear();
        self.reader
            .read_line(&mut self.line)
            .await
            .expect("status line");
        let status = self
            .line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let mut length = 0usize;
        loop {
            self.line.clear();
            self.reader.read_line(&mut self.line).await.expect("header");
            let l = self.line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((k, v)) = l.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
        }
        self.body.resize(length, 0);
        self.reader.read_exact(&mut self.body).await.expect("body");
        status
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

struct GetRun {
    /// Whether the client accepted gzip (as browsers and `curl --compressed` do).
    gzip: bool,
    target: u64,
    achieved: f64,
    p50: Duration,
    p99: Duration,
    errors: u64,
}

/// Open-loop GETs at `rate` per second for [`PHASE`], accepting gzip or not.
async fn dashboard_at(addr: SocketAddr, token: &str, rate: u64, gzip: bool) -> GetRun {
    let accept = if gzip {
        "Accept-Encoding: gzip\r\n"
    } else {
        ""
    };
    let request = format!(
        "GET /api/programs/ils-rollout/dashboard HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n{accept}\r\n"
    )
    .into_bytes();
    let total = (rate * PHASE.as_secs()).min(MAX_REQUESTS);
    let interval = Duration::from_secs_f64(1.0 / rate as f64);
    let start = Instant::now() + Duration::from_millis(50);
    let next = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..GET_CONNECTIONS {
        let (request, next, errors) = (request.clone(), next.clone(), errors.clone());
        tasks.push(tokio::spawn(async move {
            let mut conn = Conn::open(addr).await;
            let mut latencies = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total {
                    break;
                }
                let scheduled = start + interval.mul_f64(i as f64);
                // Latency counts from the scheduled time when the request is late because this
                // connection was still busy (the server's doing), but from the moment it was
                // sent when the client slept until its time: tokio's timer wakes up to a
                // millisecond late, and that lateness is the load generator's, not the server's.
                let from = if scheduled > Instant::now() {
                    tokio::time::sleep_until(scheduled.into()).await;
                    Instant::now()
                } else {
                    scheduled
                };
                if conn.send(&request).await != 200 {
                    errors.fetch_add(1, Ordering::Relaxed);
                }
                latencies.push(from.elapsed());
            }
            latencies
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("client"));
    }
    let elapsed = start.elapsed();
    all.sort();
    GetRun {
        gzip,
        target: rate,
        achieved: all.len() as f64 / elapsed.as_secs_f64(),
        p50: percentile(&all, 0.50),
        p99: percentile(&all, 0.99),
        errors: errors.load(Ordering::Relaxed),
    }
}

/// Closed-loop POSTs from [`POST_CLIENTS`] clients, each to its own program, for [`PHASE`].
async fn commands(addr: SocketAddr, token: &str) -> (f64, Duration, Duration, u64) {
    let stop = Arc::new(AtomicBool::new(false));
    let errors = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    let start = Instant::now();
    for c in 0..POST_CLIENTS {
        let (stop, errors, token) = (stop.clone(), errors.clone(), token.to_string());
        tasks.push(tokio::spawn(async move {
            let mut conn = Conn::open(addr).await;
            let mut latencies = Vec::new();
            let mut i = 0u32;
            while !stop.load(Ordering::Relaxed) && latencies.len() < 20_000 {
                i += 1;
                let body = json!({"type": "LogPractice", "person": "elise-joly", "skill": "catalogue-search",
                                  "kind": "sandbox", "minutes": 1 + i % 600, "on": "2026-10-30"})
                    .to_string();
                let request = format!(
                    "POST /api/programs/bench-{c}/commands HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                    body.len()
                );
                let sent = Instant::now();
                if conn.send(request.as_bytes()).await != 201 {
                    errors.fetch_add(1, Ordering::Relaxed);
                }
                latencies.push(sent.elapsed());
            }
            latencies
        }));
    }
    tokio::time::sleep(PHASE).await;
    stop.store(true, Ordering::Relaxed);
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("client"));
    }
    let rate = all.len() as f64 / start.elapsed().as_secs_f64();
    all.sort();
    (
        rate,
        percentile(&all, 0.5),
        percentile(&all, 0.99),
        errors.load(Ordering::Relaxed),
    )
}

/// The store's own durable append rate with 64 appenders, one event per append, each to its
/// own stream, for [`PHASE`].
fn store_rate() -> f64 {
    let dir = tmp_dir("bench-server-store");
    let store = Arc::new(SledStore::open(dir.path()).expect("store"));
    let stop = Arc::new(AtomicBool::new(false));
    let count = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let threads: Vec<_> = (0..POST_CLIENTS)
        .map(|t| {
            let (store, stop, count) = (store.clone(), stop.clone(), count.clone());
            std::thread::spawn(move || {
                let mut n = 0u64;
                while !stop.load(Ordering::Relaxed) && n < 20_000 {
                    n += 1;
                    let event = NewEvent::new(
                        format!("program-bench-{t}"),
                        "PracticeLogged",
                        1,
                        json!({"kind": "sandbox", "minutes": n % 600, "on": "2026-10-30", "person": "elise-joly", "skill": "catalogue-search"}),
                    );
                    store.append(AppendRequest::new("bench", vec![event])).expect("append");
                    count.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    std::thread::sleep(PHASE);
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        t.join().expect("appender");
    }
    count.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    // `cargo bench` passes `--bench`, which is ignored. `BATON_BENCH_POST_ONLY=1` skips the
    // GET phases (to profile the POST phase alone).
    let post_only = std::env::var_os("BATON_BENCH_POST_ONLY").is_some();
    let dir = tmp_dir("bench-server");
    let store = Arc::new(
        SledStore::open_with(
            dir.path(),
            StoreConfig {
                create: true,
                ..StoreConfig::default()
            },
        )
        .expect("store"),
    );
    let demo =
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/demo.jsonl")).expect("demo");
    baton::store::jsonl::import(store.as_ref(), &mut demo.as_slice(), false, "bench")
        .expect("demo import");
    let app = App::new(store.clone(), Arc::new(SystemClock));
    for c in 0..POST_CLIENTS {
        let create = Command::from_json(&json!({"type": "CreateProgram", "program": format!("bench-{c}"), "kind": "training", "title": "Bench"})).expect("command");
        let enrol = Command::from_json(&json!({"type": "EnrolLearner", "person": "elise-joly"}))
            .expect("command");
        app.run(
            Some(&format!("bench-{c}")),
            &[create, enrol],
            &RunOptions {
                actor: "bench".into(),
                ..RunOptions::default()
            },
        )
        .expect("bench program");
    }
    let token = app
        .grant_token(baton::access::Role::Admin, "bench", &[], "bench")
        .expect("token")
        .secret;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (gets, posts) = runtime.block_on(async {
        let state = baton::server::state(
            app,
            store.clone(),
            None,
            "http://127.0.0.1".into(),
            false,
            &"L".repeat(43),
        )
        .expect("state");
        let follower = baton::server::spawn_follower(&state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let shutdown = state.inner.shutdown.clone();
        let server = tokio::spawn(baton::server::run(
            listener,
            baton::server::router(state),
            shutdown.clone(),
        ));
        // Warm up (the dashboard fold and the connections).
        let _ = dashboard_at(addr, &token, 500, false).await;
        {
            // The gzip phases measure gzipped bodies: check that they are.
            let mut conn = Conn::open(addr).await;
            let request = format!(
                "GET /api/programs/ils-rollout/dashboard HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nAccept-Encoding: gzip\r\n\r\n"
            );
            assert_eq!(conn.send(request.as_bytes()).await, 200);
            assert_eq!(conn.body.get(..2), Some(&[0x1f, 0x8b][..]), "a gzip body");
            println!("dashboard body gzipped: {} bytes", conn.body.len());
        }
        let mut gets = Vec::new();
        // Side by side: the whole JSON, then the same view gzipped (compressed once per head).
        for gzip in [false, true].into_iter().filter(|_| !post_only) {
            for rate in [5_000, 7_500, 10_000, 15_000, 20_000] {
                let run = dashboard_at(addr, &token, rate, gzip).await;
                let sustained =
                    run.achieved >= 0.98 * rate as f64 && run.p99 < Duration::from_millis(10);
                gets.push(run);
                if !sustained {
                    break;
                }
            }
        }
        eprintln!("POST phase starts");
        let posts = commands(addr, &token).await;
        eprintln!("POST phase ends");
        shutdown.cancel();
        let _ = server.await;
        follower.abort();
        (gets, posts)
    });
    let appends = store_rate();
    println!(
        "\nbaton serve on loopback ({} cores)",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!(
        "dashboard GET, open loop over {GET_CONNECTIONS} connections, {} s per rate:",
        PHASE.as_secs()
    );
    println!(
        "  {:>8} {:>8} {:>10} {:>9} {:>9} {:>7}",
        "body", "target/s", "achieved/s", "p50 ms", "p99 ms", "errors"
    );
    for g in &gets {
        println!(
            "  {:>8} {:>8} {:>10.0} {:>9.3} {:>9.3} {:>7}",
            if g.gzip { "gzip" } else { "identity" },
            g.target,
            g.achieved,
            g.p50.as_secs_f64() * 1e3,
            g.p99.as_secs_f64() * 1e3,
            g.errors
        );
    }
    for gzip in [false, true] {
        let sustained = gets
            .iter()
            .filter(|g| {
                g.gzip == gzip
                    && g.achieved >= 0.98 * g.target as f64
                    && g.p99 < Duration::from_millis(10)
            })
            .map(|g| g.target)
            .max();
        println!(
            "  highest rate sustained, {} (achieved within 2 %, p99 < 10 ms): {sustained:?}",
            if gzip { "gzip" } else { "identity" }
        );
    }
    let (rate, p50, p99, errors) = posts;
    println!(
        "command POST, {POST_CLIENTS} clients closed loop, {} s:",
        PHASE.as_secs()
    );
    println!(
        "  {rate:.0} commands/s, p50 {:.2} ms, p99 {:.2} ms, {errors} errors",
        p50.as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3
    );
    println!("store's own durable appends, {POST_CLIENTS} appenders: {appends:.0} events/s");
    println!(
        "  ratio POST / store: {:.2} (target >= 0.50)",
        rate / appends
    );
}
