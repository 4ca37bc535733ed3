//! Checking requests at the edge: every bad field is named in one INVALID_ARGUMENT.
use std::collections::HashSet;
use std::time::Duration;

use quorum_consensus::{ProposalKind, Settings, WeightMode};
use quorum_domain::convert::{FieldProblem, parse_symbol, parse_venue_filter};
use quorum_kit::errors::{FieldErrors, invalid_field};
use quorum_proto::ai::v1 as ai;
use tonic::Status;
use tonic::codegen::http::Uri;

use crate::config::{MAX_VOTER_DEADLINE_MS, Policy};
use crate::convert;

/// Candle intervals trade-history computes, with their length in milliseconds.
pub const INTERVALS: [(&str, i64); 11] = [
    ("1s", 1_000),
    ("5s", 5_000),
    ("15s", 15_000),
    ("30s", 30_000),
    ("1m", 60_000),
    ("5m", 300_000),
    ("15m", 900_000),
    ("30m", 1_800_000),
    ("1h", 3_600_000),
    ("4h", 14_400_000),
    ("1d", 86_400_000),
];
/// The interval outcomes are judged on when a proposal names none.
pub const DEFAULT_INTERVAL: &str = "1m";
/// Longest horizon: a year.
pub const MAX_HORIZON_MS: i64 = 366 * 86_400_000;
/// How far in the future as_of may be (clock skew between services).
pub const AS_OF_SKEW_MS: i64 = 60_000;
/// Longest proposal id and voter name.
pub const MAX_PROPOSAL_ID_LEN: usize = 128;
pub const MAX_NAME_LEN: usize = 63;
/// Largest registered weight (sums of weights stay far from overflow).
pub const MAX_WEIGHT: f64 = 1e6;
/// Most candles a proposal may carry.
pub const MAX_CANDLES: usize = 10_000;
/// Most voters one decision may name.
pub const MAX_VOTERS: usize = 256;

/// A checked Decide request, with the proposal's id, as_of and interval filled in.
#[derive(Debug, Clone)]
pub struct DecideInput {
    pub proposal: ai::Proposal,
    pub kind: ProposalKind,
    /// Named voters; empty means every enabled registered voter.
    pub voters: Vec<String>,
    pub settings: Settings,
    pub voter_deadline: Duration,
}

/// A checked RegisterVoter request.
#[derive(Debug, Clone, PartialEq)]
pub struct Registration {
    pub name: String,
    /// Stored kind name, e.g. "STRATEGY"; "UNSPECIFIED" lets the voter's own description
    /// decide.
    pub kind: &'static str,
    pub address: String,
    pub weight: f64,
    pub mode: WeightMode,
    pub enabled: bool,
}

/// The length of an interval name, if trade-history computes it.
pub fn interval_millis(name: &str) -> Option<i64> {
    INTERVALS
        .iter()
        .find(|(known, _)| *known == name)
        .map(|(_, millis)| *millis)
}

/// Whether `name` is a voter name: 1 to 63 of [a-z0-9-], starting with a letter or digit.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME_LEN
        && !name.starts_with('-')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Checks a Decide request against the contract's ranges, filling in the defaults.
pub fn decide(
    request: &ai::DecideRequest,
    policy: &Policy,
    now_ms: i64,
) -> Result<DecideInput, Status> {
    let mut errors = FieldErrors::new();
    let Some(proposal) = request.proposal.as_ref() else {
        return Err(invalid_field("proposal", "is required"));
    };
    let mut proposal = proposal.clone();
    let kind = convert::proposal_kind(proposal.kind);
    errors.check(
        kind.is_some(),
        "proposal.kind",
        "must be PROPOSAL_KIND_DIRECTION or PROPOSAL_KIND_YES_NO",
    );
    check_proposal(&mut errors, &mut proposal, kind, now_ms);
    let voters = check_voter_names(&mut errors, &request.voters);
    let settings = Settings {
        threshold: request.threshold.unwrap_or(policy.defaults.threshold),
        quorum: request.quorum.unwrap_or(policy.defaults.quorum),
        max_rounds: request.max_rounds.unwrap_or(policy.defaults.max_rounds),
    };
    for problem in settings.problems() {
        errors.add(problem.field, problem.problem);
    }
    let voter_deadline = match request.voter_deadline_ms {
        Some(millis) if (1..=MAX_VOTER_DEADLINE_MS).contains(&millis) => {
            Duration::from_millis(u64::from(millis))
        }
        Some(millis) => {
            errors.add(
                "voter_deadline_ms",
                format!("{millis} must be between 1 and {MAX_VOTER_DEADLINE_MS}"),
            );
            policy.voter_deadline
        }
        None => policy.voter_deadline,
    };
    errors.into_result()?;
    let kind = kind.ok_or_else(|| Status::invalid_argument("proposal.kind"))?;
    Ok(DecideInput {
        proposal,
        kind,
        voters,
        settings,
        voter_deadline,
    })
}

fn check_proposal(
    errors: &mut FieldErrors,
    proposal: &mut ai::Proposal,
    kind: Option<ProposalKind>,
    now_ms: i64,
) {
    let id = proposal.proposal_id.trim().to_string();
    if id.is_empty() {
        proposal.proposal_id = uuid::Uuid::now_v7().to_string();
    } else {
        errors.check(
            id.len() <= MAX_PROPOSAL_ID_LEN
                && !id.chars().any(|c| c.is_control() || c.is_whitespace()),
            "proposal.proposal_id",
            format!("must be at most {MAX_PROPOSAL_ID_LEN} characters without spaces"),
        );
        proposal.proposal_id = id;
    }
    let direction = kind == Some(ProposalKind::Direction);
    if direction || !proposal.symbol.trim().is_empty() {
        match parse_symbol("proposal.symbol", &proposal.symbol) {
            Ok(symbol) => proposal.symbol = symbol.as_str().to_string(),
            Err(problem) => add(errors, problem),
        }
    }
    if let Err(problem) = parse_venue_filter("proposal.venue", proposal.venue) {
        add(errors, problem);
    }
    if proposal.interval.trim().is_empty() {
        proposal.interval = DEFAULT_INTERVAL.to_string();
    }
    errors.check(
        interval_millis(&proposal.interval).is_some(),
        "proposal.interval",
        format!(
            "'{}' is not an interval: use one of {}",
            proposal.interval,
            INTERVALS.map(|(name, _)| name).join(", ")
        ),
    );
    let horizon_ok = if direction {
        (1..=MAX_HORIZON_MS).contains(&proposal.horizon_ms)
    } else {
        (0..=MAX_HORIZON_MS).contains(&proposal.horizon_ms)
    };
    errors.check(
        horizon_ok,
        "proposal.horizon_ms",
        format!(
            "must be {} and at most {MAX_HORIZON_MS} (a year)",
            if direction {
                "> 0 for a DIRECTION proposal"
            } else {
                ">= 0"
            }
        ),
    );
    if proposal.as_of_unix_ms == 0 {
        proposal.as_of_unix_ms = now_ms;
    }
    errors.check(
        proposal.as_of_unix_ms > 0 && proposal.as_of_unix_ms <= now_ms + AS_OF_SKEW_MS,
        "proposal.as_of_unix_ms",
        "must be a Unix time in milliseconds, not in the future (0 means now)",
    );
    errors.check(
        proposal.candles.len() <= MAX_CANDLES,
        "proposal.candles",
        format!("at most {MAX_CANDLES} candles"),
    );
}

fn check_voter_names(errors: &mut FieldErrors, names: &[String]) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut voters = Vec::with_capacity(names.len());
    for name in names {
        let name = name.trim();
        if !valid_name(name) {
            errors.add(
                "voters",
                format!("'{name}' is not a voter name ([a-z0-9-], 1 to 63)"),
            );
        } else if !seen.insert(name.to_string()) {
            errors.add("voters", format!("'{name}' is named twice"));
        } else {
            voters.push(name.to_string());
        }
    }
    errors.check(
        names.len() <= MAX_VOTERS,
        "voters",
        format!("at most {MAX_VOTERS} voters"),
    );
    voters
}

/// Checks a RegisterVoter request.
pub fn registration(request: &ai::RegisterVoterRequest) -> Result<Registration, Status> {
    let mut errors = FieldErrors::new();
    let Some(voter) = request.voter.as_ref() else {
        return Err(invalid_field("voter", "is required"));
    };
    let name = voter.name.trim().to_string();
    errors.check(
        valid_name(&name),
        "voter.name",
        "must be 1 to 63 of a-z, 0-9 and '-', starting with a letter or digit",
    );
    let address = voter.address.trim().to_string();
    if let Err(problem) = check_address(&address) {
        errors.add("voter.address", problem);
    }
    errors.check(
        voter.weight.is_finite() && voter.weight > 0.0 && voter.weight <= MAX_WEIGHT,
        "voter.weight",
        format!("{} must be > 0 and at most {MAX_WEIGHT}", voter.weight),
    );
    let mode = convert::weight_mode(voter.weight_mode);
    errors.check(
        mode.is_some(),
        "voter.weight_mode",
        "must be WEIGHT_MODE_FIXED or WEIGHT_MODE_ACCURACY",
    );
    let kind = convert::voter_kind_name(voter.kind);
    errors.check(
        kind.is_some(),
        "voter.kind",
        format!("{} is not a voter kind", voter.kind),
    );
    errors.into_result()?;
    Ok(Registration {
        name,
        kind: kind.unwrap_or("UNSPECIFIED"),
        address,
        weight: voter.weight,
        mode: mode.unwrap_or(WeightMode::Fixed),
        enabled: voter.enabled,
    })
}

/// An address is `http(s)://host:port` or the name of a service in the catalog.
pub fn check_address(address: &str) -> Result<(), String> {
    if address.starts_with("http://") || address.starts_with("https://") {
        let uri: Uri = address
            .parse()
            .map_err(|_| format!("'{address}' is not a URL"))?;
        let host_ok = uri.host().is_some_and(|host| !host.is_empty());
        let port_ok = uri.port_u16().is_some_and(|port| port > 0);
        let bare = uri.path_and_query().is_none_or(|path| path.as_str() == "/");
        return if host_ok && port_ok && bare {
            Ok(())
        } else {
            Err(format!("'{address}' must be http(s)://host:port"))
        };
    }
    let known = quorum_catalog::Catalog::load()
        .map(|catalog| catalog.service(address).is_some())
        .unwrap_or(false);
    if known {
        Ok(())
    } else {
        Err(format!(
            "'{address}' is neither http(s)://host:port nor a service of the catalog"
        ))
    }
}

fn add(errors: &mut FieldErrors, problem: FieldProblem) {
    errors.add(&problem.field, problem.problem);
}

#[cfg(test)]
#[path = "validate_tests.rs"]
mod tests;
