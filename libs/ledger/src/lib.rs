//! A double-entry ledger in exact decimals, pure and without I/O, shared by
//! portfolio-manager and backtests.
//!
//! Every fill and every transfer becomes one [`JournalEntry`] of [`Posting`]s over
//! [`LedgerAccount`]s whose amounts sum to zero in each asset: a trade moves the base
//! asset between the account's holdings and the venue, the notional in the quote asset
//! the other way, and the fee from the holdings to the venue's fees account; a transfer
//! moves an asset between the account's holdings and its equity account. Balances are
//! the sums of postings. Alongside, [`Position`]s per (account, venue, symbol) keep the
//! quantity at weighted average cost (fees excluded from cost), realized PnL (net of
//! fees) and fees, and [`Ledger::portfolio`] values an account at [`Marks`].
//!
//! Fills are applied once per (venue, fill id) and transfers once per transfer id.
mod accounts;
mod journal;
mod ledger;
mod position;
mod validate;
mod valuation;

pub use accounts::LedgerAccount;
pub use journal::{EntrySource, JournalEntry, Posting, Transfer};
pub use ledger::{Activity, FillEffect, Ledger, Outcome, TransferEffect};
pub use position::{COST_SCALE, Position, PositionChange};
pub use validate::{
    LedgerError, MAX_AMOUNT, MAX_ID_LENGTH, MAX_PRICE, MAX_QUANTITY, MAX_SCALE, account_name,
    asset, check_fill, check_transfer,
};
pub use valuation::{Exposure, Mark, Marks, PortfolioView, PositionView};

#[cfg(test)]
mod tests;
