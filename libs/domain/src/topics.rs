//! Bus topics of the data plane and their event types.

/// Normalized market trades ([`crate::Trade`]), published by the venue connectors.
pub const MARKET_TRADES: &str = "md.trades";
/// Book snapshots and deltas ([`crate::BookUpdate`]), published by the venue connectors.
pub const MARKET_BOOK: &str = "md.book";
/// Top of book and last price ([`crate::Ticker`]), published by the venue connectors.
pub const MARKET_TICKER: &str = "md.ticker";
/// Closed candles ([`crate::CandleClosed`]), published by trade-history.
pub const MARKET_CANDLES: &str = "md.candles";
/// Executions of orders ([`crate::Fill`]), paper or live.
pub const EXECUTION_FILLS: &str = "exec.fills";
/// Every change of an order ([`crate::OrderEvent`]), paper or live.
pub const EXECUTION_ORDERS: &str = "exec.orders";
