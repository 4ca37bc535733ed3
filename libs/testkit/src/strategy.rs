//! What tests of strategy-engine share, in-process or as the real binary: every peer the
//! engine calls, scripted, and the strategy and closed candles that drive it.
use std::collections::BTreeMap;

use quorum_domain::{Candle, CandleClosed, Decimal, Venue};
use quorum_proto::ai::v1::Decision;
use quorum_proto::common::v1 as common;
use quorum_proto::trading::v1 as pb;

use crate::fakes::{self, FakeCompliance, FakeConsensus, FakeExchange, FakeRisk, FakeTradeHistory};

/// The candle interval of [`spec`], in milliseconds.
pub const INTERVAL_MS: i64 = 5_000;

/// The peers of strategy-engine, served on loopback ports: one exchange behind all four
/// venue connectors, consensus approving a buy with 0.9 agreement, risk and compliance
/// passing, and trade-history without candles.
#[derive(Debug)]
pub struct EnginePeers {
    pub exchange: FakeExchange,
    pub consensus: FakeConsensus,
    pub risk: FakeRisk,
    pub compliance: FakeCompliance,
    pub history: FakeTradeHistory,
    /// Each peer's URL by catalog name.
    pub urls: BTreeMap<String, String>,
}

impl EnginePeers {
    pub async fn serve() -> Self {
        let exchange = FakeExchange::default();
        let consensus = FakeConsensus::approving(Decision::Buy, 0.9);
        let risk = FakeRisk::default();
        let compliance = FakeCompliance::default();
        let history = FakeTradeHistory::default();
        let mut urls = BTreeMap::new();
        let exchange_url = fakes::url(exchange.serve().await);
        for venue in Venue::ALL {
            urls.insert(venue.connector_service().to_string(), exchange_url.clone());
        }
        urls.insert(
            "consensus-engine".into(),
            fakes::url(consensus.serve().await),
        );
        urls.insert("risk-manager".into(), fakes::url(risk.serve().await));
        urls.insert(
            "compliance-checker".into(),
            fakes::url(compliance.serve().await),
        );
        urls.insert("trade-history".into(), fakes::url(history.serve().await));
        Self {
            exchange,
            consensus,
            risk,
            compliance,
            history,
            urls,
        }
    }
}

/// BTC-USDT on binance in 5 s candles, asking the three voters over 20 candles, for
/// account paper-1 with 10 000 USDT and 10 % fixed-fraction sizing.
pub fn spec() -> pb::StrategySpec {
    pb::StrategySpec {
        name: "btc consensus".into(),
        voters: vec![
            "momentum-trader".into(),
            "mean-reversion".into(),
            "breakout-trader".into(),
        ],
        symbol: "BTC-USDT".into(),
        venue: quorum_proto::market::v1::Venue::Binance.into(),
        interval: "5s".into(),
        account: "paper-1".into(),
        capital: Some(common::Decimal {
            value: "10000".into(),
        }),
        sizing: Some(pb::SizingRule {
            method: pb::Sizing::FixedFraction.into(),
            fraction: 0.1,
            ..Default::default()
        }),
        threshold: None,
        quorum: None,
        max_rounds: None,
        lookback: 20,
    }
}

/// The closed BTC-USDT candle of [`spec`] that opened at `open_ms`, flat at `close`.
#[allow(clippy::expect_used)]
pub fn closed_candle(open_ms: i64, close: i64) -> CandleClosed {
    let price = Decimal::from(close);
    CandleClosed {
        venue: Venue::Binance,
        symbol: "BTC-USDT".parse().expect("a valid symbol"),
        interval: "5s".into(),
        candle: Candle {
            open_time_ms: open_ms,
            open: price,
            high: price,
            low: price,
            close: price,
            volume: Decimal::ONE,
            quote_volume: price,
            trade_count: 1,
        },
        closed_at_ms: open_ms + INTERVAL_MS,
    }
}
