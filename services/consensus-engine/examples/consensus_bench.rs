//! Benchmark: Decide with 12 in-process voters answering at once over gRPC on loopback,
//! against the bare round trips (12 parallel Vote calls without the engine), measured
//! in the same run: latency at a fixed rate (p50, p99, max; late ticks fire at once, so
//! the schedule holds and a stall shows as a burst) and throughput with concurrent
//! callers. Every decision is checked to be stored.
//!
//! `cargo run --release -p consensus-engine --example consensus_bench`
//!
//! Needs the test Postgres (`QUORUM_TEST_DATABASE_URL`) and `redis-server` on PATH;
//! `scripts/bench.sh consensus` provides both.
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Parser;
use consensus_engine::{Config, SERVICE, start};
use futures::future::join_all;
use quorum_kit::KitConfig;
use quorum_proto::ai::v1 as ai;
use quorum_proto::ai::v1::consensus_service_client::ConsensusServiceClient;
use quorum_proto::ai::v1::voter_client::VoterClient;
use quorum_proto::ai::v1::voter_server::{Voter, VoterServer};
use quorum_testkit::{TestDatabase, TestRedis, TestServer, with_token};
use tokio::time::MissedTickBehavior;
use tonic::transport::{Channel, Server};
use tonic::{Request, Response, Status};

#[derive(Debug, Parser)]
#[command(about = "consensus-engine: Decide latency and throughput against bare round trips")]
struct Args {
    /// Voters asked by every decision.
    #[arg(long, default_value_t = 12)]
    voters: usize,
    /// Calls per second in the fixed-rate runs.
    #[arg(long, default_value_t = 200)]
    rate: u32,
    /// Length of each fixed-rate run.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Concurrent callers in the throughput runs.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Length of each throughput run.
    #[arg(long, default_value_t = 5)]
    throughput_seconds: u64,
}

/// A voter that answers BUY at once.
#[derive(Debug, Clone)]
struct QuickVoter;

#[tonic::async_trait]
impl Voter for QuickVoter {
    async fn vote(
        &self,
        _request: Request<ai::VoteRequest>,
    ) -> Result<Response<ai::VoteResponse>, Status> {
        Ok(Response::new(ai::VoteResponse {
            ballot: Some(ai::Ballot {
                decision: ai::Decision::Buy.into(),
                confidence: 0.8,
                rationale: "momentum is up".into(),
                ..Default::default()
            }),
        }))
    }

    async fn describe_voter(
        &self,
        _request: Request<ai::DescribeVoterRequest>,
    ) -> Result<Response<ai::DescribeVoterResponse>, Status> {
        Ok(Response::new(ai::DescribeVoterResponse {
            name: "quick".into(),
            version: "1".into(),
            ..Default::default()
        }))
    }
}

/// One measured run.
struct Run {
    name: String,
    latencies: Vec<Duration>,
    failures: u64,
    elapsed: Duration,
}

impl Run {
    fn percentile(&self, share: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        let index = ((self.latencies.len() as f64 * share) as usize).min(self.latencies.len() - 1);
        self.latencies[index]
    }

    fn per_second(&self) -> f64 {
        self.latencies.len() as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// What is measured: a whole Decide, or the 12 Vote calls alone.
#[derive(Clone)]
enum Target {
    Decide {
        client: ConsensusServiceClient<Channel>,
        token: Arc<String>,
        counter: Arc<AtomicU64>,
    },
    Bare {
        voters: Vec<VoterClient<Channel>>,
    },
}

impl Target {
    async fn call(&self) -> bool {
        match self {
            Target::Decide {
                client,
                token,
                counter,
            } => {
                let number = counter.fetch_add(1, Ordering::Relaxed);
                let request = with_token(decide_request(number), token);
                match client.clone().decide(request).await {
                    Ok(response) => response
                        .into_inner()
                        .decision
                        .is_some_and(|decision| decision.approved),
                    Err(_) => false,
                }
            }
            Target::Bare { voters } => {
                let request = vote_request();
                let calls = voters.iter().map(|voter| {
                    let mut voter = voter.clone();
                    let request = request.clone();
                    async move { voter.vote(request).await }
                });
                join_all(calls).await.iter().all(Result::is_ok)
            }
        }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let load = std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|_| "unknown".into());
    let database = TestDatabase::create().await;
    let redis = TestRedis::start().await;
    let config = Config::new(database.url.clone(), redis.url.clone());
    let server = TestServer::start(SERVICE, KitConfig::for_tests(), move |kit| {
        start(kit, config)
    })
    .await;
    let token = Arc::new(server.token("bench", &["trader", "admin"]));
    let client = ConsensusServiceClient::new(server.channel());
    let mut voters = Vec::new();
    for index in 0..args.voters {
        let address = serve_voter().await?;
        register(&client, &token, &format!("voter-{index:02}"), &address).await?;
        voters.push(VoterClient::new(
            Channel::from_shared(address)?.connect_lazy(),
        ));
    }
    let decide = Target::Decide {
        client,
        token,
        counter: Arc::new(AtomicU64::new(0)),
    };
    let bare = Target::Bare { voters };
    // Warm up connections, pools and caches.
    let warm_up = fixed_rate("warm-up", &decide, args.rate, 1).await;
    fixed_rate("warm-up", &bare, args.rate, 1).await;

    let runs = vec![
        fixed_rate("bare round trips", &bare, args.rate, args.seconds).await,
        fixed_rate("Decide", &decide, args.rate, args.seconds).await,
        saturated(
            "bare round trips",
            &bare,
            args.concurrency,
            args.throughput_seconds,
        )
        .await,
        saturated("Decide", &decide, args.concurrency, args.throughput_seconds).await,
    ];
    let approved = runs
        .iter()
        .chain([&warm_up])
        .filter(|run| run.name.starts_with("Decide") || run.name.starts_with("warm-up"))
        .map(|run| run.latencies.len() as u64)
        .sum::<u64>();
    let stored = stored_decisions(&database.url).await?;
    if stored < approved {
        bail!("{approved} decisions answered, only {stored} stored");
    }
    report(&args, &load, &runs, stored);
    drop(server);
    Ok(())
}

/// Calls at `rate` per second for `seconds`, each timed from when it is sent (not from
/// its tick, which the timer's millisecond granularity would blur).
async fn fixed_rate(name: &str, target: &Target, rate: u32, seconds: u64) -> Run {
    let mut ticks = tokio::time::interval(Duration::from_secs_f64(1.0 / f64::from(rate.max(1))));
    ticks.set_missed_tick_behavior(MissedTickBehavior::Burst);
    let total = u64::from(rate) * seconds;
    let started = Instant::now();
    let mut calls = Vec::new();
    for _ in 0..total {
        ticks.tick().await;
        let target = target.clone();
        calls.push(tokio::spawn(async move {
            let sent = Instant::now();
            let ok = target.call().await;
            (ok, sent.elapsed())
        }));
    }
    collect(format!("{name} at {rate}/s"), calls, started).await
}

/// `concurrency` callers back to back for `seconds`.
async fn saturated(name: &str, target: &Target, concurrency: usize, seconds: u64) -> Run {
    let started = Instant::now();
    let until = started + Duration::from_secs(seconds);
    let callers: Vec<_> = (0..concurrency)
        .map(|_| {
            let target = target.clone();
            tokio::spawn(async move {
                let mut results = Vec::new();
                while Instant::now() < until {
                    let began = Instant::now();
                    let ok = target.call().await;
                    results.push((ok, began.elapsed()));
                }
                results
            })
        })
        .collect();
    let mut run = Run {
        name: format!("{name}, {concurrency} concurrent"),
        latencies: Vec::new(),
        failures: 0,
        elapsed: Duration::ZERO,
    };
    for caller in callers {
        for (ok, latency) in caller.await.unwrap_or_default() {
            record(&mut run, ok, latency);
        }
    }
    run.elapsed = started.elapsed();
    run.latencies.sort();
    run
}

async fn collect(
    name: String,
    calls: Vec<tokio::task::JoinHandle<(bool, Duration)>>,
    started: Instant,
) -> Run {
    let mut run = Run {
        name,
        latencies: Vec::with_capacity(calls.len()),
        failures: 0,
        elapsed: Duration::ZERO,
    };
    for call in calls {
        let (ok, latency) = call.await.unwrap_or((false, Duration::ZERO));
        record(&mut run, ok, latency);
    }
    run.elapsed = started.elapsed();
    run.latencies.sort();
    run
}

fn record(run: &mut Run, ok: bool, latency: Duration) {
    if ok {
        run.latencies.push(latency);
    } else {
        run.failures += 1;
    }
}

fn decide_request(number: u64) -> ai::DecideRequest {
    ai::DecideRequest {
        proposal: Some(ai::Proposal {
            proposal_id: format!("bench-{}-{number}", std::process::id()),
            kind: ai::ProposalKind::Direction.into(),
            symbol: "BTC-USDT".into(),
            interval: "1m".into(),
            // Beyond the run: the outcome resolver has nothing to do meanwhile.
            horizon_ms: 3_600_000,
            ..Default::default()
        }),
        voter_deadline_ms: Some(1_000),
        ..Default::default()
    }
}

fn vote_request() -> ai::VoteRequest {
    let proposal = decide_request(0).proposal;
    ai::VoteRequest {
        proposal,
        round: 1,
        previous_round: None,
        deadline_unix_ms: 0,
    }
}

async fn serve_voter() -> anyhow::Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = format!("http://{}", listener.local_addr()?);
    let incoming = tokio_stream::wrappers::TcpListenerStream::new(listener);
    let router = Server::builder().add_service(VoterServer::new(QuickVoter));
    tokio::spawn(router.serve_with_incoming(incoming));
    Ok(address)
}

async fn register(
    client: &ConsensusServiceClient<Channel>,
    token: &str,
    name: &str,
    address: &str,
) -> anyhow::Result<()> {
    let request = ai::RegisterVoterRequest {
        voter: Some(ai::VoterInfo {
            name: name.into(),
            address: address.into(),
            weight: 1.0,
            enabled: true,
            ..Default::default()
        }),
    };
    client
        .clone()
        .register_voter(with_token(request, token))
        .await
        .with_context(|| format!("registering {name}"))?;
    Ok(())
}

async fn stored_decisions(url: &str) -> anyhow::Result<u64> {
    let pool = sqlx::PgPool::connect(url).await?;
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM consensus_engine.decisions")
        .fetch_one(&pool)
        .await?;
    pool.close().await;
    Ok(u64::try_from(count).unwrap_or(0))
}

fn report(args: &Args, load: &str, runs: &[Run], stored: u64) {
    println!(
        "consensus-engine: {} voters on loopback, 1 round per decision, auth on, Postgres \
         and Redis local; {stored} decisions stored and counted; load average before: {load}\n",
        args.voters
    );
    println!("| run | calls/s | p50 | p99 | max | failed |");
    println!("|---|---:|---:|---:|---:|---:|");
    let millis = |duration: Duration| format!("{:.2} ms", duration.as_secs_f64() * 1000.0);
    for run in runs {
        println!(
            "| {} | {:.0} | {} | {} | {} | {} |",
            run.name,
            run.per_second(),
            millis(run.percentile(0.50)),
            millis(run.percentile(0.99)),
            millis(run.latencies.last().copied().unwrap_or_default()),
            run.failures
        );
    }
}
