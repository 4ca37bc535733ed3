//! Rebuilding the ledger at start: the stored fills and transfers are applied again in
//! journal order, which gives every position, balance and applied id back exactly;
//! then the balances are checked against the stored postings. A journal that does not
//! replay to itself stops the start rather than serve wrong numbers.
use std::collections::BTreeMap;

use quorum_domain::Decimal;
use quorum_ledger::Ledger;
use sqlx::PgPool;

use crate::store::{self, StoredFill, StoredTransfer};

/// What a replay found wrong.
#[derive(Debug, thiserror::Error)]
pub enum RebuildError {
    #[error("reading the journal: {0}")]
    Read(#[from] store::ReadError),
    #[error("journal entry {sequence}: {problem}")]
    Entry { sequence: u64, problem: String },
    #[error(
        "ledger account {account} in {asset}: the journal's postings sum to {stored}, the replay to {replayed}"
    )]
    Mismatch {
        account: String,
        asset: String,
        stored: Decimal,
        replayed: Decimal,
    },
}

/// The ledger as the journal in `pool` describes it.
pub async fn rebuild(pool: &PgPool, valuation_asset: &str) -> Result<Ledger, RebuildError> {
    let mut ledger = Ledger::new(valuation_asset).map_err(|error| RebuildError::Entry {
        sequence: 0,
        problem: error.to_string(),
    })?;
    let fills = store::fills(pool).await?;
    let transfers = store::transfers(pool).await?;
    replay(&mut ledger, fills, transfers)?;
    check_postings(&ledger, store::posting_totals(pool).await?)?;
    Ok(ledger)
}

/// Applies fills and transfers merged in journal order; each must get its own sequence.
pub fn replay(
    ledger: &mut Ledger,
    fills: Vec<StoredFill>,
    transfers: Vec<StoredTransfer>,
) -> Result<(), RebuildError> {
    let mut fills = fills.into_iter().peekable();
    let mut transfers = transfers.into_iter().peekable();
    loop {
        let next_fill = fills.peek().map(|stored| stored.sequence);
        let next_transfer = transfers.peek().map(|stored| stored.sequence);
        let (sequence, applied) = match (next_fill, next_transfer) {
            (None, None) => return Ok(()),
            (Some(fill), transfer) if transfer.is_none_or(|transfer| fill < transfer) => {
                let Some(stored) = fills.next() else {
                    return Ok(());
                };
                let outcome = ledger.apply_fill(&stored.fill);
                (stored.sequence, outcome.map(|outcome| outcome.is_applied()))
            }
            _ => {
                let Some(stored) = transfers.next() else {
                    return Ok(());
                };
                let outcome = ledger.apply_transfer(&stored.transfer);
                (stored.sequence, outcome.map(|outcome| outcome.is_applied()))
            }
        };
        let entry_problem = |problem: String| RebuildError::Entry { sequence, problem };
        match applied {
            Ok(true) if ledger.entries() == sequence => {}
            Ok(true) => {
                return Err(entry_problem(format!(
                    "replayed as entry {}: the journal has a gap",
                    ledger.entries()
                )));
            }
            Ok(false) => return Err(entry_problem("its id was applied twice".into())),
            Err(error) => return Err(entry_problem(error.to_string())),
        }
    }
}

/// Every ledger account's replayed balance must equal the sum of its stored postings.
fn check_postings(
    ledger: &Ledger,
    stored: BTreeMap<(String, String), Decimal>,
) -> Result<(), RebuildError> {
    let mut replayed: BTreeMap<(String, String), Decimal> = BTreeMap::new();
    for (account, asset, amount) in ledger.balances() {
        *replayed
            .entry((account.name(asset), asset.to_string()))
            .or_default() += amount;
    }
    let keys: std::collections::BTreeSet<&(String, String)> =
        stored.keys().chain(replayed.keys()).collect();
    for key in keys {
        let stored_total = stored.get(key).copied().unwrap_or_default();
        let replayed_total = replayed.get(key).copied().unwrap_or_default();
        if stored_total != replayed_total {
            return Err(RebuildError::Mismatch {
                account: key.0.clone(),
                asset: key.1.clone(),
                stored: stored_total,
                replayed: replayed_total,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use quorum_domain::{Fill, Liquidity, Side, Venue};
    use quorum_ledger::{LedgerAccount, Transfer};

    fn fill(sequence: u64, id: &str) -> StoredFill {
        StoredFill {
            sequence,
            fill: Fill {
                fill_id: id.into(),
                order_id: "o".into(),
                account: "alice".into(),
                venue: Venue::Binance,
                symbol: "BTC-USDT".parse().unwrap(),
                side: Side::Buy,
                price: Decimal::from(100),
                quantity: Decimal::ONE,
                fee: Decimal::ONE,
                fee_asset: "USDT".into(),
                liquidity: Liquidity::Taker,
                filled_at_ms: 1,
            },
        }
    }

    fn transfer(sequence: u64) -> StoredTransfer {
        StoredTransfer {
            sequence,
            transfer: Transfer {
                transfer_id: format!("t-{sequence}"),
                account: "alice".into(),
                venue: Venue::Binance,
                asset: "USDT".into(),
                amount: Decimal::from(1000),
                memo: String::new(),
                at_ms: 1,
            },
        }
    }

    #[test]
    fn fills_and_transfers_replay_in_journal_order() {
        let mut ledger = Ledger::new("USDT").unwrap();
        replay(
            &mut ledger,
            vec![fill(2, "a"), fill(4, "b")],
            vec![transfer(1), transfer(3)],
        )
        .unwrap();
        assert_eq!(ledger.entries(), 4);
        let holdings = LedgerAccount::holdings("alice", Venue::Binance);
        assert_eq!(ledger.balance(&holdings, "USDT"), Decimal::from(2000 - 202));
        assert_eq!(ledger.balance(&holdings, "BTC"), Decimal::from(2));
    }

    #[test]
    fn gaps_and_repeated_ids_stop_the_replay() {
        let mut ledger = Ledger::new("USDT").unwrap();
        let error = replay(&mut ledger, vec![fill(2, "a")], vec![]).unwrap_err();
        assert!(error.to_string().contains("gap"), "{error}");
        let mut ledger = Ledger::new("USDT").unwrap();
        let error = replay(&mut ledger, vec![fill(1, "a"), fill(2, "a")], vec![]).unwrap_err();
        assert!(error.to_string().contains("journal entry 2"), "{error}");
    }

    #[test]
    fn postings_that_disagree_with_the_replay_are_named() {
        let mut ledger = Ledger::new("USDT").unwrap();
        replay(&mut ledger, vec![], vec![transfer(1)]).unwrap();
        let mut stored = BTreeMap::new();
        stored.insert(
            (
                "holdings:alice:binance:USDT".to_string(),
                "USDT".to_string(),
            ),
            Decimal::from(1000),
        );
        stored.insert(
            ("equity:alice".to_string(), "USDT".to_string()),
            Decimal::from(-1000),
        );
        check_postings(&ledger, stored.clone()).unwrap();
        stored.insert(
            ("equity:alice".to_string(), "USDT".to_string()),
            Decimal::from(-999),
        );
        let error = check_postings(&ledger, stored).unwrap_err();
        assert!(error.to_string().contains("equity:alice"), "{error}");
    }
}
