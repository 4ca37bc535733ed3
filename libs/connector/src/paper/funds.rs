//! Paper balances: per account and asset, a free amount and an amount locked by open
//! orders, in exact decimals. Accounts start with the configured balances on first use.
//! Every asset an operation touched is remembered until taken, so it can be stored.
use std::collections::{BTreeMap, BTreeSet, HashMap};

use quorum_domain::Decimal;

/// One asset of an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Balance {
    pub asset: String,
    /// Available for new orders.
    pub free: Decimal,
    /// Reserved by open orders.
    pub locked: Decimal,
}

/// One asset of one account, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountBalance {
    pub account: String,
    pub asset: String,
    pub free: Decimal,
    pub locked: Decimal,
}

/// Not enough of an asset is free.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Insufficient {
    pub asset: String,
    pub needed: Decimal,
    pub free: Decimal,
}

impl std::fmt::Display for Insufficient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "insufficient {}: the order needs {} but {} is free",
            self.asset,
            self.needed.normalize(),
            self.free.normalize()
        )
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Amounts {
    free: Decimal,
    locked: Decimal,
}

/// Every paper account's balances.
#[derive(Debug, Clone)]
pub(crate) struct Funds {
    initial: Vec<(String, Decimal)>,
    accounts: HashMap<String, BTreeMap<String, Amounts>>,
    /// (account, asset) changed since the last [`Funds::take_changed`].
    changed: BTreeSet<(String, String)>,
}

impl Funds {
    pub fn new(initial: Vec<(String, Decimal)>) -> Self {
        Self {
            initial,
            accounts: HashMap::new(),
            changed: BTreeSet::new(),
        }
    }

    /// The assets changed since the last call, as they are now.
    pub fn take_changed(&mut self) -> Vec<AccountBalance> {
        let changed = std::mem::take(&mut self.changed);
        changed
            .into_iter()
            .filter_map(|(account, asset)| {
                let amounts = *self.accounts.get(&account)?.get(&asset)?;
                Some(AccountBalance {
                    account,
                    asset,
                    free: amounts.free,
                    locked: amounts.locked,
                })
            })
            .collect()
    }

    /// Every asset of every known account, by account then asset.
    pub fn snapshot(&self) -> Vec<AccountBalance> {
        let mut balances: Vec<AccountBalance> = self
            .accounts
            .iter()
            .flat_map(|(account, assets)| {
                assets.iter().map(|(asset, amounts)| AccountBalance {
                    account: account.clone(),
                    asset: asset.clone(),
                    free: amounts.free,
                    locked: amounts.locked,
                })
            })
            .collect();
        balances.sort_by(|a, b| (&a.account, &a.asset).cmp(&(&b.account, &b.asset)));
        balances
    }

    /// Replaces every account with `balances` (a [`Funds::snapshot`] or stored rows).
    pub fn restore(&mut self, balances: Vec<AccountBalance>) {
        self.accounts.clear();
        self.changed.clear();
        for balance in balances {
            let amounts = Amounts {
                free: balance.free,
                locked: balance.locked,
            };
            self.accounts
                .entry(balance.account)
                .or_default()
                .insert(balance.asset, amounts);
        }
    }

    pub fn knows(&self, account: &str) -> bool {
        self.accounts.contains_key(account)
    }

    pub fn account_count(&self) -> usize {
        self.accounts.len()
    }

    #[cfg(test)]
    pub fn free(&self, account: &str, asset: &str) -> Decimal {
        match self.accounts.get(account) {
            Some(assets) => assets.get(asset).map(|a| a.free).unwrap_or_default(),
            None => self
                .initial
                .iter()
                .find(|(known, _)| known == asset)
                .map(|(_, amount)| *amount)
                .unwrap_or_default(),
        }
    }

    /// Moves `amount` from free to locked, or says how much is missing.
    pub fn lock(
        &mut self,
        account: &str,
        asset: &str,
        amount: Decimal,
    ) -> Result<(), Insufficient> {
        let amounts = self.amounts(account, asset);
        if amounts.free < amount {
            return Err(Insufficient {
                asset: asset.to_string(),
                needed: amount,
                free: amounts.free,
            });
        }
        amounts.free -= amount;
        amounts.locked += amount;
        Ok(())
    }

    /// Moves `amount` back from locked to free.
    pub fn release(&mut self, account: &str, asset: &str, amount: Decimal) {
        let amounts = self.amounts(account, asset);
        let amount = amount.min(amounts.locked);
        amounts.locked -= amount;
        amounts.free += amount;
    }

    /// Pays `amount` out of the locked part (a fill spent it).
    pub fn spend_locked(&mut self, account: &str, asset: &str, amount: Decimal) {
        let amounts = self.amounts(account, asset);
        amounts.locked -= amount.min(amounts.locked);
    }

    /// Adds `amount` to the free part (a fill brought it).
    pub fn credit(&mut self, account: &str, asset: &str, amount: Decimal) {
        self.amounts(account, asset).free += amount;
    }

    /// Every asset of the account, by name.
    pub fn balances(&self, account: &str) -> Vec<Balance> {
        match self.accounts.get(account) {
            Some(assets) => assets
                .iter()
                .map(|(asset, amounts)| Balance {
                    asset: asset.clone(),
                    free: amounts.free,
                    locked: amounts.locked,
                })
                .collect(),
            None => {
                let mut balances: Vec<Balance> = self
                    .initial
                    .iter()
                    .map(|(asset, amount)| Balance {
                        asset: asset.clone(),
                        free: *amount,
                        locked: Decimal::ZERO,
                    })
                    .collect();
                balances.sort_by(|a, b| a.asset.cmp(&b.asset));
                balances
            }
        }
    }

    fn amounts(&mut self, account: &str, asset: &str) -> &mut Amounts {
        if !self.accounts.contains_key(account) {
            // A new account is stored whole, with every initial asset.
            let assets: BTreeMap<String, Amounts> = self
                .initial
                .iter()
                .map(|(asset, amount)| {
                    let amounts = Amounts {
                        free: *amount,
                        locked: Decimal::ZERO,
                    };
                    (asset.clone(), amounts)
                })
                .collect();
            for asset in assets.keys() {
                self.changed.insert((account.to_string(), asset.clone()));
            }
            self.accounts.insert(account.to_string(), assets);
        }
        self.changed
            .insert((account.to_string(), asset.to_string()));
        let assets = self.accounts.entry(account.to_string()).or_default();
        assets.entry(asset.to_string()).or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    fn funds() -> Funds {
        Funds::new(vec![("USDT".into(), dec!(1000)), ("BTC".into(), dec!(1))])
    }

    #[test]
    fn new_accounts_start_with_the_initial_balances() {
        let funds = funds();
        assert_eq!(funds.free("alice", "USDT"), dec!(1000));
        assert_eq!(funds.free("alice", "ETH"), dec!(0));
        let balances = funds.balances("alice");
        assert_eq!(balances[0].asset, "BTC");
        assert_eq!(balances[1].free, dec!(1000));
    }

    #[test]
    fn lock_release_spend_and_credit_move_the_right_amounts() {
        let mut funds = funds();
        funds.lock("a", "USDT", dec!(300)).unwrap();
        assert_eq!(funds.free("a", "USDT"), dec!(700));
        funds.spend_locked("a", "USDT", dec!(100));
        funds.release("a", "USDT", dec!(200));
        funds.credit("a", "BTC", dec!(0.5));
        let balances = funds.balances("a");
        let usdt = balances.iter().find(|b| b.asset == "USDT").unwrap();
        assert_eq!((usdt.free, usdt.locked), (dec!(900), dec!(0)));
        assert_eq!(funds.free("a", "BTC"), dec!(1.5));
        assert_eq!(funds.free("b", "USDT"), dec!(1000), "accounts are separate");
    }

    #[test]
    fn touched_assets_are_taken_once_and_a_new_account_comes_whole() {
        let mut funds = funds();
        funds.lock("a", "USDT", dec!(300)).unwrap();
        let changed = funds.take_changed();
        let names: Vec<(&str, &str)> = changed
            .iter()
            .map(|b| (b.account.as_str(), b.asset.as_str()))
            .collect();
        assert_eq!(names, [("a", "BTC"), ("a", "USDT")]);
        assert_eq!((changed[1].free, changed[1].locked), (dec!(700), dec!(300)));
        assert!(funds.take_changed().is_empty(), "taken once");
        funds.credit("a", "ETH", dec!(2));
        assert_eq!(funds.take_changed().len(), 1);

        let mut copy = Funds::new(Vec::new());
        copy.restore(funds.snapshot());
        assert_eq!(copy.snapshot(), funds.snapshot());
        assert!(copy.knows("a") && !copy.knows("b"));
    }

    #[test]
    fn locking_more_than_is_free_fails_and_changes_nothing() {
        let mut funds = funds();
        let missing = funds.lock("a", "USDT", dec!(1000.01)).unwrap_err();
        assert_eq!(missing.needed, dec!(1000.01));
        assert_eq!(missing.free, dec!(1000));
        assert!(missing.to_string().contains("insufficient USDT"));
        assert_eq!(funds.free("a", "USDT"), dec!(1000));
    }
}
