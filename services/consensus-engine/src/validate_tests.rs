//! Request checks: defaults filled in, and every bad field named.
use super::*;
use crate::Config;

const NOW: i64 = 1_700_000_000_000;

fn policy() -> Policy {
    Config::new("postgres://u:p@h/db", "redis://h")
        .check()
        .unwrap()
}

fn direction() -> ai::DecideRequest {
    ai::DecideRequest {
        proposal: Some(ai::Proposal {
            kind: ai::ProposalKind::Direction.into(),
            symbol: "BTC-USDT".into(),
            horizon_ms: 60_000,
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn message(status: &Status) -> String {
    status.message().to_string()
}

#[test]
fn defaults_fill_the_gaps() {
    let input = decide(&direction(), &policy(), NOW).unwrap();
    assert_eq!(input.kind, ProposalKind::Direction);
    assert_eq!(input.settings, Settings::default());
    assert_eq!(input.voter_deadline, Duration::from_secs(2));
    assert_eq!(input.proposal.interval, "1m");
    assert_eq!(input.proposal.as_of_unix_ms, NOW);
    assert!(uuid::Uuid::parse_str(&input.proposal.proposal_id).is_ok());
    assert!(input.voters.is_empty());
}

#[test]
fn given_settings_and_voters_are_kept() {
    let mut request = direction();
    request.threshold = Some(0.6);
    request.quorum = Some(1.0);
    request.max_rounds = Some(3);
    request.voter_deadline_ms = Some(150);
    request.voters = vec!["momentum-trader".into(), " llm-1 ".into()];
    if let Some(proposal) = request.proposal.as_mut() {
        proposal.proposal_id = "signal-42".into();
        proposal.interval = "5s".into();
        proposal.as_of_unix_ms = NOW - 1000;
        proposal.symbol = " eth-usdt ".into();
    }
    let input = decide(&request, &policy(), NOW).unwrap();
    assert_eq!(input.settings.threshold, 0.6);
    assert_eq!(input.settings.max_rounds, 3);
    assert_eq!(input.voter_deadline, Duration::from_millis(150));
    assert_eq!(input.voters, ["momentum-trader", "llm-1"]);
    assert_eq!(input.proposal.proposal_id, "signal-42");
    assert_eq!(input.proposal.as_of_unix_ms, NOW - 1000);
    assert_eq!(input.proposal.symbol, "ETH-USDT");
}

#[test]
fn bad_fields_are_each_named() {
    let request = ai::DecideRequest {
        proposal: Some(ai::Proposal {
            kind: ai::ProposalKind::Direction.into(),
            symbol: "not a symbol".into(),
            venue: 42,
            interval: "2m".into(),
            horizon_ms: 0,
            as_of_unix_ms: NOW + 3_600_000,
            proposal_id: "has space".into(),
            ..Default::default()
        }),
        voters: vec!["Upper".into(), "a".into(), "a".into()],
        threshold: Some(0.0),
        quorum: Some(1.1),
        max_rounds: Some(51),
        voter_deadline_ms: Some(0),
    };
    let text = message(&decide(&request, &policy(), NOW).unwrap_err());
    for field in [
        "proposal.proposal_id",
        "proposal.symbol",
        "proposal.venue",
        "proposal.interval",
        "proposal.horizon_ms",
        "proposal.as_of_unix_ms",
        "voters: 'Upper'",
        "voters: 'a' is named twice",
        "threshold",
        "quorum",
        "max_rounds",
        "voter_deadline_ms",
    ] {
        assert!(text.contains(field), "{field} missing from: {text}");
    }
}

#[test]
fn kind_is_required_and_yes_no_needs_no_symbol() {
    let missing = ai::DecideRequest::default();
    assert!(message(&decide(&missing, &policy(), NOW).unwrap_err()).contains("proposal"));
    let mut request = direction();
    if let Some(proposal) = request.proposal.as_mut() {
        proposal.kind = 0;
    }
    assert!(message(&decide(&request, &policy(), NOW).unwrap_err()).contains("proposal.kind"));
    let yes_no = ai::DecideRequest {
        proposal: Some(ai::Proposal {
            kind: ai::ProposalKind::YesNo.into(),
            question: "Is the funding rate about to flip?".into(),
            ..Default::default()
        }),
        ..Default::default()
    };
    assert_eq!(
        decide(&yes_no, &policy(), NOW).unwrap().kind,
        ProposalKind::YesNo
    );
}

#[test]
fn registrations_check_name_address_weight_and_mode() {
    let good = ai::RegisterVoterRequest {
        voter: Some(ai::VoterInfo {
            name: "momentum-trader".into(),
            address: "http://127.0.0.1:50111".into(),
            weight: 1.5,
            weight_mode: ai::WeightMode::Accuracy.into(),
            enabled: true,
            ..Default::default()
        }),
    };
    let registration = registration(&good).unwrap();
    assert_eq!(registration.mode, WeightMode::Accuracy);
    assert_eq!(registration.kind, "UNSPECIFIED");
    let bad = ai::RegisterVoterRequest {
        voter: Some(ai::VoterInfo {
            name: "Momentum Trader".into(),
            address: "127.0.0.1:50111".into(),
            weight: f64::INFINITY,
            weight_mode: 9,
            kind: 77,
            ..Default::default()
        }),
    };
    let text = message(&super::registration(&bad).unwrap_err());
    for field in [
        "voter.name",
        "voter.address",
        "voter.weight",
        "voter.weight_mode",
        "voter.kind",
    ] {
        assert!(text.contains(field), "{field} missing from: {text}");
    }
    assert!(
        message(&super::registration(&ai::RegisterVoterRequest::default()).unwrap_err())
            .contains("voter")
    );
}

#[test]
fn addresses_are_urls_with_ports_or_catalog_names() {
    assert!(check_address("http://127.0.0.1:50111").is_ok());
    assert!(check_address("https://voter.example:443").is_ok());
    assert!(check_address("momentum-trader").is_ok());
    assert!(check_address("http://127.0.0.1").is_err());
    assert!(check_address("http://127.0.0.1:50111/path").is_err());
    assert!(check_address("no-such-service").is_err());
    assert!(check_address("").is_err());
    assert!(valid_name("a-1"));
    assert!(!valid_name("-a"));
    assert!(!valid_name(&"a".repeat(64)));
    assert_eq!(interval_millis("4h"), Some(14_400_000));
    assert_eq!(interval_millis("2h"), None);
}
