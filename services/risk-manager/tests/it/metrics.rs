//! GetRiskMetrics on a known set of returns, and what missing data answers.
use quorum_proto::market::v1::Candle;
use quorum_proto::trading::v1 as pb;
use rust_decimal::Decimal;
use tonic::Code;

use crate::fakes::decimal;
use crate::harness::*;

const DAY_MS: i64 = 86_400_000;

/// Daily BTC-USDT closes giving the returns -2%, +1%, -5%, +3% and 0%, ending with
/// yesterday's candle.
fn daily_candles(now_ms: i64) -> Vec<Candle> {
    let today = now_ms.div_euclid(DAY_MS) * DAY_MS;
    let closes = ["100", "98", "98.98", "94.031", "96.85193", "96.85193"];
    closes
        .iter()
        .enumerate()
        .map(|(index, close)| Candle {
            open_time_unix_ms: today - (closes.len() - index) as i64 * DAY_MS,
            close: decimal(close),
            ..Default::default()
        })
        .collect()
}

fn request(horizon_days: u32) -> pb::GetRiskMetricsRequest {
    pb::GetRiskMetricsRequest {
        account: ACCOUNT.into(),
        confidence: 0.8,
        horizon_days,
        interval: "1d".into(),
        lookback: 5,
    }
}

fn number(value: &Option<quorum_proto::common::v1::Decimal>) -> f64 {
    let text = &value.as_ref().unwrap().value;
    let parsed: Decimal = text.parse().unwrap();
    parsed.to_string().parse().unwrap()
}

fn assert_close(actual: f64, expected: f64) {
    assert!(
        (actual - expected).abs() < 1e-6,
        "{actual} is not {expected}"
    );
}

#[tokio::test]
async fn var_and_es_of_a_known_return_set() {
    let harness = Harness::start().await;
    let now = chrono::Utc::now().timestamp_millis();
    harness.fakes.edit(|script| {
        script.candles.insert(SYMBOL.into(), daily_candles(now));
    });
    // Long 1 BTC-USDT worth 100: PnL -2, 1, -5, 3, 0; losses sorted -3, -1, 0, 2, 5.
    let metrics = harness.risk_metrics(request(1)).await.unwrap();
    assert_eq!(metrics.observations, 5);
    // Historical at 80%: the 4th smallest loss; ES the mean of the one beyond.
    assert_eq!(metrics.historical_var.as_ref().unwrap().value, "2");
    assert_eq!(metrics.historical_es.as_ref().unwrap().value, "5");
    // Parametric: sigma = 100 x sample sd of the returns = 3.0495901; z(0.8) = 0.8416212.
    assert_close(number(&metrics.parametric_var), 2.566_599_81);
    assert_close(number(&metrics.parametric_es), 4.268_845_56);
    assert_eq!(metrics.equity.as_ref().unwrap().value, "20000");
    assert_eq!(metrics.peak_equity.as_ref().unwrap().value, "20000");
    assert_eq!(metrics.drawdown, 0.0);

    // Four days scale every figure by sqrt(4) = 2.
    let longer = harness.risk_metrics(request(4)).await.unwrap();
    assert_eq!(longer.historical_var.as_ref().unwrap().value, "4");
    assert_eq!(longer.historical_es.as_ref().unwrap().value, "10");
    assert_close(number(&longer.parametric_var), 5.133_199_62);
    assert_close(number(&longer.parametric_es), 8.537_691_11);

    // The peak is kept: equity falling to 15000 is a 25% drawdown.
    harness.set_equity(ACCOUNT, "15000");
    let fallen = harness.risk_metrics(request(1)).await.unwrap();
    assert_eq!(fallen.peak_equity.as_ref().unwrap().value, "20000");
    assert!((fallen.drawdown - 0.25).abs() < 1e-12, "{fallen:?}");
}

#[tokio::test]
async fn missing_candles_are_a_failed_precondition_naming_the_symbol() {
    let harness = Harness::start().await;
    let status = harness.risk_metrics(request(1)).await.unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition);
    assert!(status.message().contains("BTC-USDT"), "{status:?}");
    assert!(status.message().contains("1d"), "{status:?}");

    // One candle gives no return.
    let now = chrono::Utc::now().timestamp_millis();
    harness.fakes.edit(|script| {
        let mut candles = daily_candles(now);
        candles.truncate(1);
        script.candles.insert(SYMBOL.into(), candles);
    });
    let status = harness.risk_metrics(request(1)).await.unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition);
}

#[tokio::test]
async fn an_account_without_positions_has_no_risk() {
    let harness = Harness::start().await;
    harness.fakes.edit(|script| {
        let portfolio = script.portfolios.get_mut(ACCOUNT).unwrap();
        portfolio.positions.clear();
    });
    let metrics = harness.risk_metrics(request(1)).await.unwrap();
    assert_eq!(metrics.observations, 0);
    assert_eq!(metrics.historical_var.as_ref().unwrap().value, "0");
    assert_eq!(metrics.parametric_es.as_ref().unwrap().value, "0");

    let mut unknown = request(1);
    unknown.account = "nobody".into();
    let status = harness.risk_metrics(unknown).await.unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition);
    assert!(status.message().contains("nobody"), "{status:?}");
}

#[tokio::test]
async fn bad_requests_name_their_fields() {
    let harness = Harness::start().await;
    let status = harness
        .risk_metrics(pb::GetRiskMetricsRequest {
            account: ACCOUNT.into(),
            confidence: 0.3,
            interval: "7m".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(status.message().contains("confidence:"), "{status:?}");
    assert!(status.message().contains("interval:"), "{status:?}");
}
