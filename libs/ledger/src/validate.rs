//! What the ledger accepts: checks on fills and transfers that name the offending field,
//! and the bounds that keep every sum exact.
use quorum_domain::{Decimal, Fill};
use rust_decimal::dec;

use crate::journal::Transfer;

/// Largest fill quantity accepted.
pub const MAX_QUANTITY: Decimal = dec!(1_000_000_000_000_000);
/// Largest fill price accepted.
pub const MAX_PRICE: Decimal = dec!(1_000_000_000_000);
/// Largest notional (quantity x price), fee or transfer amount accepted.
pub const MAX_AMOUNT: Decimal = dec!(1_000_000_000_000_000_000);
/// Most decimal places of a price, quantity, fee or amount.
pub const MAX_SCALE: u32 = 18;
/// Longest fill id, transfer id, account name or memo.
pub const MAX_ID_LENGTH: usize = 200;

/// Why the ledger refused a fill or a transfer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    /// A field is missing or wrong; `field` names it as in the request (`fill.price`).
    #[error("{field}: {problem}")]
    Invalid { field: String, problem: String },
    /// A balance would leave the range exact decimals can hold.
    #[error("{0} would leave the range of exact decimals")]
    Overflow(String),
    /// A plan was committed after the ledger changed under it.
    #[error("the ledger changed since this entry was planned; plan it again")]
    Stale,
}

impl LedgerError {
    pub fn invalid(field: &str, problem: impl Into<String>) -> Self {
        LedgerError::Invalid {
            field: field.to_string(),
            problem: problem.into(),
        }
    }

    /// The field at fault, for input errors.
    pub fn field(&self) -> Option<&str> {
        match self {
            LedgerError::Invalid { field, .. } => Some(field),
            LedgerError::Overflow(_) | LedgerError::Stale => None,
        }
    }
}

/// The fill with its ids trimmed and its fee asset filled in, or the first problem.
pub fn check_fill(fill: &Fill) -> Result<Fill, LedgerError> {
    let mut checked = fill.clone();
    checked.fill_id = identifier("fill.fill_id", &fill.fill_id)?;
    checked.account = account_name("fill.account", &fill.account)?;
    bounded("fill.quantity", fill.quantity, MAX_QUANTITY, Sign::Positive)?;
    bounded("fill.price", fill.price, MAX_PRICE, Sign::Positive)?;
    bounded("fill.fee", fill.fee, MAX_AMOUNT, Sign::NotNegative)?;
    let notional = fill
        .quantity
        .checked_mul(fill.price)
        .filter(|notional| *notional <= MAX_AMOUNT);
    if notional.is_none() {
        return Err(LedgerError::invalid(
            "fill.quantity",
            format!("quantity x price must be at most {MAX_AMOUNT}"),
        ));
    }
    let quote = fill.symbol.quote();
    let fee_asset = fill.fee_asset.trim();
    if !(fee_asset.is_empty() || fee_asset.eq_ignore_ascii_case(quote)) {
        return Err(LedgerError::invalid(
            "fill.fee_asset",
            format!(
                "'{fee_asset}' is not supported: fees are charged in the quote asset ({quote})"
            ),
        ));
    }
    checked.fee_asset = quote.to_string();
    if fill.filled_at_ms < 0 {
        return Err(LedgerError::invalid(
            "fill.filled_at_unix_ms",
            "must be a Unix time in milliseconds, not negative",
        ));
    }
    Ok(checked)
}

/// The transfer with its ids trimmed and its asset in upper case, or the first problem.
pub fn check_transfer(transfer: &Transfer) -> Result<Transfer, LedgerError> {
    let mut checked = transfer.clone();
    checked.transfer_id = identifier("transfer_id", &transfer.transfer_id)?;
    checked.account = account_name("account", &transfer.account)?;
    checked.asset = asset("asset", &transfer.asset)?;
    bounded("amount", transfer.amount, MAX_AMOUNT, Sign::NonZero)?;
    if transfer.memo.chars().count() > MAX_ID_LENGTH {
        return Err(LedgerError::invalid(
            "memo",
            format!("must be at most {MAX_ID_LENGTH} characters"),
        ));
    }
    if transfer.at_ms < 0 {
        return Err(LedgerError::invalid(
            "at_ms",
            "must be a Unix time in milliseconds, not negative",
        ));
    }
    Ok(checked)
}

/// An account name: what ledger account names are built from, so no `:` and no spaces.
pub fn account_name(field: &str, text: &str) -> Result<String, LedgerError> {
    let name = text.trim();
    if name.is_empty() {
        return Err(LedgerError::invalid(field, "is required, e.g. \"default\""));
    }
    if name.chars().count() > MAX_ID_LENGTH {
        return Err(LedgerError::invalid(
            field,
            format!("must be at most {MAX_ID_LENGTH} characters"),
        ));
    }
    if name
        .chars()
        .any(|c| c == ':' || c.is_whitespace() || c.is_control())
    {
        return Err(LedgerError::invalid(
            field,
            format!("'{name}' must not contain ':', spaces or control characters"),
        ));
    }
    Ok(name.to_string())
}

/// An asset name in upper case: letters and digits, as in symbols.
pub fn asset(field: &str, text: &str) -> Result<String, LedgerError> {
    let name = text.trim().to_ascii_uppercase();
    let valid =
        !name.is_empty() && name.len() <= 20 && name.chars().all(|c| c.is_ascii_alphanumeric());
    if valid {
        Ok(name)
    } else {
        Err(LedgerError::invalid(
            field,
            format!("'{text}' is not an asset: letters and digits, e.g. USDT"),
        ))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sign {
    Positive,
    NotNegative,
    NonZero,
}

fn bounded(field: &str, value: Decimal, max: Decimal, sign: Sign) -> Result<(), LedgerError> {
    let sign_ok = match sign {
        Sign::Positive => value > Decimal::ZERO,
        Sign::NotNegative => value >= Decimal::ZERO,
        Sign::NonZero => !value.is_zero(),
    };
    if !sign_ok {
        let wanted = match sign {
            Sign::Positive => "must be above zero",
            Sign::NotNegative => "must not be negative",
            Sign::NonZero => "must not be zero (positive in, negative out)",
        };
        return Err(LedgerError::invalid(field, wanted));
    }
    if value.abs() > max {
        return Err(LedgerError::invalid(
            field,
            format!("must be at most {max}"),
        ));
    }
    if value.normalize().scale() > MAX_SCALE {
        return Err(LedgerError::invalid(
            field,
            format!("must have at most {MAX_SCALE} decimal places"),
        ));
    }
    Ok(())
}

fn identifier(field: &str, text: &str) -> Result<String, LedgerError> {
    let id = text.trim();
    if id.is_empty() {
        return Err(LedgerError::invalid(field, "is required"));
    }
    if id.chars().count() > MAX_ID_LENGTH {
        return Err(LedgerError::invalid(
            field,
            format!("must be at most {MAX_ID_LENGTH} characters"),
        ));
    }
    Ok(id.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use quorum_domain::{Liquidity, Side, Venue};

    fn fill() -> Fill {
        Fill {
            fill_id: " f-1 ".into(),
            order_id: "o-1".into(),
            account: "alice".into(),
            venue: Venue::Binance,
            symbol: "BTC-USDT".parse().unwrap(),
            side: Side::Buy,
            price: Decimal::from(40_000),
            quantity: Decimal::new(5, 1),
            fee: Decimal::from(20),
            fee_asset: String::new(),
            liquidity: Liquidity::Taker,
            filled_at_ms: 1_700_000_000_000,
        }
    }

    fn transfer() -> Transfer {
        Transfer {
            transfer_id: "t-1".into(),
            account: "alice".into(),
            venue: Venue::Binance,
            asset: "usdt".into(),
            amount: Decimal::from(1000),
            memo: String::new(),
            at_ms: 1,
        }
    }

    #[test]
    fn limits_are_the_powers_of_ten_they_claim() {
        assert_eq!(MAX_QUANTITY, Decimal::from(10i64.pow(15)));
        assert_eq!(MAX_PRICE, Decimal::from(10i64.pow(12)));
        assert_eq!(MAX_AMOUNT, Decimal::from(10i64.pow(18)));
    }

    #[test]
    fn good_fills_are_trimmed_and_get_the_quote_as_fee_asset() {
        let checked = check_fill(&fill()).unwrap();
        assert_eq!(checked.fill_id, "f-1");
        assert_eq!(checked.fee_asset, "USDT");
    }

    #[test]
    fn bad_fills_name_their_field() {
        type Edit = fn(&mut Fill);
        let cases: Vec<(Edit, &str)> = vec![
            (|f| f.fill_id = "  ".into(), "fill.fill_id"),
            (|f| f.account = String::new(), "fill.account"),
            (|f| f.account = "a:b".into(), "fill.account"),
            (|f| f.quantity = Decimal::ZERO, "fill.quantity"),
            (|f| f.quantity = -Decimal::ONE, "fill.quantity"),
            (
                |f| f.quantity = MAX_QUANTITY + Decimal::ONE,
                "fill.quantity",
            ),
            (|f| f.quantity = Decimal::new(1, 20), "fill.quantity"),
            (|f| f.price = Decimal::ZERO, "fill.price"),
            (|f| f.fee = -Decimal::ONE, "fill.fee"),
            (|f| f.fee_asset = "BNB".into(), "fill.fee_asset"),
            (|f| f.filled_at_ms = -1, "fill.filled_at_unix_ms"),
            (
                |f| {
                    f.quantity = MAX_QUANTITY;
                    f.price = MAX_PRICE;
                },
                "fill.quantity",
            ),
        ];
        for (edit, field) in cases {
            let mut bad = fill();
            edit(&mut bad);
            let error = check_fill(&bad).unwrap_err();
            assert_eq!(error.field(), Some(field), "{error}");
        }
    }

    #[test]
    fn bad_transfers_name_their_field() {
        assert_eq!(check_transfer(&transfer()).unwrap().asset, "USDT");
        type Edit = fn(&mut Transfer);
        let cases: Vec<(Edit, &str)> = vec![
            (|t| t.transfer_id = String::new(), "transfer_id"),
            (|t| t.account = " ".into(), "account"),
            (|t| t.asset = "US-DT".into(), "asset"),
            (|t| t.asset = String::new(), "asset"),
            (|t| t.amount = Decimal::ZERO, "amount"),
            (|t| t.amount = -(MAX_AMOUNT + Decimal::ONE), "amount"),
            (|t| t.memo = "m".repeat(MAX_ID_LENGTH + 1), "memo"),
        ];
        for (edit, field) in cases {
            let mut bad = transfer();
            edit(&mut bad);
            let error = check_transfer(&bad).unwrap_err();
            assert_eq!(error.field(), Some(field), "{error}");
        }
        let mut withdrawal = transfer();
        withdrawal.amount = Decimal::from(-5);
        assert!(check_transfer(&withdrawal).is_ok());
    }
}
