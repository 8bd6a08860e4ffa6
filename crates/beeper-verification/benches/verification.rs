//! `cargo bench -p beeper-verification`: the cost of a call, of waiting, and of many waiters,
//! side by side in one run on loopback, printed as Markdown tables for BENCHMARKS.md.
//!
//! A plain `harness = false` program rather than criterion: most figures here are not
//! "time per iteration" (they are percentiles of detection latency, requests per minute, peak
//! memory and open connections of a whole scenario), and criterion's statistics would cover
//! only the first table.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use beeper_verification::{Client, VerificationState, WaitOptions};
use beeper_verification_client::types as wire;
use beeper_verification_client::{RequestHooks, ResponseValue};
use beeper_verification_fake::FakeServer;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};

const TOKEN: &str = "bench-token";
const FIXTURE: &str = include_str!("../tests/fixtures/verification-response.json");

fn main() {
    // `cargo bench` passes `--bench`; a name filter may follow.
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let wanted = |name: &str| filter.is_empty() || filter.iter().any(|f| name.contains(f.as_str()));
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!("# beeper-verification benchmarks\n");
    println!(
        "Machine: {cores} cores, {} MiB memory. Loopback only.\n",
        total_memory_mib().unwrap_or(0)
    );
    if wanted("per_call") {
        per_call();
    }
    if wanted("waiting") {
        waiting();
    }
    if wanted("many_waiters") {
        many_waiters(&[1_000, 10_000]);
    }
    if wanted("huge_error") {
        huge_error_fanout(500);
    }
    if wanted("codegen") {
        codegen();
    }
}

// --- 4. One huge error, many listeners ---------------------------------------------------------

/// A server whose every answer is a 404 with a message of about 1 MB.
fn huge_error_server() -> String {
    use axum::routing::get;
    serve_on_a_thread(|| {
        let body =
            serde_json::json!({"code": "NOT_FOUND", "message": "x".repeat(1_000_000)}).to_string();
        axum::Router::new().fallback(get(move || {
            let body = body.clone();
            async move {
                (
                    axum::http::StatusCode::NOT_FOUND,
                    [(axum::http::header::CONTENT_TYPE, "application/json")],
                    body,
                )
            }
        }))
    })
}

/// Serves the router `app` makes on 127.0.0.1, on a thread and runtime of its own so that the
/// client measured does not share them; its base URL.
fn serve_on_a_thread(app: impl FnOnce() -> axum::Router + Send + 'static) -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            let _ = tx.send(listener.local_addr().expect("address"));
            let _ = axum::serve(listener, app()).await;
        });
    });
    format!("http://{}", rx.recv().expect("the server started"))
}

/// `waiters` wait on one verification whose poll answers a 1 MB 404; each gets the error, and
/// all are held at once. Prints how much the process grew (resident set, not the high-water
/// mark, so the earlier sections do not count).
fn huge_error_fanout(waiters: usize) {
    println!("## One 1 MB error, {waiters} waiters\n");
    let base = huge_error_server();
    let rt = runtime();
    let before = proc_status_mib("VmRSS:").unwrap_or(0.0);
    let (held, after) = rt.block_on(async {
        let client = Client::builder()
            .base_url(&base)
            .access_token(TOKEN)
            .build()
            .expect("client");
        let waits: Vec<_> = (0..waiters)
            .map(|_| {
                let handle = client.verification("v1");
                tokio::spawn(async move { handle.wait_until(VerificationState::Done).await })
            })
            .collect();
        let mut errors = Vec::with_capacity(waiters);
        for wait in waits {
            if let Ok(Err(e)) = wait.await {
                errors.push(e);
            }
        }
        let after = proc_status_mib("VmRSS:").unwrap_or(0.0);
        (errors.len(), after)
    });
    println!("| waiters holding the error | resident set before | after | growth |");
    println!("| --- | --- | --- | --- |");
    println!(
        "| {held} | {before:.0} MiB | {after:.0} MiB | {:.0} MiB |\n",
        after - before
    );
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime")
}

// --- 1. Per-call overhead --------------------------------------------------------------------

/// A server that answers `GET /v1/app/setup/verifications/{id}` with the documentation's
/// example response as a fixed body: the floor every client competes on. It runs on a thread
/// of its own, as Beeper Desktop runs in a process of its own.
fn fixed_body_server() -> String {
    use axum::routing::get;
    serve_on_a_thread(|| {
        axum::Router::new().route(
            "/v1/app/setup/verifications/{id}",
            get(|| async {
                (
                    [(axum::http::header::CONTENT_TYPE, "application/json")],
                    FIXTURE,
                )
            }),
        )
    })
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(index).copied().unwrap_or_default()
}

fn micros(d: Duration) -> String {
    format!("{:.1} µs", d.as_secs_f64() * 1e6)
}

struct Series {
    name: &'static str,
    samples: Vec<Duration>,
    total: Duration,
}

impl Series {
    fn median(&mut self) -> Duration {
        self.samples.sort_unstable();
        percentile(&self.samples, 0.5)
    }
}

fn per_call() {
    const WARMUP: usize = 300;
    const ROUNDS: usize = 15;
    const PER_ROUND: usize = 300;
    let base = fixed_body_server();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let wrapper = Client::builder().base_url(&base).access_token(TOKEN).build().expect("client");
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, HeaderValue::from_static("Bearer bench-token"));
        let generated =
            beeper_verification_client::Client::new_with_client(&base, reqwest::Client::new(), RequestHooks::new(headers.clone()));
        let plain = reqwest::Client::builder().default_headers(headers).build().expect("reqwest");
        // The example response is about verification `id`; the wrapper refuses an answer about
        // another one.
        let url = format!("{base}/v1/app/setup/verifications/id");
        let id: wire::GetVerificationVerificationId = "id".parse().expect("id");

        let wrapper_call = || async { wrapper.verification("id").get().await.map(|_| ()).map_err(|e| e.to_string()) };
        let generated_call = || async { generated.get_verification(&id).await.map(ResponseValue::into_inner).map(|_| ()).map_err(|e| e.to_string()) };
        let plain_call = || async {
            let response = plain.get(&url).send().await.map_err(|e| e.to_string())?;
            let bytes = response.bytes().await.map_err(|e| e.to_string())?;
            serde_json::from_slice::<wire::VerificationSessionResponse>(&bytes).map(|_| ()).map_err(|e| e.to_string())
        };
        for _ in 0..WARMUP {
            wrapper_call().await.expect("wrapper");
            generated_call().await.expect("generated");
            plain_call().await.expect("reqwest");
        }
        let mut round_ratios: Vec<(f64, f64)> = Vec::new();
        let mut series = [
            Series { name: "wrapper (`client.verification(id).get`)", samples: vec![], total: Duration::ZERO },
            Series { name: "generated client (`get_verification`)", samples: vec![], total: Duration::ZERO },
            Series { name: "plain reqwest + serde_json", samples: vec![], total: Duration::ZERO },
        ];
        // Interleaved rounds, so that drift in the machine's load hits all three alike; the
        // ratios are the median of the rounds' ratios of medians.
        for _ in 0..ROUNDS {
            let mut medians = [Duration::ZERO; 3];
            for (index, s) in series.iter_mut().enumerate() {
                let mut round_samples = Vec::with_capacity(PER_ROUND);
                let round = Instant::now();
                for _ in 0..PER_ROUND {
                    let started = Instant::now();
                    let result = match index {
                        0 => wrapper_call().await,
                        1 => generated_call().await,
                        _ => plain_call().await,
                    };
                    result.expect("call");
                    round_samples.push(started.elapsed());
                }
                s.total += round.elapsed();
                round_samples.sort_unstable();
                medians[index] = percentile(&round_samples, 0.5);
                s.samples.extend(round_samples);
            }
            let plain = medians[2].as_secs_f64();
            round_ratios.push((medians[0].as_secs_f64() / plain, medians[1].as_secs_f64() / plain));
        }
        println!("## 1. Per-call overhead: one GET of a verification against a fixed-body server\n");
        println!("{} sequential calls per client on one connection, in {ROUNDS} interleaved rounds.\n", ROUNDS * PER_ROUND);
        println!("| client | calls/s | median | p99 |");
        println!("| --- | ---: | ---: | ---: |");
        for s in &mut series {
            let median = s.median();
            let p99 = percentile(&s.samples, 0.99);
            let rate = s.samples.len() as f64 / s.total.as_secs_f64();
            println!("| {} | {rate:.0} | {} | {} |", s.name, micros(median), micros(p99));
        }
        let median_of = |mut values: Vec<f64>| {
            values.sort_by(f64::total_cmp);
            values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
        };
        let wrapper = median_of(round_ratios.iter().map(|r| r.0).collect());
        let generated = median_of(round_ratios.iter().map(|r| r.1).collect());
        println!();
        println!("Ratio of medians, median over the rounds: wrapper/reqwest **{wrapper:.3}**; generated/reqwest **{generated:.3}**.\n");
    });
}

// --- 2. Waiting ------------------------------------------------------------------------------

fn waiting() {
    const SAMPLES: usize = 1000;
    let configs = [
        (
            "100 ms",
            Duration::from_millis(100),
            "500 ms",
            Duration::from_millis(500),
        ),
        (
            "250 ms (default)",
            Duration::from_millis(250),
            "2 s (default)",
            Duration::from_secs(2),
        ),
        (
            "500 ms",
            Duration::from_millis(500),
            "5 s",
            Duration::from_secs(5),
        ),
        (
            "1 s",
            Duration::from_secs(1),
            "10 s",
            Duration::from_secs(10),
        ),
    ];
    println!("## 2. Waiting: detection latency and requests spent\n");
    println!(
        "{SAMPLES} waits per row. Each verification changes state at a random moment 0–10 s after the wait \
         starts; detection latency is the time from the change to `wait_until` returning. Run on tokio's \
         paused clock (the fake's timers too), so the figures are the polling schedule's, free of machine noise.\n"
    );
    println!(
        "| min_delay | max_delay | median detection | p99 detection | worst | requests per minute of waiting | requests per minute of steady waiting |"
    );
    println!("| --- | --- | ---: | ---: | ---: | ---: | ---: |");
    for (min_name, min_delay, max_name, max_delay) in configs {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .start_paused(true)
            .build()
            .expect("runtime");
        let (mut latencies, requests, waited) = rt.block_on(async move {
            let server = FakeServer::builder()
                .record_size(0)
                .start()
                .await
                .expect("fake");
            let options = WaitOptions::default()
                .min_delay(min_delay)
                .max_delay(max_delay);
            let client = Client::builder()
                .base_url(server.base_url())
                .access_token(server.token())
                .timeout(Duration::from_secs(3600))
                .wait_options(options)
                .build()
                .expect("client");
            let mut rng = fastrand::Rng::with_seed(42);
            let mut latencies = Vec::with_capacity(SAMPLES);
            let mut waited = Duration::ZERO;
            let before = server.request_count() + SAMPLES as u64;
            for _ in 0..SAMPLES {
                // An outgoing request, which the other device accepts at the random moment.
                let created = client
                    .verifications()
                    .create(Default::default())
                    .await
                    .expect("created");
                let id = created.id;
                let change_after = Duration::from_millis(rng.u64(0..10_000));
                let started = tokio::time::Instant::now();
                let peer = server.peer();
                let accept_id = id.clone();
                let changed_at = tokio::spawn(async move {
                    tokio::time::sleep(change_after).await;
                    peer.accept(&accept_id).expect("the other device accepts");
                    tokio::time::Instant::now()
                });
                client
                    .verification(&id)
                    .wait_until(VerificationState::Ready)
                    .await
                    .expect("ready");
                let done = tokio::time::Instant::now();
                let changed = changed_at.await.expect("joined");
                latencies.push(done.saturating_duration_since(changed));
                waited += done - started;
            }
            (latencies, server.request_count() - before, waited)
        });
        latencies.sort_unstable();
        let per_minute = requests as f64 / (waited.as_secs_f64() / 60.0);
        let options = WaitOptions::default()
            .min_delay(min_delay)
            .max_delay(max_delay);
        let steady = steady_requests_per_minute(1, options);
        println!(
            "| {min_name} | {max_name} | {:.0} ms | {:.0} ms | {:.0} ms | {per_minute:.0} | {steady} |",
            percentile(&latencies, 0.5).as_secs_f64() * 1e3,
            percentile(&latencies, 0.99).as_secs_f64() * 1e3,
            latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
        );
    }
    println!();
    println!("### Listeners on one verification, in one client\n");
    println!(
        "N waiters (`wait_until(Done)`) on one verification that does not change, for ten minutes of \
         the paused clock, at the default settings. They share one polling loop.\n"
    );
    println!("| listeners | requests per minute at the fake |");
    println!("| ---: | ---: |");
    for listeners in [1, 10, 100] {
        let rpm = steady_requests_per_minute(listeners, WaitOptions::default());
        println!("| {listeners} | {rpm} |");
    }
    println!();
    never_answering();
}

/// The requests per minute the fake gets while `listeners` wait on one verification that
/// never changes, for ten minutes of the paused clock.
fn steady_requests_per_minute(listeners: usize, options: WaitOptions) -> u64 {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .expect("runtime");
    rt.block_on(async move {
        let server = FakeServer::builder()
            .record_size(0)
            .start()
            .await
            .expect("fake");
        let client = Client::builder()
            .base_url(server.base_url())
            .access_token(server.token())
            .timeout(Duration::from_secs(3600))
            .wait_options(options)
            .build()
            .expect("client");
        let id = server.peer().request();
        let waits: Vec<_> = (0..listeners)
            .map(|_| {
                let handle = client.verification(&id);
                tokio::spawn(async move { handle.wait_until(VerificationState::Done).await })
            })
            .collect();
        let before = server.request_count();
        tokio::time::sleep(Duration::from_secs(600)).await;
        let requests = server.request_count() - before;
        for wait in waits {
            wait.abort();
        }
        requests / 10
    })
}

/// A wait with `max_wait` of 1 s against a server that accepts connections and never answers,
/// on the real clock: how long it takes to give up.
fn never_answering() {
    println!("### A server that never answers\n");
    println!(
        "`wait_until(Done)` with `max_wait` 1 s and the client's defaults (30 s per attempt, 2 \
         retries), against a loopback server that accepts every connection and never answers. \
         Real clock, 5 runs.\n"
    );
    let rt = runtime();
    let times: Vec<Duration> = rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base_url = format!("http://{}", listener.local_addr().expect("address"));
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((socket, _)) = listener.accept().await {
                held.push(socket); // never answered, never closed
            }
        });
        let client = Client::builder()
            .base_url(&base_url)
            .access_token(TOKEN)
            .wait_options(WaitOptions::default().max_wait(Duration::from_secs(1)))
            .build()
            .expect("client");
        let mut times = Vec::new();
        for _ in 0..5 {
            let started = Instant::now();
            let result = client
                .verification("v1")
                .wait_until(VerificationState::Done)
                .await;
            assert!(result.is_err(), "nothing answers");
            times.push(started.elapsed());
        }
        times
    });
    let mut sorted = times.clone();
    sorted.sort_unstable();
    println!("| median | worst | goal |");
    println!("| ---: | ---: | ---: |");
    println!(
        "| {:.0} ms | {:.0} ms | under 1100 ms |\n",
        percentile(&sorted, 0.5).as_secs_f64() * 1e3,
        sorted.last().copied().unwrap_or_default().as_secs_f64() * 1e3
    );
}

// --- 3. Many waiters -------------------------------------------------------------------------

/// A value of /proc/self/status in MiB (VmHWM is the peak resident set).
fn proc_status_mib(key: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(key))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn total_memory_mib() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let kib: u64 = info
        .lines()
        .next()?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(kib / 1024)
}

/// Established client connections to `port` (the fake's), from /proc/net/tcp.
fn connections_to(port: u16) -> usize {
    let want = format!(":{port:04X}");
    let count = |file: &str| {
        std::fs::read_to_string(file)
            .map(|text| {
                text.lines()
                    .skip(1)
                    .filter(|line| {
                        let fields: Vec<&str> = line.split_whitespace().collect();
                        fields.len() > 3 && fields[2].ends_with(&want) && fields[3] == "01"
                    })
                    .count()
            })
            .unwrap_or(0)
    };
    count("/proc/net/tcp") + count("/proc/net/tcp6")
}

fn many_waiters(counts: &[usize]) {
    println!("## 3. Many waiters on one `Client`\n");
    println!(
        "N waiters, one per verification, on one client with the default settings, against the fake in \
         the same process (its request record off). Each verification becomes ready at a random moment \
         0–5 s after all waiters started. Real clock.\n"
    );
    println!(
        "| waiters | wall time | requests/s | median detection | worst detection | peak memory (process) | memory before waiters | peak open connections |"
    );
    println!("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for &n in counts {
        let rt = runtime();
        rt.block_on(async move {
            let server = FakeServer::builder().record_size(0).max_verifications(n).start().await.expect("fake");
            let port: u16 = server.base_url().rsplit(':').next().and_then(|p| p.parse().ok()).unwrap_or(0);
            let client = Client::builder().base_url(server.base_url()).access_token(server.token()).build().expect("client");
            let mut ids = Vec::with_capacity(n);
            for _ in 0..n {
                let created = client.verifications().create(Default::default()).await.expect("created");
                ids.push(created.id);
            }
            let memory_before = proc_status_mib("VmRSS:").unwrap_or(0.0);
            let peak_connections = Arc::new(AtomicUsize::new(0));
            let sampler = tokio::spawn({
                let peak = Arc::clone(&peak_connections);
                async move {
                    loop {
                        peak.fetch_max(connections_to(port), Ordering::Relaxed);
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                }
            });
            let started = Instant::now();
            let before = server.request_count();
            let mut rng = fastrand::Rng::with_seed(7);
            let mut tasks = tokio::task::JoinSet::new();
            for id in &ids {
                let change_after = Duration::from_millis(rng.u64(0..5_000));
                let handle = client.verification(id);
                let peer = server.peer();
                let id = id.clone();
                tasks.spawn(async move {
                    let changed = tokio::spawn(async move {
                        tokio::time::sleep(change_after).await;
                        peer.accept(&id).expect("the other device accepts");
                        Instant::now()
                    });
                    let result = handle.wait_until(VerificationState::Ready).await;
                    let done = Instant::now();
                    let changed = changed.await.ok();
                    (result.is_ok(), changed.map(|c| done.saturating_duration_since(c)))
                });
            }
            let mut latencies = Vec::with_capacity(n);
            let mut failed = 0;
            while let Some(joined) = tasks.join_next().await {
                match joined {
                    Ok((true, Some(latency))) => latencies.push(latency),
                    _ => failed += 1,
                }
            }
            let wall = started.elapsed();
            sampler.abort();
            let requests = server.request_count() - before;
            latencies.sort_unstable();
            let peak = proc_status_mib("VmHWM:").unwrap_or(0.0);
            println!(
                "| {n} | {:.1} s | {:.0} | {:.0} ms | {:.0} ms | {peak:.0} MiB | {memory_before:.0} MiB | {} |{}",
                wall.as_secs_f64(),
                requests as f64 / wall.as_secs_f64(),
                percentile(&latencies, 0.5).as_secs_f64() * 1e3,
                latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
                peak_connections.load(Ordering::Relaxed),
                if failed > 0 { format!(" {failed} waiters failed!") } else { String::new() },
            );
        });
    }
    println!(
        "\nPeak memory is the whole process's high-water mark (VmHWM), fake server included, and it only grows: the 10,000 row includes everything before it.\n"
    );
}

// --- 4. Codegen ------------------------------------------------------------------------------

fn codegen() {
    println!("## 4. Code generation\n");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let xtask = root.join("target/release/xtask");
    let xtask = if xtask.exists() {
        xtask
    } else {
        root.join("target/debug/xtask")
    };
    if !xtask.exists() {
        println!(
            "Skipped: build the xtask first (`cargo build -p xtask`), then run the benchmarks again.\n"
        );
        return;
    }
    println!(
        "From the xtask's own timer (`{}`), 5 runs each, median:\n",
        xtask.strip_prefix(&root).unwrap_or(&xtask).display()
    );
    println!("| command | median | lines generated |");
    println!("| --- | ---: | ---: |");
    for args in [&["generate"][..], &["generate", "--check"][..]] {
        let mut times = Vec::new();
        let mut lines = String::new();
        for _ in 0..5 {
            let Ok(output) = std::process::Command::new(&xtask).args(args).output() else {
                continue;
            };
            let text = String::from_utf8_lossy(&output.stdout).into_owned();
            // "... 3153 lines ... in 57 ms"
            let last = text.lines().last().unwrap_or_default().to_owned();
            let words: Vec<&str> = last.split_whitespace().collect();
            if let Some(ms) = words
                .iter()
                .rposition(|w| *w == "ms")
                .and_then(|i| words.get(i - 1))
                .and_then(|v| v.parse::<u64>().ok())
            {
                times.push(ms);
            }
            if let Some(i) = words.iter().position(|w| *w == "lines") {
                lines = words
                    .get(i.wrapping_sub(1))
                    .copied()
                    .unwrap_or_default()
                    .to_owned();
            }
        }
        times.sort_unstable();
        let median = times.get(times.len() / 2).copied().unwrap_or_default();
        println!(
            "| `cargo xtask {}` | {median} ms | {lines} |",
            args.join(" ")
        );
    }
    println!();
}
