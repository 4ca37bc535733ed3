//! Vote and DescribeVoter: the ballot mapping, history read up to as-of, later rounds.
use quorum_proto::ai::v1::{
    Decision, DescribeVoterRequest, Proposal, ProposalKind, RoundSummary, TallyEntry, VoteRequest,
    VoterKind,
};
use tonic::Code;

use crate::harness::{Harness, INTERVAL_MS, START_MS, candles_from, proto, trend, violated_fields};

fn proposal(closes: &[f64]) -> Proposal {
    let candles = proto(&candles_from(0, closes));
    Proposal {
        proposal_id: "p-1".into(),
        kind: ProposalKind::Direction.into(),
        symbol: "BTC-USDT".into(),
        venue: 0,
        interval: "1m".into(),
        horizon_ms: 600_000,
        as_of_unix_ms: START_MS + closes.len() as i64 * INTERVAL_MS,
        question: "Which way for BTC-USDT?".into(),
        candles,
        context: Default::default(),
    }
}

fn first_round(proposal: Proposal) -> VoteRequest {
    VoteRequest {
        proposal: Some(proposal),
        round: 1,
        previous_round: None,
        deadline_unix_ms: 0,
    }
}

async fn ballot(harness: &Harness, request: VoteRequest) -> quorum_proto::ai::v1::Ballot {
    harness
        .voter
        .clone()
        .vote(harness.request(request))
        .await
        .unwrap()
        .into_inner()
        .ballot
        .unwrap()
}

#[tokio::test]
async fn signals_map_to_decisions() {
    let harness = Harness::start().await;
    let cases = [
        (trend(80, 0.005), Decision::Buy),
        (trend(80, -0.005), Decision::Sell),
        (vec![100.0; 80], Decision::Hold),
    ];
    for (closes, expected) in cases {
        let ballot = ballot(&harness, first_round(proposal(&closes))).await;
        assert_eq!(ballot.decision(), expected, "{}", ballot.rationale);
        assert!((0.0..=1.0).contains(&ballot.confidence));
        assert!(
            ballot.rationale.contains("ROC(10) = "),
            "{}",
            ballot.rationale
        );
        assert!(ballot.voter_version.starts_with("momentum@"));
        let evidence = ballot.evidence.unwrap();
        assert_eq!(evidence.symbols, ["BTC-USDT"]);
        assert_eq!(evidence.interval, "1m");
        let window = evidence.window.unwrap();
        assert_eq!(window.from_unix_ms, START_MS);
        assert_eq!(window.to_unix_ms, START_MS + 80 * INTERVAL_MS);
        assert_eq!(evidence.as_of_unix_ms, START_MS + 80 * INTERVAL_MS);
        assert!(evidence.facts.contains_key("adx"));
        assert!(ballot.cost.unwrap().compute_micros > 0);
    }
}

#[tokio::test]
async fn later_rounds_repeat_the_vote_and_say_the_tally_was_seen() {
    let harness = Harness::start().await;
    let first = ballot(&harness, first_round(proposal(&trend(80, 0.005)))).await;
    let second = ballot(
        &harness,
        VoteRequest {
            round: 2,
            previous_round: Some(RoundSummary {
                round: 1,
                tally: vec![
                    TallyEntry {
                        decision: Decision::Buy.into(),
                        weight: 1.0,
                        voters: 1,
                    },
                    TallyEntry {
                        decision: Decision::Sell.into(),
                        weight: 1.0,
                        voters: 1,
                    },
                ],
                agreement: 0.5,
                leading: Decision::Buy.into(),
                votes: vec![],
            }),
            ..first_round(proposal(&trend(80, 0.005)))
        },
    )
    .await;
    assert_eq!(second.decision, first.decision);
    assert_eq!(second.confidence, first.confidence);
    assert!(
        second
            .rationale
            .contains("saw round 1's tally (BUY 1.00 from 1 voter(s), SELL 1.00"),
        "{}",
        second.rationale
    );
}

#[tokio::test]
async fn without_candles_history_is_read_up_to_as_of_only() {
    let harness = Harness::start().await;
    let candles = candles_from(0, &trend(100, 0.005));
    *harness.history.candles.lock().unwrap() = proto(&candles);
    let mut asked = proposal(&[]);
    // As of the middle of candle 80: candles 0..=79 are closed, 80 is not.
    asked.as_of_unix_ms = candles[80].open_time_ms + INTERVAL_MS / 2;
    let ballot = ballot(&harness, first_round(asked)).await;
    assert_eq!(ballot.decision(), Decision::Buy, "{}", ballot.rationale);
    assert!(
        ballot
            .rationale
            .contains("60 candles read from trade-history"),
        "{}",
        ballot.rationale
    );
    let window = ballot.evidence.unwrap().window.unwrap();
    assert_eq!(window.to_unix_ms, candles[80].open_time_ms);
    let requests = harness.history.requests.lock().unwrap().clone();
    assert_eq!(requests.len(), 1);
    let range = requests[0].range.unwrap();
    assert_eq!(range.to_unix_ms, candles[80].open_time_ms);
    assert_eq!(range.from_unix_ms, candles[20].open_time_ms);
}

#[tokio::test]
async fn trade_history_down_is_unavailable_naming_it() {
    let harness = Harness::start_with("momentum-trader", &quorum_strategies::Momentum, |config| {
        config.trade_history_addr = Some("http://127.0.0.1:1".into());
    })
    .await;
    let status = harness
        .voter
        .clone()
        .vote(harness.request(first_round(proposal(&[]))))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unavailable);
    assert!(
        status.message().contains("trade-history"),
        "{}",
        status.message()
    );
}

#[tokio::test]
async fn yes_no_questions_abstain_and_bad_proposals_are_named() {
    let harness = Harness::start().await;
    let mut question = proposal(&trend(40, 0.005));
    question.kind = ProposalKind::YesNo.into();
    let abstained = ballot(&harness, first_round(question)).await;
    assert_eq!(abstained.decision(), Decision::Abstain);
    assert!(
        abstained.rationale.contains("DIRECTION proposals"),
        "{}",
        abstained.rationale
    );

    let warming = ballot(&harness, first_round(proposal(&trend(10, 0.005)))).await;
    assert_eq!(warming.decision(), Decision::Abstain);
    assert!(
        warming.rationale.contains("too little history"),
        "{}",
        warming.rationale
    );

    let mut bad = proposal(&trend(40, 0.005));
    bad.symbol = String::new();
    bad.interval = "soon".into();
    bad.candles[2].low = None;
    let status = harness
        .voter
        .clone()
        .vote(harness.request(first_round(bad)))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(
        violated_fields(&status),
        [
            "proposal.symbol",
            "proposal.interval",
            "proposal.candles[2].low"
        ]
    );

    let mut unspecified = proposal(&trend(40, 0.005));
    unspecified.kind = 0;
    let status = harness
        .voter
        .clone()
        .vote(harness.request(first_round(unspecified)))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&status), ["proposal.kind"]);
}

#[tokio::test]
async fn describe_voter_names_the_strategy() {
    let harness = Harness::start().await;
    let described = harness
        .voter
        .clone()
        .describe_voter(harness.request(DescribeVoterRequest {}))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(described.name, "momentum-trader");
    assert_eq!(described.kind(), VoterKind::Strategy);
    assert!(described.version.starts_with("momentum@"));
    assert_eq!(described.kinds, [i32::from(ProposalKind::Direction)]);
}
