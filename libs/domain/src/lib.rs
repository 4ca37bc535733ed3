//! The normalized market model shared by venue connectors and market-data services.
//!
//! Money, prices and quantities are exact [`Decimal`]s. Every type serializes to the JSON
//! carried on the bus; [`convert`] maps them to and from the protobuf contracts.
mod candles;
#[cfg(feature = "proto")]
pub mod convert;
mod interval;
mod market;
mod orders;
mod symbol;
pub mod topics;
mod venue;

pub use candles::CandleClosed;
pub use interval::Interval;
pub use market::{BookUpdate, Candle, Instrument, Level, Side, Ticker, Trade};
pub use orders::{
    Fill, Liquidity, Order, OrderEvent, OrderEventKind, OrderStatus, OrderType, TimeInForce,
};
pub use rust_decimal::Decimal;
pub use symbol::{Symbol, SymbolError};
pub use venue::{Venue, VenueError};
