//! Benchmark P8: trades per second persisted by trade-history's batch writer against
//! single-row inserts, with the row count checked after every run (nothing lost).
//!
//! `cargo run --release -p trade-history --example ingest_bench`
//!
//! Uses `DATABASE_URL` when set (tables go to the `trade_history_bench` schema, emptied
//! first), otherwise a fresh database on the test server (`QUORUM_TEST_DATABASE_URL`).
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Parser;
use quorum_domain::{Decimal, Side, Symbol, Trade, Venue};
use quorum_kit::CancellationToken;
use quorum_store::{StoreConfig, connect};
use sqlx::PgPool;
use trade_history::batcher::BatchWriter;
use trade_history::import::PARALLEL_STATEMENTS;
use trade_history::store::{self, ChunkWriter};

const SCHEMA: &str = "trade_history_bench";
/// 2023-11-15T00:00:00Z.
const START_MS: i64 = 1_700_006_400_000;

#[derive(Debug, Parser)]
#[command(about = "P8: trade-history ingest throughput")]
struct Args {
    /// Trades written by the batch writer (ImportTrades path).
    #[arg(long, default_value_t = 200_000)]
    trades: usize,
    /// Batch statements in flight at once (the service's import path uses
    /// import::PARALLEL_STATEMENTS; each statement holds store::WRITE_CHUNK rows).
    #[arg(long, default_value_t = PARALLEL_STATEMENTS)]
    parallel: usize,
    /// Most rows per group-commit statement (the service's QUORUM_TRADE_HISTORY_BATCH_SIZE).
    #[arg(long, default_value_t = 1000)]
    group_commit_batch: usize,
    /// Trades written through group commit by concurrent callers (bus path).
    #[arg(long, default_value_t = 50_000)]
    group_commit_trades: usize,
    /// Concurrent callers of the group commit, as the service's bus consumer lanes.
    #[arg(long, default_value_t = 16)]
    lanes: usize,
    /// Trades written one row per statement (the baseline).
    #[arg(long, default_value_t = 20_000)]
    single_rows: usize,
}

struct Run {
    name: &'static str,
    trades: usize,
    elapsed: Duration,
}

impl Run {
    fn per_second(&self) -> f64 {
        self.trades as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    // The machine may be shared: the load says how much of it the runs had.
    let load = std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|_| "unknown".into());
    let url = match std::env::var("DATABASE_URL") {
        Ok(url) if !url.trim().is_empty() => url,
        _ => quorum_testkit::TestDatabase::create().await.url,
    };
    let mut config = StoreConfig::for_service("trade-history", &url);
    config.schema = SCHEMA.into();
    let pool = connect(&config, &trade_history::MIGRATOR)
        .await
        .context("connecting to Postgres")?;

    let symbols: Vec<Symbol> = ["BTC-USDT", "ETH-USDT", "SOL-USDT"]
        .iter()
        .map(|text| text.parse())
        .collect::<Result<_, _>>()?;
    let trades: Vec<Trade> = (0..args.trades.max(args.group_commit_trades))
        .map(|index| trade(index, &symbols))
        .collect();
    let mut runs = Vec::new();

    empty(&pool).await?;
    let batched = &trades[..args.trades];
    let started = Instant::now();
    let inserted = import_path(&pool, batched, args.parallel).await?;
    if inserted != batched.len() as u64 {
        bail!(
            "the batch writer reported {inserted} new rows for {} trades",
            batched.len()
        );
    }
    runs.push(finish(&pool, "batch statements", batched.len(), started).await?);

    let started = Instant::now();
    let inserted = import_path(&pool, batched, args.parallel).await?;
    if inserted != 0 {
        bail!("replaying stored trades inserted {inserted} rows; expected none");
    }
    runs.push(finish(&pool, "replay (all duplicates)", batched.len(), started).await?);

    empty(&pool).await?;
    let grouped = &trades[..args.group_commit_trades];
    let started = Instant::now();
    group_commit(&pool, grouped, args.lanes, args.group_commit_batch).await?;
    runs.push(finish(&pool, "group commit (bus lanes)", grouped.len(), started).await?);

    empty(&pool).await?;
    let single = &trades[..args.single_rows.min(trades.len())];
    let started = Instant::now();
    for trade in single {
        insert_one(&pool, trade).await?;
    }
    runs.push(finish(&pool, "single-row inserts", single.len(), started).await?);

    report(&args, &load, &runs);
    Ok(())
}

/// Deterministic trades over every venue and the given symbols, one millisecond apart.
fn trade(index: usize, symbols: &[Symbol]) -> Trade {
    let venues = Venue::ALL;
    let step = index as i64;
    Trade {
        venue: venues[index % venues.len()],
        symbol: symbols[index % symbols.len()].clone(),
        trade_id: format!("{index}"),
        price: Decimal::new(4_200_000 + step % 10_000, 2),
        quantity: Decimal::new(1 + step % 1000, 4),
        taker_side: if index.is_multiple_of(2) {
            Side::Buy
        } else {
            Side::Sell
        },
        traded_at_ms: START_MS + step,
    }
}

/// The import path: the stream's messages (1000 trades each, as a client might send
/// them) gathered and handed to the service's chunk writer.
async fn import_path(pool: &PgPool, trades: &[Trade], parallel: usize) -> anyhow::Result<u64> {
    let mut writer = ChunkWriter::new(pool.clone(), parallel);
    let mut pending = Vec::new();
    for message in trades.chunks(1000) {
        pending.extend_from_slice(message);
        if pending.len() >= store::WRITE_CHUNK {
            writer.write(std::mem::take(&mut pending)).await?;
        }
    }
    writer.write(pending).await?;
    Ok(writer.finish().await?)
}

/// `lanes` callers each writing their share one trade at a time, as the bus consumers do.
async fn group_commit(
    pool: &PgPool,
    trades: &[Trade],
    lanes: usize,
    max_batch: usize,
) -> anyhow::Result<()> {
    let shutdown = CancellationToken::new();
    let (writer, task) = BatchWriter::new(pool.clone(), max_batch, shutdown.clone());
    let running = tokio::spawn(task.run());
    let lanes = lanes.max(1);
    let callers: Vec<_> = (0..lanes)
        .map(|lane| {
            let writer = writer.clone();
            let share: Vec<Trade> = trades.iter().skip(lane).step_by(lanes).cloned().collect();
            tokio::spawn(async move {
                for trade in share {
                    writer.write(trade).await?;
                }
                Ok::<(), trade_history::batcher::WriteError>(())
            })
        })
        .collect();
    for caller in callers {
        caller.await??;
    }
    shutdown.cancel();
    running.await?;
    Ok(())
}

/// The baseline: one INSERT statement (and one commit) per trade.
async fn insert_one(pool: &PgPool, trade: &Trade) -> anyhow::Result<()> {
    let time = store::timestamp(trade.traded_at_ms).context("trade time out of range")?;
    sqlx::query(
        "INSERT INTO trades (venue, symbol, trade_id, price, quantity, taker_side, traded_at) \
         VALUES ($1, $2, $3, $4::numeric, $5::numeric, $6, $7) \
         ON CONFLICT (venue, symbol, trade_id, traded_at) DO NOTHING",
    )
    .bind(trade.venue.as_str())
    .bind(trade.symbol.as_str())
    .bind(&trade.trade_id)
    .bind(trade.price.to_string())
    .bind(trade.quantity.to_string())
    .bind(store::side_name(trade.taker_side))
    .bind(time)
    .execute(pool)
    .await?;
    Ok(())
}

async fn empty(pool: &PgPool) -> anyhow::Result<()> {
    sqlx::query("TRUNCATE trades").execute(pool).await?;
    Ok(())
}

/// Stops the clock and checks that every trade is stored, once.
async fn finish(
    pool: &PgPool,
    name: &'static str,
    trades: usize,
    started: Instant,
) -> anyhow::Result<Run> {
    let elapsed = started.elapsed();
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM trades")
        .fetch_one(pool)
        .await?;
    if stored != trades as i64 {
        bail!("{name}: {stored} rows stored for {trades} trades");
    }
    Ok(Run {
        name,
        trades,
        elapsed,
    })
}

fn report(args: &Args, load: &str, runs: &[Run]) {
    let baseline = runs
        .iter()
        .find(|run| run.name == "single-row inserts")
        .map(Run::per_second)
        .unwrap_or(f64::NAN);
    println!(
        "P8 ingest: {} rows per batch statement, {} in flight, {} bus lanes; every run's \
         row count verified; load average before the runs: {}\n",
        store::WRITE_CHUNK,
        args.parallel,
        args.lanes,
        load
    );
    println!(
        "| {:<26} | {:>8} | {:>9} | {:>10} | {:>11} |",
        "method", "trades", "seconds", "trades/s", "vs 1-row"
    );
    println!(
        "|{:-<28}|{:->10}|{:->11}|{:->12}|{:->13}|",
        "", "", "", "", ""
    );
    for run in runs {
        println!(
            "| {:<26} | {:>8} | {:>9.3} | {:>10.0} | {:>10.1}x |",
            run.name,
            run.trades,
            run.elapsed.as_secs_f64(),
            run.per_second(),
            run.per_second() / baseline
        );
    }
    let batched = runs.first().map(Run::per_second).unwrap_or_default();
    let verdict = if batched >= 50_000.0 {
        "met"
    } else {
        "NOT met"
    };
    println!("\nP8 target (>= 50000 trades/s batched, nothing lost): {verdict}");
}
