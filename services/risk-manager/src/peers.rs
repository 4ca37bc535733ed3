//! The services risk-manager asks: portfolio-manager (positions, exposures, equity),
//! price-feed (the mark) and trade-history (candles). Each call has a deadline; a peer
//! that is down becomes UNAVAILABLE naming it, never a panic.
use std::time::Duration;

use quorum_domain::convert::parse_optional_decimal;
use quorum_kit::client::ServiceChannel;
use quorum_kit::peers::check_address;
use quorum_kit::{ConfigError, Kit};
use quorum_proto::common::v1::{PageRequest, TimeRange};
use quorum_proto::market::v1 as market;
use quorum_proto::marketdata::v1::price_feed_service_client::PriceFeedServiceClient;
use quorum_proto::marketdata::v1::trade_history_service_client::TradeHistoryServiceClient;
use quorum_proto::marketdata::v1::{GetCandlesRequest, GetQuoteRequest};
use quorum_proto::trading::v1::portfolio_service_client::PortfolioServiceClient;
use quorum_proto::trading::v1::{GetEquityHistoryRequest, GetPortfolioRequest, Portfolio};
use rust_decimal::Decimal;
use tonic::{Code, Status};

use crate::rules::Mark;

pub const PORTFOLIO_MANAGER: &str = "portfolio-manager";
pub const PRICE_FEED: &str = "price-feed";
pub const TRADE_HISTORY: &str = "trade-history";

/// Explicit peer addresses; unset ones come from the catalog (with
/// `QUORUM_DISCOVERY=dns`, `http://<name>:<port>`).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct PeerArgs {
    /// gRPC address of portfolio-manager, e.g. http://10.0.0.5:50119.
    #[arg(long, env = "QUORUM_PORTFOLIO_MANAGER_ADDR")]
    pub portfolio_manager_addr: Option<String>,
    /// gRPC address of price-feed.
    #[arg(long, env = "QUORUM_PRICE_FEED_ADDR")]
    pub price_feed_addr: Option<String>,
    /// gRPC address of trade-history.
    #[arg(long, env = "QUORUM_TRADE_HISTORY_ADDR")]
    pub trade_history_addr: Option<String>,
}

impl PeerArgs {
    /// Refuses addresses that are not http(s) URLs, naming the variable.
    pub fn check(&self) -> Result<(), ConfigError> {
        check_address(PORTFOLIO_MANAGER, self.portfolio_manager_addr.as_deref())?;
        check_address(PRICE_FEED, self.price_feed_addr.as_deref())?;
        check_address(TRADE_HISTORY, self.trade_history_addr.as_deref())
    }
}

/// One position of the account, summed over venues per symbol.
#[derive(Debug, Clone, PartialEq)]
pub struct Holding {
    pub symbol: String,
    pub quantity: Decimal,
    /// Signed value at the marks, when portfolio-manager knows it.
    pub value: Option<Decimal>,
}

/// What risk-manager needs of an account's portfolio.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AccountPortfolio {
    /// `None` when portfolio-manager cannot value every held asset (one has no mark).
    pub equity: Option<Decimal>,
    pub gross_exposure: Decimal,
    pub net_exposure: Decimal,
    pub holdings: Vec<Holding>,
}

impl AccountPortfolio {
    pub fn holding(&self, symbol: &str) -> Option<&Holding> {
        self.holdings
            .iter()
            .find(|holding| holding.symbol == symbol)
    }
}

/// Clients of the peers, lazily connected, carrying the caller's token.
#[derive(Clone)]
pub struct Peers {
    portfolio: PortfolioServiceClient<ServiceChannel>,
    price_feed: PriceFeedServiceClient<ServiceChannel>,
    trade_history: TradeHistoryServiceClient<ServiceChannel>,
    timeout: Duration,
}

impl Peers {
    pub fn new(kit: &Kit, args: &PeerArgs, timeout: Duration) -> Result<Self, ConfigError> {
        Ok(Self {
            portfolio: PortfolioServiceClient::new(
                kit.peer_channel(PORTFOLIO_MANAGER, args.portfolio_manager_addr.as_deref())?,
            ),
            price_feed: PriceFeedServiceClient::new(
                kit.peer_channel(PRICE_FEED, args.price_feed_addr.as_deref())?,
            ),
            trade_history: TradeHistoryServiceClient::new(
                kit.peer_channel(TRADE_HISTORY, args.trade_history_addr.as_deref())?,
            ),
            timeout,
        })
    }

    /// The account's portfolio across venues; `None` when portfolio-manager does not
    /// know the account (NOT_FOUND).
    pub async fn portfolio(&self, account: &str) -> Result<Option<AccountPortfolio>, Status> {
        let request = self.request(GetPortfolioRequest {
            account: account.to_string(),
            venue: market::Venue::Unspecified.into(),
        });
        let mut client = self.portfolio.clone();
        match self.bounded(client.get_portfolio(request)).await {
            Ok(response) => match response.into_inner().portfolio {
                Some(portfolio) => read_portfolio(&portfolio).map(Some),
                None => Ok(None),
            },
            Err(status) if status.code() == Code::NotFound => Ok(None),
            Err(status) => Err(peer_down(PORTFOLIO_MANAGER, "GetPortfolio", &status)),
        }
    }

    /// The account's first recorded equity in [from, now]; `None` when portfolio-manager
    /// has none or does not keep a history.
    pub async fn first_equity_since(
        &self,
        account: &str,
        from_unix_ms: i64,
        now_unix_ms: i64,
    ) -> Result<Option<Decimal>, Status> {
        let request = self.request(GetEquityHistoryRequest {
            account: account.to_string(),
            range: Some(TimeRange {
                from_unix_ms,
                to_unix_ms: now_unix_ms.saturating_add(1),
            }),
            page: Some(PageRequest {
                page_size: 1,
                page_token: String::new(),
            }),
        });
        let mut client = self.portfolio.clone();
        match self.bounded(client.get_equity_history(request)).await {
            Ok(response) => {
                let Some(point) = response.into_inner().points.into_iter().next() else {
                    return Ok(None);
                };
                parse_optional_decimal("equity", point.equity.as_ref())
                    .map_err(|problem| malformed(PORTFOLIO_MANAGER, &problem.to_string()))
            }
            Err(status) if matches!(status.code(), Code::NotFound | Code::Unimplemented) => {
                Ok(None)
            }
            Err(status) => Err(peer_down(PORTFOLIO_MANAGER, "GetEquityHistory", &status)),
        }
    }

    /// The mid of price-feed's consolidated quote, if it is at most `max_age_ms` old.
    pub async fn mark(&self, symbol: &str, max_age_ms: i64, now_unix_ms: i64) -> Mark {
        let request = self.request(GetQuoteRequest {
            symbol: symbol.to_string(),
        });
        let mut client = self.price_feed.clone();
        let quote = match self.bounded(client.get_quote(request)).await {
            Ok(response) => response.into_inner().quote,
            Err(status) if status.code() == Code::NotFound => {
                return Mark::Unknown(format!("price-feed has no quote of {symbol}"));
            }
            Err(status) => {
                tracing::warn!(code = ?status.code(), message = status.message(), "price-feed did not answer GetQuote");
                return Mark::Unknown(format!(
                    "price-feed is unavailable ({:?}: {})",
                    status.code(),
                    status.message()
                ));
            }
        };
        let Some(quote) = quote else {
            return Mark::Unknown(format!("price-feed has no quote of {symbol}"));
        };
        let mid = match parse_optional_decimal("mid", quote.mid.as_ref()) {
            Ok(Some(mid)) => mid,
            Ok(None) => return Mark::Unknown(format!("price-feed's quote of {symbol} has no mid")),
            Err(problem) => return Mark::Unknown(format!("price-feed's quote: {problem}")),
        };
        let age_ms = now_unix_ms.saturating_sub(quote.updated_unix_ms);
        if age_ms > max_age_ms {
            return Mark::Unknown(format!(
                "price-feed's mark of {symbol} is {age_ms} ms old; at most {max_age_ms} ms counts \
                 as fresh"
            ));
        }
        Mark::Fresh(mid)
    }

    /// Candles of `symbol` over every venue: (open time, close), oldest first.
    pub async fn closes(
        &self,
        symbol: &str,
        interval: &str,
        range: TimeRange,
    ) -> Result<Vec<(i64, Decimal)>, Status> {
        let request = self.request(GetCandlesRequest {
            symbol: symbol.to_string(),
            venue: market::Venue::Unspecified.into(),
            interval: interval.to_string(),
            range: Some(range),
        });
        let mut client = self.trade_history.clone();
        let candles = self
            .bounded(client.get_candles(request))
            .await
            .map_err(|status| peer_down(TRADE_HISTORY, "GetCandles", &status))?
            .into_inner()
            .candles;
        candles
            .iter()
            .map(|candle| {
                let close = quorum_domain::convert::parse_decimal("close", candle.close.as_ref())
                    .map_err(|problem| malformed(TRADE_HISTORY, &problem.to_string()))?;
                Ok((candle.open_time_unix_ms, close))
            })
            .collect()
    }

    /// The call's answer, or DEADLINE_EXCEEDED when it takes longer than the timeout
    /// (the deadline is also sent, so the peer can give up too).
    async fn bounded<T>(
        &self,
        call: impl std::future::Future<Output = Result<T, Status>>,
    ) -> Result<T, Status> {
        match tokio::time::timeout(self.timeout, call).await {
            Ok(outcome) => outcome,
            Err(_) => Err(Status::deadline_exceeded(format!(
                "no answer within {} ms",
                self.timeout.as_millis()
            ))),
        }
    }

    fn request<T>(&self, message: T) -> tonic::Request<T> {
        let mut request = tonic::Request::new(message);
        request.set_timeout(self.timeout);
        request
    }
}

/// Positions summed per symbol over venues; exposures from the portfolio when given,
/// else from the positions.
fn read_portfolio(portfolio: &Portfolio) -> Result<AccountPortfolio, Status> {
    let amount = |field: &str, value: Option<&quorum_proto::common::v1::Decimal>| {
        parse_optional_decimal(field, value)
            .map_err(|problem| malformed(PORTFOLIO_MANAGER, &problem.to_string()))
    };
    let mut holdings: Vec<Holding> = Vec::new();
    for position in &portfolio.positions {
        let quantity = amount("position.quantity", position.quantity.as_ref())?.unwrap_or_default();
        let value = match amount("position.market_value", position.market_value.as_ref())? {
            Some(value) => Some(value),
            None => amount("position.mark_price", position.mark_price.as_ref())?
                .map(|mark| mark * quantity),
        };
        match holdings
            .iter_mut()
            .find(|holding| holding.symbol == position.symbol)
        {
            Some(holding) => {
                holding.quantity += quantity;
                holding.value = match (holding.value, value) {
                    (Some(sum), Some(value)) => Some(sum + value),
                    _ => None,
                };
            }
            None => holdings.push(Holding {
                symbol: position.symbol.clone(),
                quantity,
                value,
            }),
        }
    }
    let known_values = || holdings.iter().filter_map(|holding| holding.value);
    let gross = match amount("gross_exposure", portfolio.gross_exposure.as_ref())? {
        Some(gross) => gross,
        None => known_values().map(|value| value.abs()).sum(),
    };
    let net = match amount("net_exposure", portfolio.net_exposure.as_ref())? {
        Some(net) => net,
        None => known_values().sum(),
    };
    Ok(AccountPortfolio {
        equity: amount("equity", portfolio.equity.as_ref())?,
        gross_exposure: gross,
        net_exposure: net,
        holdings,
    })
}

/// UNAVAILABLE naming the peer and what it said.
pub fn peer_down(peer: &str, method: &str, status: &Status) -> Status {
    tracing::warn!(peer, method, code = ?status.code(), message = status.message(), "peer call failed");
    Status::unavailable(format!(
        "{peer} is unavailable: {method} failed ({:?}: {}); retry later",
        status.code(),
        status.message()
    ))
}

fn malformed(peer: &str, problem: &str) -> Status {
    tracing::error!(peer, problem, "peer answered a malformed message");
    Status::unavailable(format!("{peer} answered a malformed message ({problem})"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use quorum_proto::common::v1::Decimal as ProtoDecimal;
    use quorum_proto::trading::v1::Position;
    use rust_decimal::dec;

    fn text(value: &str) -> Option<ProtoDecimal> {
        Some(ProtoDecimal {
            value: value.into(),
        })
    }

    fn position(symbol: &str, quantity: &str, market_value: Option<&str>) -> Position {
        Position {
            symbol: symbol.into(),
            quantity: text(quantity),
            market_value: market_value.and_then(text),
            ..Default::default()
        }
    }

    #[test]
    fn positions_sum_per_symbol_and_exposures_fall_back_to_them() {
        let portfolio = Portfolio {
            positions: vec![
                position("BTC-USDT", "1", Some("100")),
                position("BTC-USDT", "-0.25", Some("-25")),
                position("ETH-USDT", "-2", Some("-20")),
            ],
            equity: text("1000"),
            ..Default::default()
        };
        let read = read_portfolio(&portfolio).unwrap();
        assert_eq!(read.equity, Some(dec!(1000)));
        let btc = read.holding("BTC-USDT").unwrap();
        assert_eq!((btc.quantity, btc.value), (dec!(0.75), Some(dec!(75))));
        assert_eq!(read.gross_exposure, dec!(95));
        assert_eq!(read.net_exposure, dec!(55));
    }

    #[test]
    fn given_exposures_win_and_bad_decimals_are_refused() {
        let mut portfolio = Portfolio {
            positions: vec![position("BTC-USDT", "1", None)],
            gross_exposure: text("500"),
            net_exposure: text("-300"),
            ..Default::default()
        };
        let read = read_portfolio(&portfolio).unwrap();
        assert_eq!(
            (read.gross_exposure, read.net_exposure),
            (dec!(500), dec!(-300))
        );
        assert_eq!(read.holding("BTC-USDT").unwrap().value, None);
        portfolio.equity = text("lots");
        let status = read_portfolio(&portfolio).unwrap_err();
        assert!(status.message().contains("portfolio-manager"), "{status:?}");
    }

    #[test]
    fn explicit_addresses_must_be_urls() {
        let mut args = PeerArgs::default();
        assert!(args.check().is_ok());
        args.price_feed_addr = Some("127.0.0.1:50104".into());
        assert_eq!(args.check().unwrap_err().variable, "QUORUM_PRICE_FEED_ADDR");
    }
}
