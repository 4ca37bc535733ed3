//! The ledger: running balances of every ledger account, positions, and the fills and
//! transfers already applied. Applying is two steps so a caller can make an entry durable
//! before it counts: `plan_*` works the entry out without changing anything, `commit_*`
//! applies that plan. `apply_*` does both at once.
use std::collections::{BTreeMap, HashSet};

use quorum_domain::{Decimal, Fill, Symbol, Venue};

use crate::accounts::LedgerAccount;
use crate::journal::{EntrySource, JournalEntry, Transfer, fill_postings, transfer_postings};
use crate::position::Position;
use crate::validate::{LedgerError, asset, check_fill, check_transfer};

/// Whether a fill or transfer changed the ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome<T> {
    Applied(T),
    /// Its id had been applied before: nothing changed.
    AlreadyApplied,
}

impl<T> Outcome<T> {
    pub fn is_applied(&self) -> bool {
        matches!(self, Outcome::Applied(_))
    }
}

/// What a fill does to the ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FillEffect {
    /// The fill as checked (ids trimmed, fee asset filled in).
    pub fill: Fill,
    pub entry: JournalEntry,
    /// The position after the fill.
    pub position: Position,
    /// Realized by this fill, net of its fee, in the quote asset.
    pub realized_pnl: Decimal,
    balances: Vec<(BalanceKey, Decimal)>,
}

/// What a transfer does to the ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferEffect {
    /// The transfer as checked (ids trimmed, asset in upper case).
    pub transfer: Transfer,
    pub entry: JournalEntry,
    balances: Vec<(BalanceKey, Decimal)>,
}

/// How much happened in an account (on one venue, or summed over venues).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Activity {
    pub fills: u64,
    pub transfers: u64,
    /// Time of the latest fill or transfer.
    pub last_change_ms: i64,
}

type BalanceKey = (LedgerAccount, String);

#[derive(Debug, Clone)]
pub struct Ledger {
    valuation_asset: String,
    entries: u64,
    balances: BTreeMap<BalanceKey, Decimal>,
    /// Per account, per (venue, symbol).
    positions: BTreeMap<String, BTreeMap<(Venue, Symbol), Position>>,
    fills: HashSet<(Venue, String)>,
    transfers: HashSet<String>,
    /// Per account, per venue.
    activity: BTreeMap<String, BTreeMap<Venue, Activity>>,
}

impl Ledger {
    /// An empty ledger valuing everything in `valuation_asset` (e.g. USDT).
    pub fn new(valuation_asset: &str) -> Result<Self, LedgerError> {
        Ok(Self {
            valuation_asset: asset("valuation_asset", valuation_asset)?,
            entries: 0,
            balances: BTreeMap::new(),
            positions: BTreeMap::new(),
            fills: HashSet::new(),
            transfers: HashSet::new(),
            activity: BTreeMap::new(),
        })
    }

    pub fn valuation_asset(&self) -> &str {
        &self.valuation_asset
    }

    /// Entries applied so far (the sequence of the last one).
    pub fn entries(&self) -> u64 {
        self.entries
    }

    /// The entry a fill would add, or `AlreadyApplied` when its (venue, fill id) was.
    pub fn plan_fill(&self, fill: &Fill) -> Result<Outcome<FillEffect>, LedgerError> {
        let fill = check_fill(fill)?;
        if self.has_fill(fill.venue, &fill.fill_id) {
            return Ok(Outcome::AlreadyApplied);
        }
        let postings = fill_postings(&fill)?;
        let before = self
            .position(&fill.account, fill.venue, &fill.symbol)
            .cloned()
            .unwrap_or_else(|| Position::new(&fill.account, fill.venue, fill.symbol.clone()));
        let change = before.after_fill(
            fill.side,
            fill.quantity,
            fill.price,
            fill.fee,
            fill.filled_at_ms,
        )?;
        let entry = JournalEntry {
            sequence: self.entries + 1,
            source: EntrySource::Fill {
                venue: fill.venue,
                fill_id: fill.fill_id.clone(),
            },
            account: fill.account.clone(),
            at_ms: fill.filled_at_ms,
            postings,
        };
        let balances = self.balances_after(&entry)?;
        Ok(Outcome::Applied(FillEffect {
            fill,
            entry,
            position: change.position,
            realized_pnl: change.realized_pnl,
            balances,
        }))
    }

    /// Applies a plan made by [`Ledger::plan_fill`] on this ledger as it is now.
    pub fn commit_fill(&mut self, effect: &FillEffect) -> Result<(), LedgerError> {
        let fill = &effect.fill;
        if effect.entry.sequence != self.entries + 1 || self.has_fill(fill.venue, &fill.fill_id) {
            return Err(LedgerError::Stale);
        }
        self.write_balances(&effect.balances);
        self.entries = effect.entry.sequence;
        self.fills.insert((fill.venue, fill.fill_id.clone()));
        self.positions
            .entry(fill.account.clone())
            .or_default()
            .insert((fill.venue, fill.symbol.clone()), effect.position.clone());
        let activity = self.activity_mut(&fill.account, fill.venue);
        activity.fills += 1;
        activity.last_change_ms = activity.last_change_ms.max(fill.filled_at_ms);
        Ok(())
    }

    /// Plans and commits a fill.
    pub fn apply_fill(&mut self, fill: &Fill) -> Result<Outcome<FillEffect>, LedgerError> {
        let outcome = self.plan_fill(fill)?;
        if let Outcome::Applied(effect) = &outcome {
            self.commit_fill(effect)?;
        }
        Ok(outcome)
    }

    /// The entry a transfer would add, or `AlreadyApplied` when its id was.
    pub fn plan_transfer(
        &self,
        transfer: &Transfer,
    ) -> Result<Outcome<TransferEffect>, LedgerError> {
        let transfer = check_transfer(transfer)?;
        if self.has_transfer(&transfer.transfer_id) {
            return Ok(Outcome::AlreadyApplied);
        }
        let entry = JournalEntry {
            sequence: self.entries + 1,
            source: EntrySource::Transfer {
                transfer_id: transfer.transfer_id.clone(),
            },
            account: transfer.account.clone(),
            at_ms: transfer.at_ms,
            postings: transfer_postings(&transfer),
        };
        let balances = self.balances_after(&entry)?;
        Ok(Outcome::Applied(TransferEffect {
            transfer,
            entry,
            balances,
        }))
    }

    /// Applies a plan made by [`Ledger::plan_transfer`] on this ledger as it is now.
    pub fn commit_transfer(&mut self, effect: &TransferEffect) -> Result<(), LedgerError> {
        let transfer = &effect.transfer;
        if effect.entry.sequence != self.entries + 1 || self.has_transfer(&transfer.transfer_id) {
            return Err(LedgerError::Stale);
        }
        self.write_balances(&effect.balances);
        self.entries = effect.entry.sequence;
        self.transfers.insert(transfer.transfer_id.clone());
        let activity = self.activity_mut(&transfer.account, transfer.venue);
        activity.transfers += 1;
        activity.last_change_ms = activity.last_change_ms.max(transfer.at_ms);
        Ok(())
    }

    /// Plans and commits a transfer.
    pub fn apply_transfer(
        &mut self,
        transfer: &Transfer,
    ) -> Result<Outcome<TransferEffect>, LedgerError> {
        let outcome = self.plan_transfer(transfer)?;
        if let Outcome::Applied(effect) = &outcome {
            self.commit_transfer(effect)?;
        }
        Ok(outcome)
    }

    pub fn has_fill(&self, venue: Venue, fill_id: &str) -> bool {
        self.fills.contains(&(venue, fill_id.trim().to_string()))
    }

    pub fn has_transfer(&self, transfer_id: &str) -> bool {
        self.transfers.contains(transfer_id.trim())
    }

    /// Whether any fill or transfer of `account` was applied.
    pub fn knows_account(&self, account: &str) -> bool {
        self.activity.contains_key(account)
    }

    /// Every account with an entry, in name order.
    pub fn accounts(&self) -> Vec<String> {
        self.activity.keys().cloned().collect()
    }

    /// The balance of one ledger account in one asset.
    pub fn balance(&self, account: &LedgerAccount, asset: &str) -> Decimal {
        self.balances
            .get(&(account.clone(), asset.to_string()))
            .copied()
            .unwrap_or_default()
    }

    /// Every ledger account's balance in every asset it has postings in.
    pub fn balances(&self) -> impl Iterator<Item = (&LedgerAccount, &str, Decimal)> {
        self.balances
            .iter()
            .map(|((account, asset), amount)| (account, asset.as_str(), *amount))
    }

    /// What `account` holds per asset on `venue`, or summed over venues when `None`.
    pub fn holdings(&self, account: &str, venue: Option<Venue>) -> BTreeMap<String, Decimal> {
        let mut holdings: BTreeMap<String, Decimal> = BTreeMap::new();
        for ((ledger_account, asset), amount) in &self.balances {
            if let LedgerAccount::Holdings {
                account: owner,
                venue: held_on,
            } = ledger_account
                && owner == account
                && venue.is_none_or(|venue| venue == *held_on)
            {
                let total = holdings.entry(asset.clone()).or_default();
                *total = total.saturating_add(*amount);
            }
        }
        holdings
    }

    /// `account`'s positions (flat ones included), by venue then symbol.
    pub fn positions(&self, account: &str, venue: Option<Venue>) -> Vec<&Position> {
        self.positions
            .get(account)
            .into_iter()
            .flat_map(|positions| positions.iter())
            .filter(|((held_on, _), _)| venue.is_none_or(|venue| venue == *held_on))
            .map(|(_, position)| position)
            .collect()
    }

    pub fn position(&self, account: &str, venue: Venue, symbol: &Symbol) -> Option<&Position> {
        self.positions.get(account)?.get(&(venue, symbol.clone()))
    }

    /// Fills, transfers and the latest change of `account` on `venue` (or every venue).
    pub fn activity(&self, account: &str, venue: Option<Venue>) -> Activity {
        self.activity
            .get(account)
            .into_iter()
            .flat_map(|venues| venues.iter())
            .filter(|(held_on, _)| venue.is_none_or(|venue| venue == **held_on))
            .fold(Activity::default(), |total, (_, activity)| Activity {
                fills: total.fills + activity.fills,
                transfers: total.transfers + activity.transfers,
                last_change_ms: total.last_change_ms.max(activity.last_change_ms),
            })
    }

    /// The new balance of every ledger account `entry` touches, or the one that would
    /// leave the range of exact decimals.
    fn balances_after(
        &self,
        entry: &JournalEntry,
    ) -> Result<Vec<(BalanceKey, Decimal)>, LedgerError> {
        let mut after: BTreeMap<BalanceKey, Decimal> = BTreeMap::new();
        for posting in &entry.postings {
            let key = (posting.account.clone(), posting.asset.clone());
            let current = match after.get(&key) {
                Some(amount) => *amount,
                None => self.balances.get(&key).copied().unwrap_or_default(),
            };
            let next = current
                .checked_add(posting.amount)
                .ok_or_else(|| LedgerError::Overflow(posting.name()))?;
            after.insert(key, next);
        }
        Ok(after.into_iter().collect())
    }

    fn write_balances(&mut self, balances: &[(BalanceKey, Decimal)]) {
        for (key, amount) in balances {
            self.balances.insert(key.clone(), *amount);
        }
    }

    fn activity_mut(&mut self, account: &str, venue: Venue) -> &mut Activity {
        self.activity
            .entry(account.to_string())
            .or_default()
            .entry(venue)
            .or_default()
    }
}
