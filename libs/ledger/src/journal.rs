//! Journal entries: every fill or transfer becomes one entry of postings whose amounts
//! sum to zero in each asset.
use std::collections::BTreeMap;

use quorum_domain::{Decimal, Fill, Side, Venue};

use crate::accounts::LedgerAccount;
use crate::validate::LedgerError;

/// Cash or an asset moved into (`amount > 0`) or out of (`amount < 0`) an account:
/// deposits, withdrawals and opening balances.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    /// Idempotency key: a transfer id is applied once.
    pub transfer_id: String,
    pub account: String,
    pub venue: Venue,
    pub asset: String,
    pub amount: Decimal,
    pub memo: String,
    pub at_ms: i64,
}

/// One movement of an asset into or out of one ledger account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posting {
    pub account: LedgerAccount,
    pub asset: String,
    /// Positive: the ledger account's balance grows.
    pub amount: Decimal,
}

impl Posting {
    /// The ledger account's full name, e.g. `holdings:alice:binance:BTC`.
    pub fn name(&self) -> String {
        self.account.name(&self.asset)
    }
}

/// What made an entry: a fill (unique per venue) or a transfer.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EntrySource {
    Fill { venue: Venue, fill_id: String },
    Transfer { transfer_id: String },
}

/// One balanced entry of the journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalEntry {
    /// 1 for the first entry of a ledger, then one more for each entry.
    pub sequence: u64,
    pub source: EntrySource,
    /// The trading account the entry belongs to.
    pub account: String,
    /// When the fill happened or the transfer was recorded.
    pub at_ms: i64,
    pub postings: Vec<Posting>,
}

impl JournalEntry {
    /// The sum of the postings in each asset.
    pub fn totals(&self) -> BTreeMap<&str, Decimal> {
        let mut totals: BTreeMap<&str, Decimal> = BTreeMap::new();
        for posting in &self.postings {
            *totals.entry(posting.asset.as_str()).or_default() += posting.amount;
        }
        totals
    }

    /// Whether the postings sum to zero in every asset.
    pub fn is_balanced(&self) -> bool {
        self.totals().values().all(Decimal::is_zero)
    }
}

/// The postings of a checked fill: the base asset moves between the account's holdings
/// and the venue, the notional in the quote asset the other way, and the fee from the
/// holdings to the venue's fees account.
pub(crate) fn fill_postings(fill: &Fill) -> Result<Vec<Posting>, LedgerError> {
    let base = fill.symbol.base().to_string();
    let quote = fill.symbol.quote().to_string();
    let notional = fill
        .quantity
        .checked_mul(fill.price)
        .ok_or_else(|| LedgerError::Overflow("the fill's notional".into()))?;
    let direction = match fill.side {
        Side::Buy => Decimal::ONE,
        Side::Sell => Decimal::NEGATIVE_ONE,
    };
    let holdings = LedgerAccount::holdings(&fill.account, fill.venue);
    let venue = LedgerAccount::Venue { venue: fill.venue };
    let mut postings = vec![
        posting(&holdings, &base, direction * fill.quantity),
        posting(&venue, &base, -direction * fill.quantity),
        posting(&holdings, &quote, -direction * notional),
        posting(&venue, &quote, direction * notional),
    ];
    if !fill.fee.is_zero() {
        let fees = LedgerAccount::Fees { venue: fill.venue };
        postings.push(posting(&holdings, &fill.fee_asset, -fill.fee));
        postings.push(posting(&fees, &fill.fee_asset, fill.fee));
    }
    Ok(postings)
}

/// The postings of a checked transfer: the account's holdings against its equity.
pub(crate) fn transfer_postings(transfer: &Transfer) -> Vec<Posting> {
    let holdings = LedgerAccount::holdings(&transfer.account, transfer.venue);
    let equity = LedgerAccount::equity(&transfer.account);
    vec![
        posting(&holdings, &transfer.asset, transfer.amount),
        posting(&equity, &transfer.asset, -transfer.amount),
    ]
}

fn posting(account: &LedgerAccount, asset: &str, amount: Decimal) -> Posting {
    Posting {
        account: account.clone(),
        asset: asset.to_string(),
        amount,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quorum_domain::Liquidity;

    fn sell() -> Fill {
        Fill {
            fill_id: "f-1".into(),
            order_id: "o-1".into(),
            account: "alice".into(),
            venue: Venue::Okx,
            symbol: "ETH-USDT".parse().unwrap(),
            side: Side::Sell,
            price: Decimal::from(2000),
            quantity: Decimal::from(2),
            fee: Decimal::from(4),
            fee_asset: "USDT".into(),
            liquidity: Liquidity::Maker,
            filled_at_ms: 5,
        }
    }

    #[test]
    fn a_sell_moves_base_out_notional_in_and_the_fee_to_the_venue() {
        let postings = fill_postings(&sell()).unwrap();
        let named: Vec<(String, Decimal)> = postings
            .iter()
            .map(|posting| (posting.name(), posting.amount))
            .collect();
        assert_eq!(
            named,
            [
                ("holdings:alice:okx:ETH".to_string(), Decimal::from(-2)),
                ("venue:okx:ETH".to_string(), Decimal::from(2)),
                ("holdings:alice:okx:USDT".to_string(), Decimal::from(4000)),
                ("venue:okx:USDT".to_string(), Decimal::from(-4000)),
                ("holdings:alice:okx:USDT".to_string(), Decimal::from(-4)),
                ("fees:okx:USDT".to_string(), Decimal::from(4)),
            ]
        );
        let entry = JournalEntry {
            sequence: 1,
            source: EntrySource::Fill {
                venue: Venue::Okx,
                fill_id: "f-1".into(),
            },
            account: "alice".into(),
            at_ms: 5,
            postings,
        };
        assert!(entry.is_balanced());
    }

    #[test]
    fn a_fill_without_fee_has_no_fee_postings_and_a_transfer_two() {
        let mut free = sell();
        free.fee = Decimal::ZERO;
        assert_eq!(fill_postings(&free).unwrap().len(), 4);
        let transfer = Transfer {
            transfer_id: "t".into(),
            account: "alice".into(),
            venue: Venue::Okx,
            asset: "USDT".into(),
            amount: Decimal::from(-7),
            memo: String::new(),
            at_ms: 1,
        };
        let postings = transfer_postings(&transfer);
        assert_eq!(postings[0].name(), "holdings:alice:okx:USDT");
        assert_eq!(postings[0].amount, Decimal::from(-7));
        assert_eq!(postings[1].name(), "equity:alice");
        assert_eq!(postings[1].amount, Decimal::from(7));
    }
}
