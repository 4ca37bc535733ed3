//! ImportTrades: a client stream of trade batches, each checked in full, stored in large
//! multi-row statements, and counted as inserted or already there.
use quorum_domain::Trade;
use quorum_domain::convert::parse_trade;
use quorum_kit::errors::FieldErrors;
use quorum_proto::marketdata::v1 as pb;
use quorum_store::errors::database_status;
use sqlx::PgPool;
use tonic::{Status, Streaming};

use crate::store::{ChunkWriter, MAX_TIME_MS, WRITE_CHUNK};

/// Violations reported per bad message; more would only repeat the same mistake.
const MAX_VIOLATIONS: usize = 20;
/// Statements one import keeps running at once: the database inserts on two cores
/// while the next chunk arrives.
pub const PARALLEL_STATEMENTS: usize = 2;

/// What an import did so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub received: u64,
    pub inserted: u64,
}

impl Counts {
    pub fn response(self) -> pb::ImportTradesResponse {
        pb::ImportTradesResponse {
            received: self.received,
            inserted: self.inserted,
            duplicates: self.received.saturating_sub(self.inserted),
        }
    }
}

/// Reads the whole stream and stores it. A message with a bad trade stores nothing of
/// itself and ends the import with INVALID_ARGUMENT; the messages before it are stored.
pub async fn import(
    pool: &PgPool,
    mut stream: Streaming<pb::ImportTradesRequest>,
) -> Result<pb::ImportTradesResponse, Status> {
    let mut received = 0u64;
    let mut writer = ChunkWriter::new(pool.clone(), PARALLEL_STATEMENTS);
    // Small messages are gathered so that every statement writes many rows.
    let mut pending: Vec<Trade> = Vec::new();
    let mut message_number = 0usize;
    while let Some(message) = stream.message().await? {
        message_number += 1;
        match parse_batch(&message, message_number) {
            Ok(trades) => {
                received += trades.len() as u64;
                pending.extend(trades);
                if pending.len() >= WRITE_CHUNK {
                    writer
                        .write(std::mem::take(&mut pending))
                        .await
                        .map_err(storing_failed)?;
                }
            }
            Err(status) => {
                writer.write(pending).await.map_err(storing_failed)?;
                writer.finish().await.map_err(storing_failed)?;
                return Err(status);
            }
        }
    }
    writer.write(pending).await.map_err(storing_failed)?;
    let counts = Counts {
        received,
        inserted: writer.finish().await.map_err(storing_failed)?,
    };
    tracing::info!(
        received = counts.received,
        inserted = counts.inserted,
        "trades imported"
    );
    Ok(counts.response())
}

/// Checks every trade of one message; `number` counts messages from 1.
pub fn parse_batch(message: &pb::ImportTradesRequest, number: usize) -> Result<Vec<Trade>, Status> {
    let mut errors = FieldErrors::new();
    let mut trades = Vec::with_capacity(message.trades.len());
    let mut violations = 0usize;
    let context = format!(
        " (in message {number} of the stream; earlier messages were stored, and sending \
         them again is harmless)"
    );
    for (index, trade) in message.trades.iter().enumerate() {
        let field = format!("trades[{index}]");
        let problem = match parse_trade(&field, trade) {
            Ok(parsed) if parsed.traded_at_ms > MAX_TIME_MS => Some((
                format!("{field}.traded_at_unix_ms"),
                "must not be after the year 9999".to_string(),
            )),
            Ok(parsed) => {
                trades.push(parsed);
                None
            }
            Err(problem) => Some((problem.field, problem.problem)),
        };
        if let Some((field, problem)) = problem {
            violations += 1;
            if violations <= MAX_VIOLATIONS {
                errors.add(&field, format!("{problem}{context}"));
            }
        }
    }
    errors.into_result()?;
    Ok(trades)
}

fn storing_failed(error: sqlx::Error) -> Status {
    database_status("storing imported trades failed", error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use quorum_proto::common::v1::Decimal;
    use quorum_proto::market::v1 as market;

    fn trade(id: &str, price: &str) -> market::Trade {
        market::Trade {
            venue: market::Venue::Okx as i32,
            symbol: "eth-usdt".into(),
            trade_id: id.into(),
            price: Some(Decimal {
                value: price.into(),
            }),
            quantity: Some(Decimal {
                value: "1.5".into(),
            }),
            taker_side: market::Side::Buy as i32,
            traded_at_unix_ms: 1_700_000_000_000,
        }
    }

    #[test]
    fn a_good_message_parses_in_full() {
        let message = pb::ImportTradesRequest {
            trades: vec![trade("1", "2000"), trade("2", "2000.5")],
        };
        let trades = parse_batch(&message, 1).unwrap();
        assert_eq!(trades.len(), 2);
        assert_eq!(trades[1].symbol.as_str(), "ETH-USDT");
    }

    #[test]
    fn every_bad_trade_is_named_with_its_index_and_message() {
        let mut late = trade("4", "1");
        late.traded_at_unix_ms = MAX_TIME_MS + 1;
        let message = pb::ImportTradesRequest {
            trades: vec![trade("1", "2000"), trade("2", "-1"), trade("", "1"), late],
        };
        let status = parse_batch(&message, 3).unwrap_err();
        assert_eq!(status.code(), tonic::Code::InvalidArgument);
        let text = status.message();
        for field in [
            "trades[1].price",
            "trades[2].trade_id",
            "trades[3].traded_at_unix_ms",
        ] {
            assert!(text.contains(field), "{field} missing from {text}");
        }
        assert!(!text.contains("trades[0]"), "{text}");
        assert!(text.contains("message 3 of the stream"), "{text}");
    }

    #[test]
    fn violations_are_capped() {
        let message = pb::ImportTradesRequest {
            trades: (0..100).map(|i| trade(&i.to_string(), "0")).collect(),
        };
        let status = parse_batch(&message, 1).unwrap_err();
        assert_eq!(
            status.message().matches("must be positive").count(),
            MAX_VIOLATIONS
        );
    }

    #[test]
    fn duplicates_are_what_was_not_inserted() {
        let counts = Counts {
            received: 10,
            inserted: 7,
        };
        assert_eq!(counts.response().duplicates, 3);
    }
}
