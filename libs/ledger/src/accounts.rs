//! Ledger accounts: the places a posting moves an asset out of or into.
use std::fmt;

use quorum_domain::Venue;

/// One ledger account. Its balance in an asset is the sum of its postings in that asset.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LedgerAccount {
    /// What a trading account holds on a venue (`holdings:<account>:<venue>:<asset>`).
    Holdings { account: String, venue: Venue },
    /// The venue as the counterparty of every trade (`venue:<venue>:<asset>`).
    Venue { venue: Venue },
    /// Fees the venue charged (`fees:<venue>:<asset>`).
    Fees { venue: Venue },
    /// Capital brought in or taken out of an account: the other side of its transfers
    /// (`equity:<account>`).
    Equity { account: String },
}

impl LedgerAccount {
    pub fn holdings(account: &str, venue: Venue) -> Self {
        LedgerAccount::Holdings {
            account: account.to_string(),
            venue,
        }
    }

    pub fn equity(account: &str) -> Self {
        LedgerAccount::Equity {
            account: account.to_string(),
        }
    }

    /// The account's name with the asset where the name carries it, e.g.
    /// `holdings:alice:binance:BTC` or `equity:alice`.
    pub fn name(&self, asset: &str) -> String {
        match self {
            LedgerAccount::Holdings { account, venue } => {
                format!("holdings:{account}:{venue}:{asset}")
            }
            LedgerAccount::Venue { venue } => format!("venue:{venue}:{asset}"),
            LedgerAccount::Fees { venue } => format!("fees:{venue}:{asset}"),
            LedgerAccount::Equity { account } => format!("equity:{account}"),
        }
    }

    /// The trading account this ledger account belongs to, if any.
    pub fn owner(&self) -> Option<&str> {
        match self {
            LedgerAccount::Holdings { account, .. } | LedgerAccount::Equity { account } => {
                Some(account)
            }
            LedgerAccount::Venue { .. } | LedgerAccount::Fees { .. } => None,
        }
    }
}

impl fmt::Display for LedgerAccount {
    /// The name without the asset (`holdings:alice:binance`, `venue:okx`, ...).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LedgerAccount::Holdings { account, venue } => write!(f, "holdings:{account}:{venue}"),
            LedgerAccount::Venue { venue } => write!(f, "venue:{venue}"),
            LedgerAccount::Fees { venue } => write!(f, "fees:{venue}"),
            LedgerAccount::Equity { account } => write!(f, "equity:{account}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_documented_scheme() {
        let holdings = LedgerAccount::holdings("alice", Venue::Binance);
        assert_eq!(holdings.name("BTC"), "holdings:alice:binance:BTC");
        assert_eq!(
            LedgerAccount::Venue { venue: Venue::Okx }.name("USDT"),
            "venue:okx:USDT"
        );
        assert_eq!(
            LedgerAccount::Fees {
                venue: Venue::Gateio
            }
            .name("USDT"),
            "fees:gateio:USDT"
        );
        assert_eq!(LedgerAccount::equity("alice").name("USDT"), "equity:alice");
        assert_eq!(holdings.owner(), Some("alice"));
        assert_eq!(LedgerAccount::Venue { venue: Venue::Okx }.owner(), None);
    }
}
